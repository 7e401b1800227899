// Shared by the command service tests: a Registrar fed with hand-built REGISTERs (Digest answered with
// DigestClient, or from a trusted network), and a recording logger.
import assert from 'node:assert/strict';
import { Registrar } from '../../../../src/registrar/registrar.js';
import type { RegistrarUser } from '../../../../src/registrar/register-auth.js';
import type { RegisterSource } from '../../../../src/registrar/binding.js';
import { parseMessage } from '../../../../src/sip/parse.js';
import type { SipRequest } from '../../../../src/sip/message.js';
import { DigestClient } from '../../../../src/util/digest-client.js';
import type { CommandLogger } from '../../../../src/service/commands/command-service.js';
import { startTestServer, type TestServer, type TestServerOptions } from '../../../helpers/http-test-server.js';

export const DOMAIN = 'pbx.test';

let counter = 0;

/** A REGISTER for `user@domain` with one Contact, parsed from wire text. */
export function registerRequest(init: { user: string; domain?: string; contact: string; callId: string; cseq: number; authorization?: string }): SipRequest {
  const domain = init.domain ?? DOMAIN;
  const n = ++counter;
  const lines = [
    `REGISTER sip:${domain} SIP/2.0`,
    `Via: SIP/2.0/UDP ${init.contact.replace(/^sip:[^@]*@/, '').replace(/[;>].*$/, '')};branch=z9hG4bK-cmd${n};rport`,
    'Max-Forwards: 70',
    `From: <sip:${init.user}@${domain}>;tag=t${n}`,
    `To: <sip:${init.user}@${domain}>`,
    `Call-ID: ${init.callId}`,
    `CSeq: ${init.cseq} REGISTER`,
    `Contact: <${init.contact}>`,
    'Expires: 600',
    'User-Agent: snomD785-SIP 10.1.54.13',
    ...(init.authorization === undefined ? [] : [`Authorization: ${init.authorization}`]),
    'Content-Length: 0',
    '',
    '',
  ];
  const parsed = parseMessage(Buffer.from(lines.join('\r\n'), 'utf8'));
  assert.ok(parsed.ok && parsed.value.kind === 'request', 'test REGISTER does not parse');
  return parsed.value as SipRequest;
}

/** A registrar for DOMAIN with the given users (name → RegistrarUser). */
export function makeRegistrar(users: Record<string, RegistrarUser>): Registrar {
  return new Registrar({ domains: [DOMAIN, 'other.test'], users: (user) => (Object.hasOwn(users, user) ? users[user] : undefined) });
}

/**
 * Registers `user` from `address` (the REGISTER's source, i.e. the phone's network IP): first without
 * credentials, then, after a 401, with a DigestClient's answer. Asserts the final 200.
 */
export async function registerFrom(
  registrar: Registrar,
  init: { user: string; address: string; password?: string; domain?: string; contactHost?: string; callId?: string },
): Promise<void> {
  const source: RegisterSource = { transport: 'udp', address: init.address, port: 5060, localAddress: '127.0.0.1', localPort: 5060 };
  // The Contact names another host than the source: the phone is "behind NAT", so only the source reaches it.
  const contact = `sip:${init.user}@${init.contactHost ?? '10.99.0.1'}:5060`;
  const callId = init.callId ?? `${init.user}-${init.address}@test`;
  const first = await registrar.handleRegister(registerRequest({ ...init, contact, callId, cseq: 1 }), source);
  let status = first.response.status;
  if (status === 401) {
    assert.ok(init.password !== undefined, 'the registrar challenged but the test gave no password');
    const client = new DigestClient({ username: init.user, password: init.password });
    const answer = client.respond(first.response.headers.getAll('WWW-Authenticate'), 'REGISTER', `sip:${init.domain ?? DOMAIN}`);
    assert.ok(answer.ok);
    const second = await registrar.handleRegister(registerRequest({ ...init, contact, callId, cseq: 2, authorization: answer.value }), source);
    status = second.response.status;
  }
  assert.equal(status, 200, `REGISTER of ${init.user} from ${init.address}`);
}

/** A logger that keeps every line, to check that no secret is ever logged. */
export function recordingLogger(): CommandLogger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (details: object, message: string): void => {
    lines.push(`${JSON.stringify(details)} ${message}`);
  };
  return { lines, warn: keep, debug: keep };
}

/**
 * Starts one test server per host, all on one port (the registrar source has a single web port, as
 * real phones all listen on 80): the first takes a free port, the others the same; retried when another
 * process holds that port on one of the hosts.
 */
export async function startPhonesOnOnePort(
  hosts: readonly string[],
  options: (host: string) => TestServerOptions,
): Promise<{ port: number; servers: Map<string, TestServer> }> {
  for (let attempt = 0; ; attempt++) {
    const servers = new Map<string, TestServer>();
    try {
      let port = 0;
      for (const host of hosts) {
        const s = await startTestServer({ ...options(host), host, port });
        port = s.port;
        servers.set(host, s);
      }
      return { port, servers };
    } catch (e) {
      await Promise.all([...servers.values()].map((s) => s.close()));
      if (attempt >= 5 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    }
  }
}
