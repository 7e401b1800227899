// 10,000 virtual phones in one process register to a real Kamailio (digest, in-memory usrloc): prints the
// registration time and the memory per phone (RSS and heap growth after GC, divided by N), then closes
// (un-registering). Each phone needs a UDP socket; with per-phone web servers also a listening TCP socket.
// When 2 descriptors per phone do not fit under the soft limit the bench raises it up to the hard limit
// (re-running itself under `ulimit -n`), else it uses one shared web listener and says so.
// Usage: tsx bench/phone-fleet.bench.ts [phones=10000] [per-phone|shared|none]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PhoneFleet, type FleetHttpMode } from '../src/sim/index.js';
import { kamailioMissing, startKamailio } from '../test/helpers/kamailio.js';

const PHONES = Number(process.argv[2] ?? 10_000);
const ASKED = process.argv[3] as FleetHttpMode | undefined;
const GOAL = 10_000;
const SPARE_FDS = 200;
const KAMAILIO = { host: '127.0.0.128', port: 5060 };

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function settle(): { heap: number; rss: number } {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

/** Soft and hard RLIMIT_NOFILE from /proc (Linux). */
function fdLimits(): { soft: number; hard: number } {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files')) ?? '';
  const [soft, hard] = line.replace('Max open files', '').trim().split(/\s+/).map((v) => (v === 'unlimited' ? Infinity : Number(v)));
  return { soft: soft ?? 1024, hard: hard ?? 1024 };
}

function chooseHttp(): FleetHttpMode {
  const { soft, hard } = fdLimits();
  const perPhone = 2 * PHONES + SPARE_FDS;
  console.log(`file descriptors: soft limit ${soft}, hard limit ${hard}; per-phone web servers need about ${perPhone}, a shared one about ${PHONES + SPARE_FDS}`);
  if (ASKED !== undefined) return ASKED;
  if (perPhone <= soft) return 'per-phone';
  if (perPhone <= hard && process.env.PHONE_BENCH_RAISED === undefined) {
    console.log(`raising the soft limit to ${hard} and running again`);
    const r = spawnSync('sh', ['-c', `ulimit -n ${hard} && exec "$@"`, 'sh', process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit', env: { ...process.env, PHONE_BENCH_RAISED: '1' },
    });
    process.exit(r.status ?? 1);
  }
  console.log(`per-phone web servers do not fit under the hard limit (${hard}): one shared web listener instead (each phone keeps its own address)`);
  return 'shared';
}

const missing = kamailioMissing();
if (missing) {
  console.log(`target phones-registered: skipped (${missing}) (goal 1.0)`);
  process.exit(0);
}
const http = chooseHttp();
const kamailio = await startKamailio({ ...KAMAILIO, defaultPassword: 'bench-pw', children: 2 });
const base = settle();
const fleet = new PhoneFleet({
  count: PHONES, addressBase: '127.1.0.1', registrar: `${KAMAILIO.host}:${KAMAILIO.port}`, domain: 'example.com',
  userBase: '100000', password: 'bench-pw', http, registerConcurrency: 200,
});
try {
  const report = await fleet.start();
  const registered = fleet.registeredCount();
  const after = settle();
  const rssKb = (after.rss - base.rss) / PHONES / 1024;
  const heapKb = (after.heap - base.heap) / PHONES / 1024;
  console.log(`${PHONES} phones (${http} web): sockets bound in ${(report.bindMs / 1000).toFixed(2)} s, all first registrations done ` +
    `${(report.registerMs / 1000).toFixed(2)} s later; total ${(report.elapsedMs / 1000).toFixed(2)} s ` +
    `(${Math.round(PHONES / (report.elapsedMs / 1000))} phones/s); registered ${report.registered}, failed ${report.failed}; now registered ${registered}`);
  console.log(`memory per phone: ${rssKb.toFixed(1)} KB RSS, ${heapKb.toFixed(1)} KB JS heap (after GC; RSS ${((after.rss) / 2 ** 20).toFixed(0)} MB in all)`);
  const t = performance.now();
  await fleet.close();
  console.log(`closed (un-registering every phone) in ${((performance.now() - t) / 1000).toFixed(2)} s; registered now ${fleet.registeredCount()}`);
  console.log(`info phone-fleet-memory: ${rssKb.toFixed(1)} KB RSS/phone, ${heapKb.toFixed(1)} KB heap/phone (no peer)`);
  console.log(`target phones-registered: ${registered} phones vs goal ${GOAL} phones = ${(registered / GOAL).toFixed(2)}x (goal 1.0)`);
} finally {
  await fleet.close();
  await kamailio.close();
}
