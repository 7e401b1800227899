// The Kamailio test peer itself: a REGISTER with digest is challenged, then accepted; unknown users refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { kamailioMissing, startKamailio } from '../helpers/kamailio.js';
import { parseMessage } from '../../src/sip/parse.js';
import { DigestClient } from '../../src/util/digest-client.js';
import type { SipResponse } from '../../src/sip/message.js';

async function register(
  host: string,
  port: number,
  user: string,
  password: string,
): Promise<{ first: SipResponse; final: SipResponse }> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const lport = sock.address().port;
  const send = (cseq: number, auth?: string): Promise<SipResponse> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer from kamailio')), 3000);
      sock.once('message', (data) => {
        clearTimeout(timer);
        const parsed = parseMessage(data);
        if (!parsed.ok || parsed.value.kind !== 'response') return reject(new Error('bad response'));
        resolve(parsed.value);
      });
      const msg =
        `REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${lport};branch=z9hG4bKk${cseq}\r\n` +
        `Max-Forwards: 70\r\nFrom: <sip:${user}@example.com>;tag=a1\r\nTo: <sip:${user}@example.com>\r\n` +
        `Call-ID: kh-${user}@127.0.0.1\r\nCSeq: ${cseq} REGISTER\r\nContact: <sip:${user}@127.0.0.1:${lport};line=abc>\r\n` +
        `Expires: 60\r\n${auth ? `Authorization: ${auth}\r\n` : ''}Content-Length: 0\r\n\r\n`;
      sock.send(msg, port, host);
    });
  try {
    const first = await send(1);
    if (first.status !== 401) return { first, final: first };
    const client = new DigestClient({ username: user, password });
    const auth = client.respond(first.headers.getAll('www-authenticate'), 'REGISTER', 'sip:example.com');
    assert.ok(auth.ok);
    return { first, final: await send(2, auth.value) };
  } finally {
    sock.close();
  }
}

const missing = kamailioMissing();

test('kamailio helper: digest REGISTER is challenged then accepted; unknown user refused', { skip: missing }, async () => {
  const k = await startKamailio({ host: '127.0.0.61', port: 5060, users: { '2000': 'secret' } });
  try {
    const ok = await register(k.host, k.port, '2000', 'secret');
    assert.equal(ok.first.status, 401);
    assert.equal(ok.final.status, 200);
    assert.match(ok.final.headers.get('contact') ?? '', /line=abc/);
    const wrong = await register(k.host, k.port, '2000', 'nope');
    assert.equal(wrong.final.status, 401);
    const unknown = await register(k.host, k.port, '3000', 'secret');
    assert.equal(unknown.first.status, 403);
  } finally {
    await k.close();
  }
});

test('kamailio helper: defaultPassword accepts any generated user', { skip: missing }, async () => {
  const k = await startKamailio({ host: '127.0.0.62', port: 5060, defaultPassword: 'pw' });
  try {
    assert.equal((await register(k.host, k.port, '4711', 'pw')).final.status, 200);
  } finally {
    await k.close();
  }
});
