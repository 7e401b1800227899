// (b) Re-sync after a restart: a store holding 10,000 registered phones with 12 desired keys each and no
// delivery record; a new service starts on it and sends every phone its whole key set (one document per
// phone). Measured from start() to the last phone's 200. The phones are SIPp UAS processes answering 200,
// each standing for 2,500 contacts (users and `;line=` differ, the address is shared). Two rounds; the
// better one counts (the machine is shared). On Linux each round also prints the CPU of our main thread, our
// other threads (V8's GC and compiler helpers, the WAL checkpointer) and the SIPp phones, which share the cores.
// Env: SERVICE_BENCH_PHONES (default 10000), SERVICE_BENCH_KEYS (default 12), SERVICE_BENCH_UAS (default 4).
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import type { Binding } from '../src/registrar/binding.js';
import { createService } from '../src/service/index.js';
import type { KeyState } from '../src/snom/key-state.js';
import { openStore } from '../src/store/sqlite-store.js';
import { freePort } from '../test/helpers/ports.js';
import { processTreeCpu, threadCpu, threadCpuSince } from '../test/helpers/proc-cpu.js';
import { sippMissing, startSipp, type SippProcess } from '../test/helpers/sipp.js';

const PHONES = Number(process.env.SERVICE_BENCH_PHONES ?? 10_000);
const KEYS = Number(process.env.SERVICE_BENCH_KEYS ?? 12);
const UAS = Number(process.env.SERVICE_BENCH_UAS ?? 4);
const DOMAIN = 'pbx.bench';
const PHONE_HOST = '127.0.0.3';
const GOAL_MS = 1000;

function keysOf(i: number): KeyState[] {
  return Array.from({ length: KEYS }, (_, k) => ({ key: String(k + 1), light: (i + k) % 3 === 0 ? 'on' : 'off', label: `Line ${k + 1} of ${i}` }));
}

function binding(i: number, port: number, now: number): Binding {
  const user = `u${10_000 + i}`;
  return {
    aor: `${user}@${DOMAIN}`, user, domain: DOMAIN, contact: `sip:${user}@${PHONE_HOST}:${port};line=l${i}`, callId: `boot-${i}@bench`, cseq: 1,
    expiresAt: now + 3_600_000, q: undefined, transport: 'udp', address: PHONE_HOST, port, localAddress: undefined, localPort: undefined,
    userAgent: 'snomD785/10.1.159.12', instance: undefined, regId: undefined, firstRegistered: now, lastRefreshed: now,
  };
}

/** The SIPp phones' CPU time (µs) so far, from /proc (Linux); undefined elsewhere. */
function phonesCpuMicros(phones: readonly SippProcess[]): number | undefined {
  let total = 0;
  for (const p of phones) {
    const us = p.pid === undefined ? undefined : processTreeCpu(p.pid);
    if (us === undefined) return undefined;
    total += us;
  }
  return total;
}

/** ` (main thread …, other threads …; SIPp phones …)` for a round; '' off Linux. */
function cpuSplit(threadsBefore: Map<string, number>, phonesBefore: number | undefined, phonesAfter: number | undefined): string {
  const t = threadCpuSince(threadsBefore);
  if (t === undefined || phonesBefore === undefined || phonesAfter === undefined) return '';
  const ms = (us: number): string => (us / 1000).toFixed(0);
  return ` (main thread ${ms(t.main)}, other threads ${ms(t.others)}; SIPp phones ${ms(phonesAfter - phonesBefore)} ms)`;
}

async function main(): Promise<void> {
  const missing = sippMissing();
  if (missing) {
    console.log(`target service-resync: skipped (${missing}) (goal 1.0)`);
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'snomctl-bench-resync-'));
  const file = path.join(dir, 'store.db');
  const phones: SippProcess[] = [];
  try {
    const ports: number[] = [];
    for (let u = 0; u < UAS; u++) {
      const port = await freePort(PHONE_HOST);
      ports.push(port);
      phones.push(await startSipp({
        scenario: 'uas-message.xml', localHost: PHONE_HOST, localPort: port, killAfterMs: 300_000,
        extraArgs: ['-buff_size', String(8 << 20), '-deadcall_wait', '1000', '-max_recv_loops', '10000'],
      }));
    }
    // the state a previous run left behind: bindings and desired keys, nothing delivered yet
    const t0 = performance.now();
    const store = openStore({ path: file });
    const now = Date.now();
    store.registrations.applyBindingChanges(Array.from({ length: PHONES }, (_, i) => ({ kind: 'put' as const, binding: binding(i, ports[i % UAS]!, now) })));
    for (let i = 0; i < PHONES; i++) store.keys.putDesiredKeys('internal', `u${10_000 + i}`, DOMAIN, keysOf(i));
    store.close();
    console.log(`prepared ${PHONES} phones × ${KEYS} keys in ${((performance.now() - t0) / 1000).toFixed(1)} s; phones: ${UAS} SIPp UAS on ${PHONE_HOST}`);

    let best = Infinity;
    for (let round = 1; round <= 2; round++) {
      const service = createService({
        store: file, domains: [DOMAIN], commands: false,
        sip: { listen: { host: '127.0.0.1', port: 0 }, transports: ['udp'] },
        // a second round must send everything again
        delivery: { reconcileOnStart: true },
      });
      let documents = 0;
      let failed = 0;
      let keys = 0;
      let resolveAll: () => void = () => {};
      const all = new Promise<void>((r) => (resolveAll = r));
      let first = 0;
      service.events.on('delivery', (e) => {
        if (first === 0) first = performance.now();
        if (e.status === 'delivered') {
          documents++;
          keys += e.keys.length;
        } else if (e.status === 'failed') failed++;
        if (documents + failed === PHONES) resolveAll();
      });
      const cpu = process.cpuUsage();
      const threads = threadCpu();
      const phonesCpu = phonesCpuMicros(phones);
      const start = performance.now();
      await service.start();
      const started = performance.now() - start;
      await all;
      const ms = performance.now() - start;
      const c = process.cpuUsage(cpu);
      const split = cpuSplit(threads, phonesCpu, phonesCpuMicros(phones));
      const st = service.endpoint!.stats();
      await service.close();
      console.log(`round ${round}: ${documents} documents (${keys} keys) delivered, ${failed} failed, in ${ms.toFixed(0)} ms ` +
        `(start(), which loads the bindings and binds the listener: ${started.toFixed(0)} ms, first answer after ${(first - start).toFixed(0)} ms); CPU ${((c.user + c.system) / 1000).toFixed(0)} ms${split}; ` +
        `retransmissions ${st.retransmissions.sent}`);
      if (failed === 0) best = Math.min(best, ms);
      if (round === 2) {
        console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${availableParallelism()} CPUs`);
        console.log(`target service-resync: ${best.toFixed(0)} ms vs goal ${GOAL_MS} ms = ${(GOAL_MS / best).toFixed(2)}x (goal 1.0)`);
      }
      // round 2 starts from "nothing delivered" again
      const s = openStore({ path: file });
      for (let i = 0; i < PHONES; i++) s.keys.deleteDeliveries('internal', `u${10_000 + i}`, DOMAIN, binding(i, ports[i % UAS]!, now).contact);
      s.close();
    }
  } finally {
    for (const p of phones) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
