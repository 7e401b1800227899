// MESSAGE round trips per second over UDP loopback to a SIPp "phone" (UAS answering 200), for this
// stack, SIPp's own UAC and the npm `sip` package, measured in the same run. Run: npm run bench:sip
// Env: SIP_BENCH_COUNT (messages per target and round, default 50000), SIP_BENCH_INFLIGHT (default 50),
// SIP_BENCH_ROUNDS (default 3).
// SIPp's UAC is run two ways: `-r <high> -l 50` (its rate scheduler caps it near 12k calls/s here, whatever
// -r says) and `-users 50` (a closed loop of 50 calls, like ours and npm sip's: SIPp's real maximum).
// The target line compares with the faster of the two. The machine is shared, so the targets take turns
// (ours, SIPp, npm sip; again) in three shorter rounds and each target's best round counts: every target
// gets the same chances at a quiet moment. Each client is a closed loop of 50 requests in flight with no
// work beyond building the request and checking the final response (SIPp's UAC does the same from its
// compiled scenario), so what is measured is the SIP stack, not the bench. Each client's CPU time per
// confirmed message is printed too (our process's own; SIPp's from /proc/self/stat's time of waited-for
// children; npm sip's child measures its own): unlike the rates, it hardly moves with the machine's load.
// A bare node:dgram loop with no SIP stack is measured too, for the record: Node's own floor on this path.
// So is parsing one of SIPp's 200 responses alone (our parser's share of our CPU time per message).
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { createRequest } from '../src/sip/message.js';
import { parseMessage } from '../src/sip/parse.js';
import type { RequestResult } from '../src/sip/transaction/endpoint-types.js';
import { SipEndpoint } from '../src/sip/transaction/endpoint.js';
import { createUdpTransport } from '../src/sip/transport/udp-transport.js';
import { freePort } from '../test/helpers/ports.js';
import { runSipp, sippMissing, startSipp, type SippProcess } from '../test/helpers/sipp.js';

const COUNT = Number(process.env.SIP_BENCH_COUNT ?? 50_000);
const IN_FLIGHT = Number(process.env.SIP_BENCH_INFLIGHT ?? 50);
const ROUNDS = Number(process.env.SIP_BENCH_ROUNDS ?? 3);
const WARMUP = Math.min(10_000, Math.ceil(COUNT / 10));
const PHONE_HOST = '127.0.0.2';
const CLIENT_HOST = '127.0.0.3';
// the same body as test/fixtures/sipp/uac-message.xml
const BODY = 'k=2\r\nc=on\r\nl=Line 2\r\nn=1002\r\na=invite\r\n';
// encoded once, as a caller sending the same document again would (SIPp keeps its scenario compiled too)
const BODY_BYTES = Buffer.from(BODY, 'utf8');

interface Measurement {
  readonly rate: number;
  readonly ok: number;
  readonly failed: number;
  readonly p50?: number;
  readonly p99?: number;
  readonly note?: string;
  /** CPU time per confirmed message (µs) of the client process, when known. */
  readonly cpuUs?: number;
}

/** One 200 as SIPp's UAS sends it to the bare loop (kept for the parse-cost line). */
let sipp200: Buffer | undefined;

/** CPU time (µs) of parsing `data` once: the best of 20 runs of 5,000 parses (short runs: some miss the neighbours' load). */
function parseCostUs(data: Buffer): number {
  let best = Infinity;
  for (let run = 0; run < 20; run++) {
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < 5_000; i++) if (!parseMessage(data).ok) throw new Error('SIPp 200 does not parse');
    const cpu = process.cpuUsage(cpu0);
    best = Math.min(best, (cpu.user + cpu.system) / 5_000);
  }
  return best;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** The outcome of one request as the closed loop needs it. */
interface Outcome {
  readonly ok: boolean;
  readonly latencyMs: number;
}

/**
 * Runs `count` calls of `one` with `inFlight` concurrent; returns the rate of results that `accepted` and
 * their latencies.
 */
async function closedLoop<R extends Outcome>(
  count: number, inFlight: number, one: () => Promise<R>, accepted: (r: R) => boolean,
): Promise<Measurement> {
  const latencies = new Float64Array(count);
  let started = 0;
  let ok = 0;
  let failed = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (started < count) {
      started++;
      const r = await one();
      if (accepted(r)) latencies[ok++] = r.latencyMs;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const sorted = latencies.subarray(0, ok).sort();
  return { rate: ok / seconds, ok, failed, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

async function withPhone<T>(body: (uri: string, port: number) => Promise<T>): Promise<T> {
  const port = await freePort(PHONE_HOST);
  const phone: SippProcess = await startSipp({
    scenario: 'uas-message.xml', localHost: PHONE_HOST, localPort: port, killAfterMs: 120_000,
    extraArgs: ['-deadcall_wait', '1000', '-buff_size', String(4 << 20)],
  });
  try {
    return await body(`sip:phone@${PHONE_HOST}:${port}`, port);
  } finally {
    await phone.stop();
  }
}

async function measureOurs(): Promise<Measurement> {
  return withPhone(async (uri) => {
    const transport = await createUdpTransport({ address: CLIENT_HOST, port: 0 });
    const endpoint = new SipEndpoint({ transports: [transport] });
    const one = (): Promise<RequestResult> =>
      endpoint.request(createRequest({ method: 'MESSAGE', uri, headers: [['Content-Type', 'application/x-buttons']], body: BODY_BYTES }));
    const accepted = (r: RequestResult): boolean => r.ok && r.response.status === 200;
    try {
      await closedLoop(WARMUP, IN_FLIGHT, one, accepted);
      const cpu0 = process.cpuUsage();
      const m = await closedLoop(COUNT, IN_FLIGHT, one, accepted);
      const cpu = process.cpuUsage(cpu0);
      const s = endpoint.stats();
      const cpuPerMessage = (cpu.user + cpu.system) / Math.max(1, m.ok);
      return {
        ...m,
        cpuUs: cpuPerMessage,
        note: `${cpuPerMessage.toFixed(1)} µs CPU/msg, retransmissions ${s.retransmissions.sent}, live transactions ${s.transactions.client}, rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`,
      };
    } finally {
      await endpoint.close();
    }
  });
}

/**
 * Node's own floor, for the record (not a target): a bare node:dgram closed loop of the same 50 MESSAGEs in
 * flight with no SIP stack at all — each request is a template with a fresh branch/tag/Call-ID encoded to
 * bytes, each datagram received that starts with `SIP/2.0 200` sends the next one; no parsing, no
 * transaction, no timers. Whatever a Node SIP stack does costs at least this.
 */
async function measureDgramFloor(): Promise<Measurement> {
  return withPhone(async (uri, port) => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, CLIENT_HOST, resolve));
    const local = socket.address().port;
    const head = (n: number): string =>
      `MESSAGE ${uri} SIP/2.0\r\nVia: SIP/2.0/UDP ${CLIENT_HOST}:${local};branch=z9hG4bK-floor${n};rport\r\nMax-Forwards: 70\r\n` +
      `From: <sip:bench@${CLIENT_HOST}>;tag=f${n}\r\nTo: <${uri}>\r\nCall-ID: floor${n}-${process.pid}@${CLIENT_HOST}\r\nCSeq: 1 MESSAGE\r\n` +
      `Content-Type: application/x-buttons\r\nContent-Length: ${BODY_BYTES.length}\r\n\r\n${BODY}`;
    let serial = 0;
    const run = (count: number): Promise<{ ok: number; seconds: number; cpuUs: number }> => new Promise((resolve, reject) => {
      let sent = 0;
      let ok = 0;
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const next = (): void => {
        if (sent++ < count) socket.send(Buffer.from(head(serial++), 'latin1'), port, PHONE_HOST);
      };
      const stall = setTimeout(() => reject(new Error(`dgram floor: ${ok} of ${count} answered within 30 s`)), 30_000);
      const onMessage = (data: Buffer): void => {
        // "SIP/2.0 200": the closed loop needs nothing more
        if (data[8] !== 0x32 || data[9] !== 0x30 || data[10] !== 0x30) return;
        sipp200 ??= Buffer.from(data);
        if (++ok === count) {
          clearTimeout(stall);
          socket.off('message', onMessage);
          const cpu = process.cpuUsage(cpu0);
          resolve({ ok, seconds: (performance.now() - t0) / 1000, cpuUs: (cpu.user + cpu.system) / ok });
        } else next();
      };
      socket.on('message', onMessage);
      for (let i = 0; i < IN_FLIGHT; i++) next();
    });
    try {
      await run(WARMUP);
      const r = await run(COUNT);
      return { rate: r.ok / r.seconds, ok: r.ok, failed: COUNT - r.ok, cpuUs: r.cpuUs, note: `${r.cpuUs.toFixed(1)} µs CPU/msg, no SIP stack` };
    } finally {
      socket.close();
    }
  });
}

/**
 * CPU time (ms) of this process's finished and waited-for children (Linux /proc/self/stat cutime + cstime,
 * 10 ms ticks); 0 where it cannot be read. Read around a SIPp UAC run, it is that process's CPU time.
 */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); cutime and cstime are fields 16 and 17
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return 0;
  }
}

async function measureSipp(mode: 'rate' | 'users', calls = COUNT): Promise<Measurement> {
  return withPhone(async (_uri, port) => {
    const children0 = childrenCpuMs();
    const r = await runSipp({
      scenario: 'uac-message.xml', localHost: CLIENT_HOST, localPort: await freePort(CLIENT_HOST), remote: `${PHONE_HOST}:${port}`,
      service: 'phone', calls, timeoutSeconds: 50,
      ...(mode === 'rate' ? { rate: 1_000_000, limit: IN_FLIGHT } : { users: IN_FLIGHT }),
      extraArgs: ['-buff_size', String(4 << 20)],
    });
    const cpuMs = childrenCpuMs() - children0;
    const s = r.stats;
    if (s === undefined) return { rate: 0, ok: 0, failed: COUNT, note: `no statistics (exit ${r.code})` };
    const cpuUs = cpuMs > 0 ? (cpuMs * 1000) / Math.max(1, s.successful) : undefined;
    const cpu = cpuUs === undefined ? '' : `${cpuUs.toFixed(1)} µs CPU/msg, `;
    const note = `${cpu}SIPp -${mode === 'rate' ? 'r 1000000 -l' : 'users'} ${IN_FLIGHT}`;
    return { rate: s.callRate, ok: s.successful, failed: s.failed, note, ...(cpuUs === undefined ? {} : { cpuUs }) };
  });
}

/**
 * The npm `sip` package (0.0.6) doing the same closed loop, in a child process of its own: it keeps every
 * finished transaction for tens of seconds, which would otherwise burden whatever runs after it here.
 */
const NPM_SIP_CLIENT = `
const { createRequire } = require('node:module');
const [uri, host, port, count, inFlight, warmup, body] = process.argv.slice(1);
const sip = createRequire(process.cwd() + '/')('sip');
const stack = sip.create({ address: host, port: Number(port), udp: true, tcp: false }, () => {});
let n = 0;
const one = () => new Promise((resolve) => {
  const t = performance.now();
  n++;
  stack.send({
    method: 'MESSAGE', uri,
    headers: {
      to: { uri }, from: { uri: 'sip:bench@' + host, params: { tag: 't' + n } },
      'call-id': n + '-' + process.pid + '@' + host, cseq: { method: 'MESSAGE', seq: 1 },
      'content-type': 'application/x-buttons', 'max-forwards': 70,
    },
    content: body,
  }, (res) => { if (res.status >= 200) resolve({ ok: res.status === 200, latencyMs: performance.now() - t }); });
});
async function loop(total) {
  const lat = [];
  let started = 0, failed = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(Array.from({ length: Number(inFlight) }, async () => {
    while (started < total) { started++; const r = await one(); if (r.ok) lat.push(r.latencyMs); else failed++; }
  }));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  lat.sort((a, b) => a - b);
  const cpuUs = (cpu.user + cpu.system) / Math.max(1, lat.length);
  const note = cpuUs.toFixed(1) + ' µs CPU/msg';
  return { rate: lat.length / seconds, ok: lat.length, failed, p50: lat[Math.floor(lat.length * 0.5)], p99: lat[Math.floor(lat.length * 0.99)], note, cpuUs };
}
loop(Number(warmup)).then(() => loop(Number(count))).then((m) => { console.log(JSON.stringify(m)); stack.destroy(); process.exit(0); });
`;

async function measureNpmSip(): Promise<Measurement | string> {
  try {
    createRequire(import.meta.url).resolve('sip');
  } catch {
    return 'node_modules/sip is not installed';
  }
  return withPhone(async (uri) => {
    const port = await freePort(CLIENT_HOST);
    const args = ['-e', NPM_SIP_CLIENT, uri, CLIENT_HOST, String(port), String(COUNT), String(IN_FLIGHT), String(WARMUP), BODY];
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, args, { timeout: 60_000, maxBuffer: 1 << 20 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    });
    return JSON.parse(out.trim().split('\n').at(-1)!) as Measurement;
  });
}

function show(name: string, m: Measurement): void {
  const lat = m.p50 === undefined ? '' : `, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99!.toFixed(2)} ms`;
  console.log(`${name.padEnd(24)} ${Math.round(m.rate).toString().padStart(7)} msg/s (${m.ok} ok, ${m.failed} failed${lat})${m.note ? `  [${m.note}]` : ''}`);
}

/** The better of two measurements (the machine is shared: take each target's best round). */
function best(a: Measurement, b: Measurement): Measurement {
  return b.rate > a.rate ? b : a;
}

async function main(): Promise<void> {
  const missing = sippMissing();
  if (missing) {
    console.log(`sip-message bench skipped: ${missing}`);
    return;
  }
  console.log(`MESSAGE round trips over UDP loopback to a SIPp UAS, ${COUNT} per target and round, ${IN_FLIGHT} in flight`);
  console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${ROUNDS} rounds, each target's best round counts`);
  let ours: Measurement | undefined;
  let sippUsers: Measurement | undefined;
  let npm: Measurement | string | undefined;
  // each target's lowest CPU time per message over its rounds (the round least disturbed by other work)
  const cpu = { ours: Infinity, sipp: Infinity, npm: Infinity, floor: Infinity };
  let floor: Measurement | undefined;
  const lowest = (key: keyof typeof cpu, m: Measurement): void => {
    if (m.cpuUs !== undefined && m.cpuUs < cpu[key]) cpu[key] = m.cpuUs;
  };
  const started = performance.now();
  for (let round = 1; round <= ROUNDS; round++) {
    if (round > 1 && performance.now() - started > 30_000 * (round - 1)) {
      console.log(`(round ${round} skipped: the run would exceed 90 s on this loaded machine)`);
      break;
    }
    const o = await measureOurs();
    show(`snomctl SipEndpoint #${round}`, o);
    lowest('ours', o);
    ours = ours === undefined ? o : best(ours, o);
    const u = await measureSipp('users');
    show(`SIPp UAC -users #${round}`, u);
    lowest('sipp', u);
    sippUsers = sippUsers === undefined ? u : best(sippUsers, u);
    const n = await measureNpmSip();
    if (typeof n === 'string') console.log(`npm sip                skipped: ${n}`);
    else {
      show(`npm sip 0.0.6 #${round}`, n);
      lowest('npm', n);
    }
    npm = typeof n === 'string' || npm === undefined || typeof npm === 'string' ? n : best(npm, n);
    const f = await measureDgramFloor();
    show(`bare node:dgram #${round}`, f);
    lowest('floor', f);
    floor = floor === undefined ? f : best(floor, f);
  }
  // SIPp's -r/-l mode is capped by its scheduler (about 12k calls/s here whatever -r is): measured once, for the record
  const sippRate = await measureSipp('rate', Math.min(COUNT, 30_000));
  show('SIPp UAC -r/-l', sippRate);

  const us = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(1)} µs` : 'n/a');
  console.log(
    `CPU per confirmed message (lowest round): snomctl ${us(cpu.ours)}, SIPp UAC ${us(cpu.sipp)}, npm sip ${us(cpu.npm)}` +
    ` (SIPp/snomctl ${(cpu.sipp / cpu.ours).toFixed(2)}, npm sip/snomctl ${(cpu.npm / cpu.ours).toFixed(2)})`,
  );
  const sipp = Math.max(sippRate.rate, sippUsers!.rate);
  console.log(
    `Node's floor (bare node:dgram loop, no SIP stack): ${Math.round(floor!.rate)} msg/s = ${(floor!.rate / sipp).toFixed(2)}x SIPp, ` +
    `${us(cpu.floor)} CPU/msg; snomctl's SIP stack adds ${us(cpu.ours - cpu.floor)} per message on top of it`,
  );
  if (sipp200 !== undefined) {
    const parse = parseCostUs(sipp200);
    console.log(`Parsing one of SIPp's 200 responses alone (parseMessage, best of 20x5000): ${parse.toFixed(2)} µs of snomctl's ${us(cpu.ours)} CPU/msg`);
  }
  const fmt = (v: number): string => String(Math.round(v));
  console.log(`target sip-vs-sipp: ${fmt(ours!.rate)} msg/s vs sipp ${fmt(sipp)} msg/s = ${(ours!.rate / sipp).toFixed(2)}x (goal 1.0)`);
  if (typeof npm === 'string' || npm === undefined) console.log(`target sip-vs-npm-sip: skipped (${String(npm)}) (goal 3.0)`);
  else console.log(`target sip-vs-npm-sip: ${fmt(ours!.rate)} msg/s vs npm-sip ${fmt(npm.rate)} msg/s = ${(ours!.rate / npm.rate).toFixed(2)}x (goal 3.0)`);
}

const hardStop = setTimeout(() => {
  console.error('sip-message bench: hard time limit (150 s) reached');
  process.exit(2);
}, 150_000);
hardStop.unref();
await main();
