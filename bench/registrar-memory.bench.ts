// Memory per registered phone: 100,000 phones registered through Registrar.handleRegister (one binding
// each: a Snom-like contact with `line=`, +sip.instance and reg-id, a unique Call-ID, a shared
// User-Agent), bindings in a SQLite file, and 12 desired key states per phone in the same store.
// Prints the JS heap and the process RSS growth per phone after a full GC.
// Usage: tsx bench/registrar-memory.bench.ts [phones=100000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Registrar } from '../src/registrar/registrar.js';
import { parseMessage } from '../src/sip/parse.js';
import type { SipRequest } from '../src/sip/message.js';
import { openStore } from '../src/store/sqlite-store.js';

const PHONES = Number(process.argv[2] ?? 100000);
const KEYS = 12;
const DOMAIN = 'pbx.example.com';
const GOAL_BYTES = 2048;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function settle(): { heap: number; rss: number } {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

function register(i: number): SipRequest {
  const user = String(100000 + i);
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const callId = `${(i * 2654435761 >>> 0).toString(16)}a7f3c91e4d2b${i}@${ip}`;
  const text =
    `REGISTER sip:${DOMAIN} SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP ${ip}:5060;branch=z9hG4bK-${i};rport\r\n` +
    `From: <sip:${user}@${DOMAIN}>;tag=${i}\r\n` +
    `To: <sip:${user}@${DOMAIN}>\r\n` +
    `Call-ID: ${callId}\r\n` +
    'CSeq: 1 REGISTER\r\n' +
    'Max-Forwards: 70\r\n' +
    `Contact: <sip:${user}@${ip}:5060;line=${(i * 7919).toString(36).padStart(8, 'k')}>;reg-id=1;+sip.instance="<urn:uuid:0c7e8a3e-0000-1000-8000-${String(i).padStart(12, '0')}>"\r\n` +
    'User-Agent: snomD785/10.1.159.12\r\n' +
    'Expires: 3600\r\n' +
    'Content-Length: 0\r\n\r\n';
  const r = parseMessage(Buffer.from(text, 'utf8'));
  if (!r.ok || r.value.kind !== 'request') throw new Error('bench REGISTER does not parse');
  return r.value;
}

const dir = mkdtempSync(path.join(tmpdir(), 'snomctl-mem-'));
const store = openStore({ path: path.join(dir, 'mem.db') });
const registrar = new Registrar({
  domains: [DOMAIN],
  users: () => ({ trustedNetworks: ['10.0.0.0/8'] }),
  store: store.registrations,
});
const before = settle();
const started = Date.now();
for (let i = 0; i < PHONES; i += 500) {
  const batch: Promise<unknown>[] = [];
  for (let j = i; j < Math.min(PHONES, i + 500); j++) {
    const source = { transport: 'udp' as const, address: `10.${(j >> 16) & 255}.${(j >> 8) & 255}.${j & 255}`, port: 5060 };
    batch.push(registrar.handleRegister(register(j), source).then((o) => {
      if (o.response.status !== 200) throw new Error(`expected 200, got ${o.response.status}`);
    }));
  }
  await Promise.all(batch);
}
const registered = settle();
for (let i = 0; i < PHONES; i++) {
  const states = Array.from({ length: KEYS }, (_, k) => ({ key: String(k + 1), light: 'on' as const, label: `Line ${k + 1}`, action: 'invite' as const, number: `sip:${2000 + k}@${DOMAIN}` }));
  store.keys.putDesiredKeys('internal', String(100000 + i), DOMAIN, states);
}
const after = settle();
const seconds = (Date.now() - started) / 1000;
if (registrar.size !== PHONES) throw new Error(`expected ${PHONES} bindings, have ${registrar.size}`);

const per = (a: number, b: number): number => Math.round((a - b) / PHONES);
console.log(`${PHONES} phones registered and ${PHONES * KEYS} key states stored in ${seconds.toFixed(1)} s`);
console.log(`bindings only:   heap ${per(registered.heap, before.heap)} B/phone, RSS ${per(registered.rss, before.rss)} B/phone`);
console.log(`with ${KEYS} keys each: heap ${per(after.heap, before.heap)} B/phone, RSS ${per(after.rss, before.rss)} B/phone (key states live in SQLite: its page cache is bounded)`);
const rss = per(after.rss, before.rss);
console.log(`target registrar-memory: ${rss} B/phone vs goal ${GOAL_BYTES} B/phone = ${(GOAL_BYTES / Math.max(rss, 1)).toFixed(2)}x (goal 1.0; RSS with ${KEYS} keys each, ratio = goal / value)`);
await registrar.close();
store.close();
rmSync(dir, { recursive: true, force: true });
