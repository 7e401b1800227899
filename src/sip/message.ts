import { SipHeaders } from './headers.js';

/** The only SIP version this stack speaks (RFC 3261 §7.1). */
export const SIP_VERSION = 'SIP/2.0';

/** A SIP request (RFC 3261 §7.1). `uri` is the Request-URI exactly as on the wire; parse it with parseUri. */
export interface SipRequest {
  readonly kind: 'request';
  method: string;
  uri: string;
  version: string;
  headers: SipHeaders;
  body: Buffer;
}

/** A SIP response (RFC 3261 §7.2). */
export interface SipResponse {
  readonly kind: 'response';
  version: string;
  status: number;
  reason: string;
  headers: SipHeaders;
  body: Buffer;
}

/** Either kind of SIP message. */
export type SipMessage = SipRequest | SipResponse;

const EMPTY = Buffer.alloc(0);

/** Builds a request; headers may be a SipHeaders or name/value pairs (validated, see SipHeaders). */
export function createRequest(init: {
  method: string;
  uri: string;
  headers?: SipHeaders | Iterable<readonly [string, string]>;
  body?: Buffer | string;
}): SipRequest {
  return {
    kind: 'request',
    method: init.method,
    uri: init.uri,
    version: SIP_VERSION,
    headers: init.headers instanceof SipHeaders ? init.headers : new SipHeaders(init.headers),
    body: toBody(init.body),
  };
}

/** Builds a response from its parts (see responseTo for a response to a received request). */
export function createResponse(init: {
  status: number;
  reason: string;
  headers?: SipHeaders | Iterable<readonly [string, string]>;
  body?: Buffer | string;
}): SipResponse {
  return {
    kind: 'response',
    version: SIP_VERSION,
    status: init.status,
    reason: init.reason,
    headers: init.headers instanceof SipHeaders ? init.headers : new SipHeaders(init.headers),
    body: toBody(init.body),
  };
}

function toBody(body: Buffer | string | undefined): Buffer {
  if (body === undefined) return EMPTY;
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}
