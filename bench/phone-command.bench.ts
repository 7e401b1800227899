// Commands/s of the phone client (`pressKeys(phone, 'ENTER')`, no auth, keep-alive) against ONE web
// server, measured in the same run as wrk (the ceiling: a C load generator on the same URL with the
// same connection count) and as one fresh curl process per request (mod_snom's pattern: libcurl with
// a new connection per command; a process per request is how shell scripts and dialplans call curl).
//
// The server runs in a child process so the client does not share its event loop. By default it is
// the test server of test/helpers/http-test-server.ts on node:http; PHONE_BENCH_TARGET=http://h:p
// points the benchmark at another server instead (e.g. the virtual phone's web server).
// Tunables: PHONE_BENCH_CONNECTIONS (default 8), PHONE_BENCH_SECONDS (default 5), PHONE_BENCH_CURLS (200).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { PhoneClient } from '../src/phone/phone-client.js';
import { PhoneOperations } from '../src/phone/phone-operations.js';
import type { PhoneAddress } from '../src/phone/phone-address.js';

const HOST = '127.0.0.91';
const PATH = '/command.htm?key=ENTER';
const WRK = '/usr/bin/wrk';
const CURL = '/usr/bin/curl';
const connections = Number(process.env.PHONE_BENCH_CONNECTIONS ?? 8);
const seconds = Number(process.env.PHONE_BENCH_SECONDS ?? 5);
const curls = Number(process.env.PHONE_BENCH_CURLS ?? 200);

async function startServerChild(): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve'], {
    stdio: ['pipe', 'pipe', 'inherit'],
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  clearTimeout(timer);
  return { port: Number(line.toString().trim()), child };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.stdin?.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (e, stdout) => (e ? reject(e) : resolve(stdout)));
  });
}

/** A PhoneClient driving pressKeys in `connections` concurrent loops, measured in slices. */
function clientRunner(phone: PhoneAddress): { run(ms: number): Promise<{ done: number; ms: number }>; failures(): string; close(): Promise<void> } {
  const client = new PhoneClient({ maxPerPhone: connections, maxTotal: connections });
  const ops = new PhoneOperations({ client });
  let failures = 0;
  let firstFailure = '';
  return {
    async run(ms) {
      let done = 0;
      const start = performance.now();
      const until = start + ms;
      await Promise.all(
        Array.from({ length: connections }, async () => {
          while (performance.now() < until) {
            const r = await ops.pressKeys(phone, 'ENTER');
            if (r.ok) done++;
            else if (failures++ === 0) firstFailure = `${r.code}: ${r.message}`;
          }
        }),
      );
      return { done, ms: performance.now() - start };
    },
    failures: () => (failures === 0 ? '' : `${failures} failures, first: ${firstFailure}`),
    close: () => client.close(),
  };
}

/** wrk's requests/s over `durationS` seconds, or undefined without wrk. */
async function measureWrk(url: string, durationS: number): Promise<number | undefined> {
  if (!existsSync(WRK)) {
    console.log(`${WRK} not found: no wrk comparison (Debian package wrk)`);
    return undefined;
  }
  const out = await run(WRK, ['-t1', `-c${connections}`, `-d${durationS}s`, url], (durationS + 10) * 1000);
  const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
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
  // At most 20 s, whatever the count.
  while (n < count && performance.now() - start < 20_000) {
    const code = await run(CURL, ['-s', '-o', '/dev/null', '-w', '%{http_code}', url], 10_000);
    if (code !== '200') throw new Error(`curl got HTTP ${code}`);
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

const fmt = (v: number | undefined): string => (v === undefined ? 'n/a' : String(Math.round(v)));
const ratio = (a: number, b: number | undefined, digits: number): string => (b === undefined || b === 0 ? 'n/a' : (a / b).toFixed(digits));

async function main(): Promise<void> {
  const target = process.env.PHONE_BENCH_TARGET;
  let child: ChildProcess | undefined;
  let origin: URL;
  if (target) {
    origin = new URL(target);
  } else {
    const started = await startServerChild();
    child = started.child;
    origin = new URL(`http://${HOST}:${started.port}`);
  }
  const url = `${origin.origin}${PATH}`;
  const phone: PhoneAddress = {
    host: origin.hostname,
    port: Number(origin.port || (origin.protocol === 'https:' ? 443 : 80)),
    scheme: origin.protocol === 'https:' ? 'https' : 'http',
    insecureTls: true,
  };
  let clientRate: number;
  let wrk: number | undefined;
  try {
    console.log(`server ${url} (${target ? 'PHONE_BENCH_TARGET' : 'node:http test server in a child process'}), ${connections} connections, ${seconds} s each for the client and wrk`);
    const runner = clientRunner(phone);
    try {
      // Warm-up (JIT on both sides, sockets), then client and wrk alternate in slices, so that load
      // from other processes on the machine weighs on both alike.
      await runner.run(1000);
      if (existsSync(WRK)) await measureWrk(url, 1);
      const slices = Math.max(1, Math.round(seconds / 2));
      const sliceS = seconds / slices;
      let done = 0;
      let ms = 0;
      const wrkRates: number[] = [];
      for (let i = 0; i < slices; i++) {
        const c = await runner.run(sliceS * 1000);
        done += c.done;
        ms += c.ms;
        const w = await measureWrk(url, Math.max(1, Math.round(sliceS)));
        if (w !== undefined) wrkRates.push(w);
        console.log(`slice ${i + 1}/${slices}: phone client ${fmt(c.done / (c.ms / 1000))} req/s, wrk ${fmt(w)} req/s`);
      }
      if (runner.failures()) console.log(`phone client: ${runner.failures()}`);
      clientRate = done / (ms / 1000);
      wrk = wrkRates.length === 0 ? undefined : wrkRates.reduce((a, b) => a + b, 0) / wrkRates.length;
    } finally {
      await runner.close();
    }
    console.log(`phone client pressKeys: ${fmt(clientRate)} req/s`);
    console.log(`wrk -t1 -c${connections}: ${fmt(wrk)} req/s`);
    const curl = await measureCurl(url, curls);
    console.log(`curl, one process per request (${curls} sequential): ${fmt(curl)} req/s`);
    console.log(`target phone-vs-wrk: ${fmt(clientRate)} req/s vs wrk ${fmt(wrk)} req/s = ${ratio(clientRate, wrk, 2)}x (goal 0.5)`);
    console.log(`target phone-vs-curl: ${fmt(clientRate)} req/s vs curl-per-request ${fmt(curl)} req/s = ${ratio(clientRate, curl, 1)}x (goal 10)`);
  } finally {
    if (child) await stopChild(child);
  }
}

if (process.argv.includes('--serve')) {
  // Child mode: serve until the parent closes our stdin (or at most 120 s).
  const { startTestServer } = await import('../test/helpers/http-test-server.js');
  const server = await startTestServer({ host: HOST, record: false });
  process.stdout.write(`${server.port}\n`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.stdin.on('end', stop).resume();
  process.on('SIGTERM', stop);
  setTimeout(stop, 120_000).unref();
} else {
  await main();
}
