// Commands/s of the phone client (`pressKeys(phone, 'ENTER')`, keep-alive) against ONE virtual phone's
// web server, measured in the same run as wrk (the ceiling: a C load generator on the same URL with
// the same connection count) and as one fresh curl process per request (mod_snom's pattern: libcurl
// with a new connection per command; a process per request is how shell scripts and dialplans call curl).
//
// Fairness: the server runs in its own process (`snomctl phone`, spawned here), so neither the client
// nor wrk shares its event loop; both use the same number of keep-alive connections and are warmed up
// (JIT, sockets) before measuring; then they alternate in slices (client-wrk, wrk-client, …) so that
// load from other processes on the 2 cores weighs on both alike. The server's CPU time per request
// under each load generator is printed too, since the two sides may make the server work differently.
// The phone's web server runs without authentication, as wrk cannot answer Digest; the client with
// Digest against a Digest-protected phone is measured too and printed as an `info` line.
//
// Tunables: PHONE_BENCH_CONNECTIONS (default 8), PHONE_BENCH_SLICES (10 per side), PHONE_BENCH_SLICE_S
// (1 s), PHONE_BENCH_WARMUP_S (8 s, both sides), PHONE_BENCH_CURLS (200), PHONE_BENCH_DIGEST=0 (skip the Digest figure),
// PHONE_BENCH_SERVER=node-http (the bare node:http test server instead of the virtual phone), or
// PHONE_BENCH_TARGET=http://h:p (an already running server).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PHONE_CLIENT_DEFAULTS, PhoneClient } from '../src/phone/phone-client.js';
import { PhoneOperations } from '../src/phone/phone-operations.js';
import type { PhoneAddress } from '../src/phone/phone-address.js';
import { BENCH_DIGEST, childrenCpuMs, processCpuMs, serveNodeHttp, startNodeHttpServer, startVirtualPhone, type BenchServer } from './phone-bench-server.js';

const HOST = '127.0.0.91';
const PATH = '/command.htm?key=ENTER';
const WRK = '/usr/bin/wrk';
const CURL = '/usr/bin/curl';
const connections = Number(process.env.PHONE_BENCH_CONNECTIONS ?? 8);
const slices = Number(process.env.PHONE_BENCH_SLICES ?? 10);
const sliceS = Number(process.env.PHONE_BENCH_SLICE_S ?? 1);
const curls = Number(process.env.PHONE_BENCH_CURLS ?? 200);
const withDigest = process.env.PHONE_BENCH_DIGEST !== '0';

function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (e, stdout) => (e ? reject(e) : resolve(stdout)));
  });
}

/** Requests done in a measured period, with the client's and the server's CPU time in it. */
interface Slice {
  readonly done: number;
  readonly ms: number;
  readonly clientCpuMs: number | undefined;
  readonly serverCpuMs: number | undefined;
}

/**
 * Measures `fn` (which returns its request count) with the server's CPU time and the load generator's:
 * ours (`self`), or that of the child processes that ended meanwhile (wrk).
 */
async function measured(serverPid: number | undefined, generator: 'self' | 'child', fn: () => Promise<number | undefined>): Promise<Slice | undefined> {
  const s0 = serverPid === undefined ? undefined : processCpuMs(serverPid);
  const children0 = childrenCpuMs();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const done = await fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const children1 = childrenCpuMs();
  const s1 = serverPid === undefined ? undefined : processCpuMs(serverPid);
  if (done === undefined) return undefined;
  const clientCpuMs = generator === 'self' ? (c.user + c.system) / 1000 : children0 === undefined || children1 === undefined ? undefined : children1 - children0;
  return { done, ms, clientCpuMs, serverCpuMs: s0 === undefined || s1 === undefined ? undefined : s1 - s0 };
}

/** A PhoneClient driving pressKeys in `connections` concurrent loops. */
function clientRunner(phone: PhoneAddress): { run(ms: number): Promise<number>; failures(): string; close(): Promise<void> } {
  const client = new PhoneClient({ maxPerPhone: connections, maxTotal: connections });
  const ops = new PhoneOperations({ client });
  let failures = 0;
  let firstFailure = '';
  return {
    async run(ms) {
      let done = 0;
      const until = performance.now() + ms;
      await Promise.all(
        Array.from({ length: connections }, async () => {
          while (performance.now() < until) {
            const r = await ops.pressKeys(phone, 'ENTER');
            if (r.ok) done++;
            else if (failures++ === 0) firstFailure = `${r.code}: ${r.message}`;
          }
        }),
      );
      return done;
    },
    failures: () => (failures === 0 ? '' : `${failures} failures, first: ${firstFailure}`),
    close: () => client.close(),
  };
}

/** wrk's request count over `durationS` seconds, or undefined without wrk. */
async function runWrk(url: string, durationS: number): Promise<number | undefined> {
  if (!existsSync(WRK)) return undefined;
  // The same message as the client's (undici adds `connection: keep-alive`, which HTTP/1.1 implies).
  const headers = ['-H', `User-Agent: ${PHONE_CLIENT_DEFAULTS.userAgent}`, '-H', 'Accept: */*'];
  const out = await run(WRK, ['-t1', `-c${connections}`, `-d${durationS}s`, ...headers, url], (durationS + 10) * 1000);
  const m = /(\d+) requests in/.exec(out);
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: .*/.exec(out);
  if (errors) console.log(`wrk: ${errors[0]}`);
  return m ? Number(m[1]) : undefined;
}

/** Requests/s of `count` sequential curl processes (at most 20 s), or undefined without curl. */
async function measureCurl(url: string, count: number): Promise<number | undefined> {
  if (!existsSync(CURL)) {
    console.log(`${CURL} not found: no curl comparison`);
    return undefined;
  }
  const start = performance.now();
  let n = 0;
  while (n < count && performance.now() - start < 20_000) {
    const code = await run(CURL, ['-s', '-o', '/dev/null', '-w', '%{http_code}', url], 10_000);
    if (code !== '200') throw new Error(`curl got HTTP ${code}`);
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

/** Totals of slices: requests/s, and CPU µs per request of the client and the server where known. */
function total(list: readonly Slice[]): { rate: number; clientUs: number | undefined; serverUs: number | undefined; rates: number[] } {
  const done = list.reduce((a, s) => a + s.done, 0);
  const ms = list.reduce((a, s) => a + s.ms, 0);
  const sum = (pick: (s: Slice) => number | undefined): number | undefined =>
    list.every((s) => pick(s) !== undefined) ? list.reduce((a, s) => a + pick(s)!, 0) : undefined;
  const c = sum((s) => s.clientCpuMs);
  const sv = sum((s) => s.serverCpuMs);
  return {
    rate: done / (ms / 1000),
    clientUs: c === undefined || done === 0 ? undefined : (c * 1000) / done,
    serverUs: sv === undefined || done === 0 ? undefined : (sv * 1000) / done,
    rates: list.map((s) => s.done / (s.ms / 1000)),
  };
}

const fmt = (v: number | undefined): string => (v === undefined ? 'n/a' : String(Math.round(v)));
const us = (v: number | undefined): string => (v === undefined ? 'n/a' : `${v.toFixed(1)} µs`);
const ratio = (a: number | undefined, b: number | undefined, digits: number): string =>
  a === undefined || b === undefined || b === 0 ? 'n/a' : (a / b).toFixed(digits);

function phoneOf(origin: string, credentials?: { username: string; password: string }): PhoneAddress {
  const u = new URL(origin);
  return { host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)), scheme: u.protocol === 'https:' ? 'https' : 'http', insecureTls: true, ...credentials };
}

async function main(): Promise<void> {
  const target = process.env.PHONE_BENCH_TARGET;
  const kind = target ? 'PHONE_BENCH_TARGET' : process.env.PHONE_BENCH_SERVER === 'node-http' ? 'node-http' : 'virtual-phone';
  const servers: BenchServer[] = [];
  try {
    let origin: string;
    let pid: number | undefined;
    if (target) origin = new URL(target).origin;
    else {
      const s = kind === 'node-http' ? await startNodeHttpServer(fileURLToPath(import.meta.url), HOST) : await startVirtualPhone(HOST, 'none');
      servers.push(s);
      origin = s.origin;
      pid = s.pid;
    }
    const url = `${origin}${PATH}`;
    const hasWrk = existsSync(WRK);
    if (!hasWrk) console.log(`${WRK} not found: no wrk comparison (Debian package wrk)`);
    const serverName = kind === 'virtual-phone' ? 'virtual phone (snomctl phone) in its own process, auth none' : kind === 'node-http' ? 'node:http test server in its own process' : 'PHONE_BENCH_TARGET';
    console.log(`server ${url} (${serverName}); ${connections} connections each for the client and wrk; ${slices} slices of ${sliceS} s per side, alternating`);

    const runner = clientRunner(phoneOf(origin));
    const clientSlices: Slice[] = [];
    const wrkSlices: Slice[] = [];
    try {
      // Warm-up of both sides, alternating: JIT (V8's optimizing tiers) and sockets of the client, and
      // the server's JIT for both patterns. Shorter warm-ups left the first measured slices of the
      // client low when the machine was loaded (its code reaches the optimizing tier later).
      const warmUpS = Number(process.env.PHONE_BENCH_WARMUP_S ?? 8);
      for (let left = warmUpS; left > 0; left -= 4) {
        await runner.run(Math.min(3, left) * 1000);
        if (hasWrk && left > 3) await runWrk(url, 1);
      }
      const clientSlice = async (): Promise<void> => {
        const s = await measured(pid, 'self', () => runner.run(sliceS * 1000));
        if (s) clientSlices.push(s);
      };
      const wrkSlice = async (): Promise<void> => {
        const s = await measured(pid, 'child', () => runWrk(url, sliceS));
        if (s) wrkSlices.push(s);
      };
      for (let i = 0; i < slices; i++) {
        // ABBA order: neither side always runs right after the other.
        if (i % 2 === 0) {
          await clientSlice();
          await wrkSlice();
        } else {
          await wrkSlice();
          await clientSlice();
        }
        const c = clientSlices.at(-1);
        const w = wrkSlices.at(-1);
        const cr = c && c.done / (c.ms / 1000);
        const wr = w && w.done / (w.ms / 1000);
        console.log(`slice ${i + 1}/${slices}: phone client ${fmt(cr)} req/s, wrk ${fmt(wr)} req/s = ${ratio(cr, wr, 2)}x`);
      }
      if (runner.failures()) console.log(`phone client: ${runner.failures()}`);
    } finally {
      await runner.close();
    }
    if (pid !== undefined) {
      // What the server spends without any request: the virtual phone works through the key presses
      // it queued (each ENTER is pressed after the answer), on both sides' slices alike.
      const idle = await measured(pid, 'self', async () => {
        await new Promise((r) => setTimeout(r, 1000));
        return 0;
      });
      if (idle?.serverCpuMs !== undefined) console.log(`server CPU while idle after the slices: ${Math.round(idle.serverCpuMs / (idle.ms / 1000))} ms/s`);
    }
    const client = total(clientSlices);
    const wrk = wrkSlices.length === 0 ? undefined : total(wrkSlices);
    console.log(`phone client pressKeys: ${fmt(client.rate)} req/s; CPU per request: client ${us(client.clientUs)}, server ${us(client.serverUs)}`);
    console.log(`wrk -t1 -c${connections}: ${fmt(wrk?.rate)} req/s; CPU per request: wrk ${us(wrk?.clientUs)}, server ${us(wrk?.serverUs)}`);
    const pairs = clientSlices.map((c, i) => (wrk?.rates[i] ? c.done / (c.ms / 1000) / wrk.rates[i] : undefined)).filter((r): r is number => r !== undefined).sort((a, b) => a - b);
    if (pairs.length > 0) console.log(`slice ratios: min ${pairs[0]!.toFixed(2)}x, median ${pairs[pairs.length >> 1]!.toFixed(2)}x, max ${pairs.at(-1)!.toFixed(2)}x`);

    let digest: ReturnType<typeof total> | undefined;
    let plain: ReturnType<typeof total> | undefined;
    if (withDigest && kind === 'virtual-phone') {
      // The same client loop against a Digest-protected phone (nonce reuse: one 401 per connection's
      // first request, then nc increments), alternating with the auth-none phone for the same load.
      const d = await startVirtualPhone(HOST, 'digest');
      servers.push(d);
      const digestRunner = clientRunner(phoneOf(d.origin, BENCH_DIGEST));
      const plainRunner = clientRunner(phoneOf(origin));
      const dSlices: Slice[] = [];
      const pSlices: Slice[] = [];
      try {
        await digestRunner.run(2000);
        await plainRunner.run(1000);
        for (let i = 0; i < Math.min(slices, 3); i++) {
          const ds = await measured(d.pid, 'self', () => digestRunner.run(sliceS * 1000));
          const ps = await measured(pid, 'self', () => plainRunner.run(sliceS * 1000));
          if (ds) dSlices.push(ds);
          if (ps) pSlices.push(ps);
        }
        if (digestRunner.failures()) console.log(`phone client with Digest: ${digestRunner.failures()}`);
      } finally {
        await Promise.all([digestRunner.close(), plainRunner.close()]);
      }
      digest = total(dSlices);
      plain = total(pSlices);
      console.log(`phone client with Digest (MD5, qop=auth): ${fmt(digest.rate)} req/s; CPU per request: client ${us(digest.clientUs)}, server ${us(digest.serverUs)}`);
      console.log(`phone client without auth, alternating with it: ${fmt(plain.rate)} req/s; CPU per request: client ${us(plain.clientUs)}, server ${us(plain.serverUs)}`);
    }

    const curl = await measureCurl(url, curls);
    console.log(`curl, one process per request (${curls} sequential): ${fmt(curl)} req/s`);
    if (digest && plain) {
      console.log(`info phone-digest: ${fmt(digest.rate)} req/s vs the same client without auth ${fmt(plain.rate)} req/s = ${ratio(digest.rate, plain.rate, 2)}x; vs wrk without auth ${ratio(digest.rate, wrk?.rate, 2)}x`);
    }
    console.log(`target phone-vs-wrk: ${fmt(client.rate)} req/s vs wrk ${fmt(wrk?.rate)} req/s = ${ratio(client.rate, wrk?.rate, 2)}x (goal 0.5)`);
    console.log(`target phone-vs-curl: ${fmt(client.rate)} req/s vs curl-per-request ${fmt(curl)} req/s = ${ratio(client.rate, curl, 1)}x (goal 10)`);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

if (process.argv.includes('--serve')) await serveNodeHttp(process.argv[process.argv.indexOf('--serve') + 1] ?? HOST);
else await main();
