// Registrar throughput, pure (no sockets): each registration is REGISTER → 401 → REGISTER with Digest →
// 200, as wire bytes through parseMessage, Registrar.handleRegister and serializeMessage, with the
// bindings in a SQLite file (WAL, synchronous=NORMAL) and the users looked up in its users table.
// `inFlight` registrations run at once (like SIPp's concurrent calls), so store writes batch per turn.
// Reports, for new registrations and for refreshes, the end-to-end rate and the server-side time: parse,
// handleRegister, serialize and the store's transactions (the simulated phones' own work — building
// requests, reading the 401, computing their Digest answers — is excluded). The machine's load average
// is printed: on a shared machine the figures scale with it.
// Usage: tsx bench/registrar.bench.ts [phones=20000] [inFlight=200]
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Registrar } from '../src/registrar/registrar.js';
import type { RegisterSource } from '../src/registrar/binding.js';
import { parseMessage } from '../src/sip/parse.js';
import { serializeMessage } from '../src/sip/serialize.js';
import type { SipRequest } from '../src/sip/message.js';
import { DigestClient } from '../src/util/digest-client.js';
import { openStore } from '../src/store/sqlite-store.js';

const PHONES = Number(process.argv[2] ?? 20000);
const IN_FLIGHT = Number(process.argv[3] ?? 200);
const DOMAIN = 'pbx.example.com';
/** Kamailio with digest on this machine (DESIGN.md, measured with SIPp; not in this run). */
const KAMAILIO_RATE = { low: 17000, high: 20000 };

interface Phone {
  readonly user: string;
  readonly client: DigestClient;
  readonly callId: string;
  readonly source: RegisterSource;
  cseq: number;
}

function registerBytes(p: Phone, authorization?: string): Buffer {
  const ip = p.source.address;
  return Buffer.from(
    `REGISTER sip:${DOMAIN} SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP ${ip}:5060;branch=z9hG4bK-${p.callId.slice(0, 8)}-${p.cseq};rport\r\n` +
    `From: <sip:${p.user}@${DOMAIN}>;tag=${p.callId.slice(0, 10)}\r\n` +
    `To: <sip:${p.user}@${DOMAIN}>\r\n` +
    `Call-ID: ${p.callId}\r\n` +
    `CSeq: ${p.cseq} REGISTER\r\n` +
    'Max-Forwards: 70\r\n' +
    `Contact: <sip:${p.user}@${ip}:5060;line=${p.callId.slice(0, 8)}>;reg-id=1;+sip.instance="<urn:uuid:0c7e8a3e-0000-1000-8000-${p.user.padStart(12, '0')}>"\r\n` +
    'User-Agent: snomD785/10.1.159.12\r\n' +
    'Supported: path, gruu\r\n' +
    'Allow-Events: dialog\r\n' +
    'Expires: 3600\r\n' +
    (authorization === undefined ? '' : `Authorization: ${authorization}\r\n`) +
    'Content-Length: 0\r\n\r\n',
    'utf8',
  );
}

function parse(data: Buffer): SipRequest {
  const r = parseMessage(data);
  if (!r.ok || r.value.kind !== 'request') throw new Error('bench REGISTER does not parse');
  return r.value;
}

interface Setup {
  readonly registrar: Registrar;
  readonly phones: Phone[];
  close(): Promise<void>;
}

/** A registrar on a fresh SQLite file with `n` users, and their phones. */
function setup(n: number): Setup {
  const dir = mkdtempSync(path.join(tmpdir(), 'snomctl-bench-'));
  const store = openStore({ path: path.join(dir, 'bench.db') });
  const phones: Phone[] = [];
  for (let i = 0; i < n; i++) {
    const user = String(1000 + i);
    store.users.put({ user, domain: DOMAIN, password: `pw-${i}` });
    phones.push({
      user,
      client: new DigestClient({ username: user, password: `pw-${i}` }),
      callId: `${Math.random().toString(36).slice(2, 12)}${i}@192.0.2.${i & 255}`,
      source: { transport: 'udp', address: `10.${(i >> 8) & 255}.${i & 255}.7`, port: 5060 + (i % 7) },
      cseq: 0,
    });
  }
  // the batched store writes run outside handleRegister's synchronous part: count them as server time
  const table = store.registrations;
  const timed = {
    loadBindings: (now: number) => table.loadBindings(now),
    deleteExpiredBindings: (now: number) => table.deleteExpiredBindings(now),
    applyBindingChanges: (changes: Parameters<typeof table.applyBindingChanges>[0]) => server(() => table.applyBindingChanges(changes)),
  };
  const registrar = new Registrar({ domains: [DOMAIN], users: store.users.directory(), store: timed });
  return {
    registrar,
    phones,
    close: async () => {
      await registrar.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let serverNs = 0n;
let serverCpuUs = 0;

/** Runs `fn`, adding its (synchronous) wall and CPU time to the server-side totals. */
function server<T>(fn: () => T): T {
  const c = process.cpuUsage();
  const t = process.hrtime.bigint();
  const r = fn();
  serverNs += process.hrtime.bigint() - t;
  const d = process.cpuUsage(c);
  serverCpuUs += d.user + d.system;
  return r;
}

async function registerOnce(registrar: Registrar, p: Phone): Promise<void> {
  p.cseq++;
  const first = registerBytes(p);
  // handleRegister does its work synchronously; the promise waits for the batched store write
  const r1 = await server(() => registrar.handleRegister(parse(first), p.source));
  const wire401 = server(() => serializeMessage(r1.response));
  if (r1.response.status !== 401) throw new Error(`expected 401, got ${r1.response.status}`);
  // the phone reads the 401 off the wire and answers it
  const res = parseMessage(wire401);
  if (!res.ok || res.value.kind !== 'response') throw new Error('401 does not parse');
  const auth = p.client.respond(res.value.headers.getAll('WWW-Authenticate'), 'REGISTER', `sip:${DOMAIN}`);
  if (!auth.ok) throw auth.error;
  p.cseq++;
  const second = registerBytes(p, auth.value);
  const r2 = await server(() => registrar.handleRegister(parse(second), p.source));
  server(() => serializeMessage(r2.response));
  if (r2.response.status !== 200) throw new Error(`expected 200, got ${r2.response.status} ${r2.response.reason}`);
}

/** Registers every phone once, IN_FLIGHT at a time; returns the server-side rate. */
async function phase(name: string, s: Setup): Promise<number> {
  serverNs = 0n;
  serverCpuUs = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < s.phones.length) await registerOnce(s.registrar, s.phones[next++]!);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const total = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  const n = s.phones.length;
  const wallUs = Number(serverNs) / 1e3 / n;
  const cpuUs = serverCpuUs / n;
  console.log(`${name}: ${n} registrations in ${total.toFixed(2)} s = ${Math.round(n / total)}/s end to end, ` +
    `${((used.user + used.system) / n).toFixed(1)} µs CPU each (phones included); server side ${wallUs.toFixed(1)} µs wall, ` +
    `${cpuUs.toFixed(1)} µs CPU per REGISTER→401→REGISTER→200 = ${Math.round(1e6 / cpuUs)}/s per CPU`);
  return 1e6 / cpuUs;
}

const warm = setup(Math.min(PHONES, 5000));
await phase('warm-up', warm);
await warm.close();

const s = setup(PHONES);
const fresh = await phase('new registrations', s);
const refresh = await phase('refreshes', s);
if (s.registrar.size !== PHONES) throw new Error(`expected ${PHONES} bindings, have ${s.registrar.size}`);
await s.close();
const rate = Math.min(fresh, refresh);
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${availableParallelism()} CPUs`);
// Kamailio's figure is from DESIGN.md (SIPp-driven, not measured in this run): the slower end counts.
console.log(`kamailio with digest on this machine: ${KAMAILIO_RATE.low}–${KAMAILIO_RATE.high} registrations/s (DESIGN.md figure, not this run)`);
// not a target line: the peer is not measured here; bench:service-register is the same-run comparison
console.log(`info registrar (no sockets): ${Math.round(rate)} registrations/s per CPU vs kamailio's recorded ${KAMAILIO_RATE.low} registrations/s = ` +
  `${(rate / KAMAILIO_RATE.low).toFixed(2)}x (bench:service-register measures both in one run)`);
