// A storm of REGISTERs with wrong passwords (5,000 in 2 s from one raw socket) must not starve a valid
// phone's registration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createService } from '../../src/service/index.js';
import { parseMessage } from '../../src/sip/parse.js';
import { DigestClient } from '../../src/util/digest-client.js';
import { freePort } from '../helpers/ports.js';
import { RawPhone } from './service-raw-phone.js';

const DOMAIN = 'pbx.test';
const STORM = 5000;
const BURSTS = 20;

function register(user: string, port: number, n: number, auth?: string): string {
  return `REGISTER sip:${DOMAIN} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:${port};branch=z9hG4bKstorm${n};rport\r\n` +
    `Max-Forwards: 70\r\nFrom: <sip:${user}@${DOMAIN}>;tag=s${n}\r\nTo: <sip:${user}@${DOMAIN}>\r\nCall-ID: storm-${n}\r\n` +
    `CSeq: 1 REGISTER\r\nContact: <sip:${user}@127.0.0.9:${port}>\r\nExpires: 600\r\n` +
    (auth === undefined ? '' : `Authorization: ${auth}\r\n`) + 'Content-Length: 0\r\n\r\n';
}

/**
 * The guesser runs in a child process of its own (so the service's process does no attacker work): it
 * sends the prepared messages in BURSTS bursts over 2 s from one socket and prints the statuses it got.
 */
const ATTACKER = `
const dgram = require('node:dgram');
const fs = require('node:fs');
const [file, host, port, bursts] = process.argv.slice(1);
const lines = fs.readFileSync(file, 'utf8').split('\\n').filter(Boolean).map((l) => Buffer.from(JSON.parse(l)));
const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
const statuses = {};
let got = 0;
sock.on('message', (m) => { const s = m.toString('latin1', 8, 11); statuses[s] = (statuses[s] || 0) + 1; got++; });
sock.bind(Number(process.env.ATTACKER_PORT), '127.0.0.9', async () => {
  const per = Math.ceil(lines.length / Number(bursts));
  const t0 = performance.now();
  for (let b = 0; b < Number(bursts); b++) {
    for (const m of lines.slice(b * per, (b + 1) * per)) sock.send(m, Number(port), host);
    await new Promise((r) => setTimeout(r, 2000 / Number(bursts)));
  }
  const sent = (performance.now() - t0) / 1000;
  for (let i = 0; i < 250 && got < lines.length; i++) await new Promise((r) => setTimeout(r, 20));
  console.log(JSON.stringify({ statuses, sent }));
  sock.close();
});
`;

test('5,000 wrong-password REGISTERs in 2 s: all refused, the guesser soon without Digest work; a valid phone still registers quickly', { timeout: 60_000 }, async () => {
  const service = createService({
    domains: [DOMAIN],
    users: [{ user: '200', password: 'pw200' }, { user: '666', password: 'the-real-one' }],
    sip: { listen: { host: '127.0.0.1', port: 0 }, transports: ['udp'] },
    commands: false,
  });
  await service.start();
  const addr = { host: '127.0.0.1', port: service.sipAddress!.udpPort! };
  const dir = mkdtempSync(path.join(tmpdir(), 'snomctl-storm-'));
  const phone = await RawPhone.open({ host: '127.0.0.2', user: '200', password: 'pw200', domain: DOMAIN });
  try {
    const aport = await freePort('127.0.0.9');
    // one challenge, then answers with a wrong password (each a fresh nc, so each is checked in full)
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((r) => probe.bind(0, '127.0.0.9', r));
    const challenges = await new Promise<string[]>((resolve) => {
      probe.once('message', (m) => {
        const r = parseMessage(m);
        resolve(r.ok ? r.value.headers.getAll('WWW-Authenticate') : []);
      });
      probe.send(register('666', probe.address().port, -1), addr.port, addr.host);
    });
    probe.close();
    const storm = (user: string, count: number, first: number): string => {
      const client = new DigestClient({ username: user, password: 'guessed' });
      const lines: string[] = [];
      for (let i = first; i < first + count; i++) {
        const auth = client.respond(challenges, 'REGISTER', `sip:${DOMAIN}`);
        assert.ok(auth.ok);
        lines.push(JSON.stringify(register(user, aport, i, auth.value)));
      }
      return `${lines.join('\n')}\n`;
    };
    writeFileSync(path.join(dir, 'warm.jsonl'), storm('667', 2000, 100_000));
    writeFileSync(path.join(dir, 'storm.jsonl'), storm('666', STORM, 0));
    const attack = (file: string, bursts: number): Promise<{ statuses: Record<string, number>; sent: number }> =>
      new Promise((resolve, reject) => {
        execFile(process.execPath, ['-e', ATTACKER, path.join(dir, file), addr.host, String(addr.port), String(bursts)],
          { env: { ...process.env, ATTACKER_PORT: String(aport) }, timeout: 30_000 },
          (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout.trim()) as { statuses: Record<string, number>; sent: number })));
      });

    // a server has been running for a while: its code paths are compiled (a cold process is 3× slower)
    const warm = await attack('warm.jsonl', 4);
    assert.deepEqual(warm.statuses, { 401: 21, 403: 2000 - 21 });
    const calm = performance.now();
    assert.equal((await phone.register(addr, { callId: 'calm@raw' })).status, 200);
    const calmMs = performance.now() - calm;

    const attacker = attack('storm.jsonl', BURSTS);
    await new Promise((r) => setTimeout(r, 1000));
    const during = performance.now();
    const reg = await phone.register(addr, { callId: 'storm@raw' });
    const stormMs = performance.now() - during;
    const { statuses, sent } = await attacker;
    console.log(`# valid REGISTER (401 + 200): ${calmMs.toFixed(1)} ms calm, ${stormMs.toFixed(1)} ms during a storm of ${STORM} sent in ${sent.toFixed(2)} s`);
    assert.equal(reg.status, 200);
    assert.ok(stormMs < 200, `valid registration took ${stormMs.toFixed(1)} ms during the storm`);
    // 20 wrong answers are challenged again (the 21st too), then the source is refused without Digest work
    assert.deepEqual(statuses, { 401: 21, 403: STORM - 21 });
    // refusals and first-leg challenges hold no server transaction (RFC 3261 §8.2.7); the 42 wrong
    // answers and the phone's two 200s do, for Timer J
    assert.equal(service.endpoint!.stats().transactions.server, 42 + 2, 'the storm holds no transactions');
    assert.equal(service.registrar.contactsOf('666', DOMAIN).length, 0);
    assert.deepEqual(service.registrar.contactsOf('200', DOMAIN).map((b) => b.callId), ['storm@raw'], 'the second registration replaced the first');
  } finally {
    await phone.close();
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
