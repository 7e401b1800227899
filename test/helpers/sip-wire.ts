// Builders of SIP wire text for tests (requests as a peer would send them, responses to sent requests).
import type { SipMessage, SipRequest } from '../../src/sip/message.js';
import { responseTo } from '../../src/sip/response-to.js';
import { serializeMessage } from '../../src/sip/serialize.js';

/** Options of requestWire. */
export interface RequestWireOptions {
  readonly method?: string;
  readonly uri?: string;
  readonly branch?: string;
  /** Via sent-by, default 127.0.0.9:5070. */
  readonly sentBy?: string;
  readonly transport?: string;
  /** Add `;rport` to the Via. */
  readonly rport?: boolean;
  readonly callId?: string;
  readonly cseq?: number;
  readonly cseqMethod?: string;
  readonly toTag?: string;
  readonly extraHeaders?: readonly string[];
  readonly body?: string;
}

/** A well-formed request as a peer would send it. */
export function requestWire(o: RequestWireOptions = {}): string {
  const method = o.method ?? 'MESSAGE';
  const body = o.body ?? '';
  const lines = [
    `${method} ${o.uri ?? 'sip:snomctl@127.0.0.1:5060'} SIP/2.0`,
    `Via: SIP/2.0/${o.transport ?? 'UDP'} ${o.sentBy ?? '127.0.0.9:5070'};branch=${o.branch ?? 'z9hG4bKpeer1'}${o.rport ? ';rport' : ''}`,
    'Max-Forwards: 70',
    'From: <sip:phone@127.0.0.9>;tag=peer-tag',
    `To: <sip:snomctl@127.0.0.1>${o.toTag ? `;tag=${o.toTag}` : ''}`,
    `Call-ID: ${o.callId ?? 'call-1@127.0.0.9'}`,
    `CSeq: ${o.cseq ?? 1} ${o.cseqMethod ?? method}`,
    ...(o.extraHeaders ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ];
  return lines.join('\r\n');
}

/** The wire bytes of a response to a request this side sent (copies Via, From, To, Call-ID, CSeq). */
export function responseWire(req: SipMessage, status: number, reason: string, headers?: Array<[string, string]>, toTag = 'uas-tag'): Buffer {
  if (req.kind !== 'request') throw new Error('responseWire needs a request');
  return serializeMessage(responseTo(req as SipRequest, status, reason, { toTag, ...(headers ? { headers } : {}) }));
}
