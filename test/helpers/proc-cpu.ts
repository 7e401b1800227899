// CPU time of processes and threads from Linux's /proc, for benchmarks that compare CPU per operation.
import { readFileSync, readdirSync } from 'node:fs';

/**
 * utime + stime (µs), the same of the children waited for (cutime + cstime), and the parent pid from a
 * /proc/…/stat file; undefined when it cannot be read.
 */
function readStat(file: string): { ppid: number; micros: number; childMicros: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(file, 'utf8');
  } catch {
    return undefined; // ended meanwhile, or no /proc
  }
  // after "pid (comm) ": state, ppid, …; utime, stime, cutime, cstime are fields 14–17, in clock ticks of 10 ms
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(f[1]), micros: (Number(f[11]) + Number(f[12])) * 10_000, childMicros: (Number(f[13]) + Number(f[14])) * 10_000 };
}

function list(dir: string): string[] | undefined {
  try {
    return readdirSync(dir);
  } catch {
    return undefined;
  }
}

/**
 * CPU time (µs) of this process's threads by thread id; empty off Linux. The main thread's id is the
 * process id; the others are V8's helpers, libuv's pool and any worker threads.
 */
export function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of list('/proc/self/task') ?? []) {
    const s = readStat(`/proc/self/task/${tid}/stat`);
    if (s !== undefined) out.set(tid, s.micros);
  }
  return out;
}

/** This process's CPU time (µs) since `before` (a threadCpu() reading): the main thread's and the other threads'; undefined off Linux. */
export function threadCpuSince(before: Map<string, number>): { main: number; others: number } | undefined {
  const after = threadCpu();
  const main = after.get(String(process.pid));
  if (main === undefined) return undefined;
  let total = 0;
  for (const [tid, us] of after) total += us - (before.get(tid) ?? 0);
  const mainUs = main - (before.get(String(process.pid)) ?? 0);
  return { main: mainUs, others: total - mainUs };
}

/** CPU time (µs) of process `pid` and its direct children; undefined off Linux. */
export function processTreeCpu(pid: number): number | undefined {
  const entries = list('/proc');
  if (entries === undefined) return undefined;
  let total = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const s = readStat(`/proc/${entry}/stat`);
    if (s !== undefined && (Number(entry) === pid || s.ppid === pid)) total += s.micros;
  }
  return total;
}

/** CPU time (µs) of this process's children that have ended and been waited for (e.g. a finished SIPp); undefined off Linux. */
export function endedChildrenCpu(): number | undefined {
  return readStat('/proc/self/stat')?.childMicros;
}
