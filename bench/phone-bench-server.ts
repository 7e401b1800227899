// Servers for bench/phone-command.bench.ts, each in its own process so that neither load generator
// shares an event loop with it: the virtual phone as `snomctl phone` runs it, or the bare node:http
// test server. Also the CPU time a process has used, to tell per request what the server spent.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A server child process and the URL origin it serves. */
export interface BenchServer {
  readonly origin: string;
  readonly pid: number;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Digest credentials of the benchmark's protected virtual phone. */
export const BENCH_DIGEST = Object.freeze({ username: 'admin', password: 'bench-secret' });

/** Reads the first stdout line matching `pattern` (its group 1), or rejects after `timeoutMs`; stdout keeps being drained. */
function firstMatch(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const onData = (chunk: Buffer): void => {
      text += String(chunk);
      const m = pattern.exec(text);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData).resume();
      child.off('exit', onExit);
      resolve(m[1]!);
    };
    const onExit = (): void => {
      clearTimeout(timer);
      reject(new Error(`server exited before printing ${pattern} (output: ${text.slice(0, 500)})`));
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals | 'stdin'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  if (signal === 'stdin') child.stdin?.end();
  else child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * `snomctl phone --http-listen <host>:0` (no registrar: the web server alone matters), optionally
 * with Digest-protected pages; resolves with the web origin it prints.
 */
export async function startVirtualPhone(host: string, auth: 'none' | 'digest'): Promise<BenchServer> {
  const args = ['--import', 'tsx', 'src/main.ts', 'phone', '--http-listen', `${host}:0`];
  if (auth === 'digest') args.push('--http-auth', 'digest', '--http-user', BENCH_DIGEST.username, '--http-password', BENCH_DIGEST.password);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
  const origin = await firstMatch(child, /^web: (\S+)$/m, 20_000);
  return { origin, pid: child.pid!, stop: () => stopChild(child, 'SIGTERM') };
}

/** The node:http test server (test/helpers/http-test-server.ts) run by `script --serve`. */
export async function startNodeHttpServer(script: string, host: string): Promise<BenchServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, '--serve', host], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await firstMatch(child, /^(\d+)$/m, 20_000);
  return { origin: `http://${host}:${port}`, pid: child.pid!, stop: () => stopChild(child, 'stdin') };
}

/** Child mode of `startNodeHttpServer`: serves until stdin closes (or 300 s), printing the port. */
export async function serveNodeHttp(host: string): Promise<void> {
  const { startTestServer } = await import('../test/helpers/http-test-server.js');
  const server = await startTestServer({ host, record: false });
  process.stdout.write(`${server.port}\n`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.stdin.on('end', stop).resume();
  process.on('SIGTERM', stop);
  setTimeout(stop, 300_000).unref();
}

/** CPU time (user + system) of this process's children that have ended and been waited for, in ms. */
export function childrenCpuMs(): number | undefined {
  try {
    // cutime and cstime are fields 16 and 17 (proc(5)).
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used, in ms; undefined where /proc is unavailable. */
export function processCpuMs(pid: number): number | undefined {
  try {
    // Fields after `(comm) `: state is field 3, utime 14 and stime 15 (proc(5)), in clock ticks.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
