// Hand-built REGISTER requests and a phone that answers Digest challenges, for the registrar tests.
import assert from 'node:assert/strict';
import { parseMessage } from '../../../src/sip/parse.js';
import type { SipRequest, SipResponse } from '../../../src/sip/message.js';
import { DigestClient } from '../../../src/util/digest-client.js';
import type { RegisterOutcome, Registrar } from '../../../src/registrar/registrar.js';
import type { RegisterSource } from '../../../src/registrar/binding.js';

/** What goes into a REGISTER. */
export interface RegisterInit {
  user?: string;
  domain?: string;
  ruri?: string;
  callId?: string;
  cseq?: number;
  /** Contact header values, one header line each. */
  contacts?: string[];
  expires?: number | string;
  authorization?: string;
  userAgent?: string;
  extra?: Array<[string, string]>;
}

let branch = 0;

/** A REGISTER parsed from wire text. */
export function register(init: RegisterInit = {}): SipRequest {
  const user = init.user ?? 'alice';
  const domain = init.domain ?? 'example.com';
  const lines = [
    `REGISTER ${init.ruri ?? `sip:${domain}`} SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-t${++branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:${user}@${domain}>;tag=f${branch}`,
    `To: <sip:${user}@${domain}>`,
    `Call-ID: ${init.callId ?? 'call-1@192.0.2.10'}`,
    `CSeq: ${init.cseq ?? 1} REGISTER`,
  ];
  for (const c of init.contacts ?? []) lines.push(`Contact: ${c}`);
  if (init.expires !== undefined) lines.push(`Expires: ${init.expires}`);
  if (init.authorization !== undefined) lines.push(`Authorization: ${init.authorization}`);
  if (init.userAgent !== undefined) lines.push(`User-Agent: ${init.userAgent}`);
  for (const [n, v] of init.extra ?? []) lines.push(`${n}: ${v}`);
  lines.push('Content-Length: 0', '', '');
  const r = parseMessage(Buffer.from(lines.join('\r\n'), 'utf8'));
  assert.ok(r.ok, r.ok ? '' : `test REGISTER does not parse: ${r.error.reason}`);
  assert.equal(r.value.kind, 'request');
  return r.value as SipRequest;
}

/** The default source: a phone on the public internet, not behind NAT. */
export const SOURCE: RegisterSource = { transport: 'udp', address: '192.0.2.10', port: 5060, localAddress: '192.0.2.1', localPort: 5060 };

/** The WWW-Authenticate values of a 401. */
export function challenges(res: SipResponse): string[] {
  assert.equal(res.status, 401);
  return res.headers.getAll('WWW-Authenticate');
}

/** A phone: one Call-ID, an increasing CSeq, and a Digest client answering 401s like a real UA. */
export class TestPhone {
  readonly client: DigestClient;
  cseq = 0;

  constructor(
    readonly registrar: Registrar,
    readonly user: string,
    password: string,
    public callId = `${user}-call@192.0.2.10`,
    public source: RegisterSource = SOURCE,
    readonly domain = 'example.com',
  ) {
    this.client = new DigestClient({ username: user, password });
  }

  /** One REGISTER without credentials, then (after a 401) with them; returns the last outcome. */
  async register(init: Omit<RegisterInit, 'callId' | 'cseq' | 'user' | 'authorization'> = {}): Promise<RegisterOutcome> {
    const base = { user: this.user, domain: this.domain, callId: this.callId, ...init };
    const first = await this.registrar.handleRegister(register({ ...base, cseq: ++this.cseq }), this.source);
    if (first.response.status !== 401) return first;
    const ruri = init.ruri ?? `sip:${this.domain}`;
    const auth = this.client.respond(challenges(first.response), 'REGISTER', ruri);
    assert.ok(auth.ok);
    return this.registrar.handleRegister(register({ ...base, cseq: ++this.cseq, authorization: auth.value }), this.source);
  }
}
