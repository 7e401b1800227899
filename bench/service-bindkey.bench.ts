// (c) bindKey latency at a fixed rate (open loop, default 1,000 requests/s): each call validates, persists
// (SQLite file, WAL) and delivers one key to a registered phone (a SIPp UAS answering 200) and resolves
// with the phone's answer. 100 phones (contacts on the UAS), keys rotating. Reports p50/p99/max of the best
// of two rounds. Env: SERVICE_BENCH_RATE (default 1000), SERVICE_BENCH_SECONDS (default 5),
// SERVICE_BENCH_STORE=memory (an in-memory store instead of the file).
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Binding } from '../src/registrar/binding.js';
import { createService, type Service } from '../src/service/index.js';
import { openStore } from '../src/store/sqlite-store.js';
import { freePort } from '../test/helpers/ports.js';
import { sippMissing, startSipp } from '../test/helpers/sipp.js';

const RATE = Number(process.env.SERVICE_BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.SERVICE_BENCH_SECONDS ?? 5);
const PHONES = 100;
const DOMAIN = 'pbx.bench';
const PHONE_HOST = '127.0.0.3';
const GOAL_P99_MS = 5;

function binding(i: number, port: number, now: number): Binding {
  const user = `u${i}`;
  return {
    aor: `${user}@${DOMAIN}`, user, domain: DOMAIN, contact: `sip:${user}@${PHONE_HOST}:${port};line=l${i}`, callId: `c${i}@bench`, cseq: 1,
    expiresAt: now + 3_600_000, q: undefined, transport: 'udp', address: PHONE_HOST, port, localAddress: undefined, localPort: undefined,
    userAgent: undefined, instance: undefined, regId: undefined, firstRegistered: now, lastRefreshed: now,
  };
}

interface Round {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly failed: number;
  readonly achievedRate: number;
  /** Process CPU per bindKey (µs): what the rate costs, whatever else runs on the machine. */
  readonly cpuUs: number;
}

/** Fires `count` bindKeys at RATE per second (in 1-ms slots), measuring each call's latency. */
async function round(service: Service, count: number, offset: number): Promise<Round> {
  const latencies = new Float64Array(count);
  let failed = 0;
  let done = 0;
  const all: Array<Promise<void>> = [];
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    // open loop: call i is due at t0 + i/RATE, whatever happened to the earlier ones
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const n = offset + i;
    const start = performance.now();
    all.push(service.bindKey({
      profile: 'internal', user: `u${n % PHONES}`, host: DOMAIN,
      keys: [{ key: String((n % 12) + 1), light: n % 2 ? 'on' : 'off', label: `L${n}` }],
    }).then((r) => {
      latencies[i] = performance.now() - start;
      if (!r.delivered) failed++;
      done++;
    }));
  }
  await Promise.all(all);
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu);
  const sorted = latencies.sort();
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]!, failed, achievedRate: done / seconds, cpuUs: (c.user + c.system) / count };
}

async function main(): Promise<void> {
  const missing = sippMissing();
  if (missing) {
    console.log(`target service-bindkey-p99: skipped (${missing}) (goal 1.0)`);
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'snomctl-bench-bindkey-'));
  const file = path.join(dir, 'store.db');
  const port = await freePort(PHONE_HOST);
  const phone = await startSipp({
    scenario: 'uas-message.xml', localHost: PHONE_HOST, localPort: port, killAfterMs: 300_000,
    extraArgs: ['-buff_size', String(4 << 20), '-deadcall_wait', '1000'],
  });
  const store = openStore({ path: file });
  const now = Date.now();
  store.registrations.applyBindingChanges(Array.from({ length: PHONES }, (_, i) => ({ kind: 'put' as const, binding: binding(i, port, now) })));
  store.close();
  // SERVICE_BENCH_STORE=memory: an in-memory store (no WAL writes or checkpoints), to separate the disk's share
  const memory = process.env.SERVICE_BENCH_STORE === 'memory' ? openStore({ path: ':memory:' }) : undefined;
  if (memory) memory.registrations.applyBindingChanges(Array.from({ length: PHONES }, (_, i) => ({ kind: 'put' as const, binding: binding(i, port, now) })));
  const service = createService({
    store: memory ?? file, domains: [DOMAIN], commands: false,
    sip: { listen: { host: '127.0.0.1', port: 0 }, transports: ['udp'] },
  });
  await service.start();
  try {
    const count = RATE * SECONDS;
    await round(service, Math.min(2000, count), 0);
    let best: Round | undefined;
    for (let r = 0; r < 2; r++) {
      const h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
      const m = await round(service, count, (r + 1) * count);
      h.disable();
      console.log(`  event-loop delay p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms, max ${(h.max / 1e6).toFixed(1)} ms`);
      console.log(`round ${r + 1}: ${count} bindKeys at ${Math.round(m.achievedRate)}/s: p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms, ` +
        `max ${m.max.toFixed(2)} ms, ${m.failed} not delivered; ${m.cpuUs.toFixed(0)} µs CPU each`);
      if (best === undefined || m.p99 < best.p99) best = m;
    }
    const st = service.endpoint!.stats();
    console.log(`retransmissions ${st.retransmissions.sent}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${availableParallelism()} CPUs`);
    console.log(`target service-bindkey-p99: ${best!.p99.toFixed(2)} ms (p50 ${best!.p50.toFixed(2)} ms) at ${RATE}/s vs goal ${GOAL_P99_MS} ms = ` +
      `${(GOAL_P99_MS / best!.p99).toFixed(2)}x (goal 1.0)`);
  } finally {
    await service.close();
    memory?.close();
    await phone.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
