// (a) REGISTER/s with Digest, driven by SIPp (REGISTER → 401 → REGISTER with credentials → 200, users from
// an injection CSV), against the snomctl service (UDP listener, SQLite file store) and Kamailio (in-memory
// usrloc, htable passwords) in the same run. Each target first gets an uncounted warm-up round (a long-running
// service is JIT-compiled; its first round often ran 15–45 % slower here), then two rounds; the better one counts.
// Env: SERVICE_BENCH_USERS (default 10000), SERVICE_BENCH_CALLS (default 40000), SERVICE_BENCH_WARMUP
// (registrations of the warm-up round, default 10000; 0 skips it), SERVICE_BENCH_LIMIT
// (SIPp -l, calls in flight, default 200), SERVICE_BENCH_KAMAILIO_CHILDREN (Kamailio's UDP worker processes,
// default 2; 1 compares one process with snomctl's one thread). snomctl's CPU per registration is the whole
// process's (bench driver included) and, on Linux, split into the main thread and the other threads;
// Kamailio's (Linux) is its main process's and its forked workers'; SIPp's (Linux) is printed on its own.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createService } from '../src/service/index.js';
import { kamailioMissing, startKamailio } from '../test/helpers/kamailio.js';
import { freePort } from '../test/helpers/ports.js';
import { endedChildrenCpu, threadCpu, threadCpuSince } from '../test/helpers/proc-cpu.js';
import { runSipp, sippMissing, type SippResult } from '../test/helpers/sipp.js';

const USERS = Number(process.env.SERVICE_BENCH_USERS ?? 10_000);
const CALLS = Number(process.env.SERVICE_BENCH_CALLS ?? 40_000);
const LIMIT = Number(process.env.SERVICE_BENCH_LIMIT ?? 200);
const WARMUP = Number(process.env.SERVICE_BENCH_WARMUP ?? 10_000);
const KAMAILIO_CHILDREN = Number(process.env.SERVICE_BENCH_KAMAILIO_CHILDREN ?? 2);
const SIPP_HOST = '127.0.0.3';
const SERVICE_HOST = '127.0.0.1';
const KAMAILIO_HOST = '127.0.0.5';

/**
 * REGISTER with Digest; the Request-URI is the registrar's address (SIPp's Digest uri is always that). SIPp
 * 3.6 cannot nest [field0] inside [authentication …], so each CSV line carries the whole keyword in field1
 * (`u1000;[authentication username=u1000 password=…]`), which SIPp expands when injecting it.
 */
const SCENARIO = `<?xml version="1.0" encoding="UTF-8" ?>
<scenario name="register-digest-csv">
  <send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
Max-Forwards: 70
From: <sip:[field0]@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[field0]@[remote_ip]>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:[field0]@[local_ip]:[local_port];line=b[call_number]>
Expires: 3600
Content-Length: 0

]]></send>
  <recv response="401" auth="true" />
  <send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
Max-Forwards: 70
From: <sip:[field0]@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[field0]@[remote_ip]>
Call-ID: [call_id]
CSeq: 2 REGISTER
Contact: <sip:[field0]@[local_ip]:[local_port];line=b[call_number]>
[field1]
Expires: 3600
Content-Length: 0

]]></send>
  <recv response="200" />
</scenario>
`;

// one password for all: Kamailio's htable cannot hold 10,000 users written into its config
const PASSWORD = 'bench-pw';
const users = Array.from({ length: USERS }, (_, i) => ({ user: `u${1000 + i}`, password: PASSWORD }));

/**
 * Runs SIPp to the end; `seconds` is wall time (SIPp's own statistics count whole seconds), `sippMicros` SIPp's
 * CPU time (Linux: it is counted into ours once it has ended and been waited for).
 */
async function drive(dir: string, remote: string, calls: number): Promise<Driven> {
  const c0 = endedChildrenCpu();
  const t0 = performance.now();
  const r = await runSipp({
    scenario: path.join(dir, 'register.xml'), localHost: SIPP_HOST, localPort: await freePort(SIPP_HOST), remote,
    calls, rate: 1_000_000, limit: LIMIT, timeoutSeconds: 60,
    extraArgs: ['-inf', path.join(dir, 'users.csv'), '-buff_size', String(4 << 20), '-max_recv_loops', '10000', '-trace_err'],
  });
  const seconds = (performance.now() - t0) / 1000;
  const c1 = endedChildrenCpu();
  return { r, seconds, calls, sippMicros: c0 === undefined || c1 === undefined ? undefined : c1 - c0 };
}

interface Driven {
  readonly r: SippResult;
  readonly seconds: number;
  readonly calls: number;
  readonly sippMicros: number | undefined;
}

function rateOf(name: string, { r, seconds, calls, sippMicros }: Driven): number {
  const s = r.stats;
  const rate = s === undefined || s.failed > 0 ? 0 : s.successful / seconds;
  console.log(`${name.padEnd(9)} ${Math.round(rate).toString().padStart(6)} registrations/s (${s?.successful ?? 0} ok, ${s?.failed ?? '?'} failed, ` +
    `${seconds.toFixed(2)} s${sippMicros === undefined ? '' : `; SIPp CPU ${(sippMicros / calls).toFixed(0)} µs per registration`})` +
    `${r.errors ? `  errors: ${r.errors.slice(0, 300)}` : ''}`);
  return rate;
}

async function ours(dir: string, calls: number): Promise<number> {
  const storeDir = mkdtempSync(path.join(tmpdir(), 'snomctl-bench-store-'));
  const service = createService({
    store: path.join(storeDir, 'store.db'),
    domains: [SERVICE_HOST],
    users,
    registrar: { digest: { algorithms: ['MD5'] } },
    sip: { listen: { host: SERVICE_HOST, port: 0 }, transports: ['udp'] },
    commands: false,
  });
  await service.start();
  try {
    const cpu = process.cpuUsage();
    const threads = threadCpu();
    const rate = rateOf('snomctl', await drive(dir, `${SERVICE_HOST}:${service.sipAddress!.udpPort!}`, calls));
    const c = process.cpuUsage(cpu);
    const t = threadCpuSince(threads);
    const split = t === undefined ? '' : `; main thread ${(t.main / calls).toFixed(0)}, other threads ${(t.others / calls).toFixed(0)} (V8 GC/compiler helpers, WAL checkpointer)`;
    console.log(`          snomctl CPU ${((c.user + c.system) / calls).toFixed(0)} µs per registration (REGISTER → 401 → REGISTER → 200)${split}`);
    return rate;
  } finally {
    await service.close();
    rmSync(storeDir, { recursive: true, force: true });
  }
}

async function kamailio(dir: string, calls: number): Promise<number> {
  const port = await freePort(KAMAILIO_HOST);
  const k = await startKamailio({
    host: KAMAILIO_HOST, port, realm: KAMAILIO_HOST, defaultPassword: PASSWORD, children: KAMAILIO_CHILDREN,
  });
  try {
    const before = k.cpuMicros();
    const rate = rateOf('kamailio', await drive(dir, `${KAMAILIO_HOST}:${port}`, calls));
    const after = k.cpuMicros();
    if (before !== undefined && after !== undefined) {
      console.log(`          kamailio CPU ${((after - before) / calls).toFixed(0)} µs per registration (${KAMAILIO_CHILDREN} UDP workers, its timer and TCP processes)`);
    }
    return rate;
  } finally {
    await k.close();
  }
}

async function main(): Promise<void> {
  const missing = sippMissing() ?? kamailioMissing();
  if (missing) {
    console.log(`skipped: ${missing}`);
    console.log('target service-register: skipped (SIPp or Kamailio missing) (goal 0.8)');
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'snomctl-bench-register-'));
  writeFileSync(path.join(dir, 'register.xml'), SCENARIO);
  writeFileSync(path.join(dir, 'users.csv'), `SEQUENTIAL\n${users.map((u) => `${u.user};[authentication username=${u.user} password=${u.password}]`).join('\n')}\n`);
  console.log(`${USERS} users, ${CALLS} registrations per round (REGISTER → 401 → REGISTER → 200), SIPp -l ${LIMIT}`);
  try {
    if (WARMUP > 0) {
      console.log(`warm-up, not counted: ${WARMUP} registrations each (snomctl's JIT; the same for Kamailio)`);
      await ours(dir, WARMUP);
      await kamailio(dir, WARMUP);
    }
    let a = 0;
    let b = 0;
    for (let round = 0; round < 2; round++) {
      a = Math.max(a, await ours(dir, CALLS));
      b = Math.max(b, await kamailio(dir, CALLS));
    }
    console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${availableParallelism()} CPUs (Kamailio runs ${KAMAILIO_CHILDREN} worker processes, snomctl one thread)`);
    console.log(`target service-register: ${Math.round(a)} registrations/s vs kamailio ${Math.round(b)} registrations/s = ${(a / b).toFixed(2)}x (goal 0.8)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
