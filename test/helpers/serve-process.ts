// `snomctl serve` and the other snomctl commands as real processes (node --import tsx src/main.ts …), for
// process-level tests: output captured, the printed listen lines parsed, temp dirs removed at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The project root (where src/main.ts is). */
export const ROOT = join(import.meta.dirname, '..', '..');

/** The `SNOMCTL_*` settings cleared for every child, so the caller's environment cannot change a test. */
const CLEARED_ENV: Readonly<Record<string, string>> = {
  SNOMCTL_CONFIG: '', SNOMCTL_TOKENS: '', SNOMCTL_TOKEN: '', SNOMCTL_URL: '', SNOMCTL_USERS: '', SNOMCTL_DOMAIN: '',
  SNOMCTL_DATA_DIR: '', SNOMCTL_SIP_LISTEN: '', SNOMCTL_API_LISTEN: '', SNOMCTL_LOG_LEVEL: '', SNOMCTL_FREESWITCH: '',
  SNOMCTL_FREESWITCH_PASSWORD: '', SNOMCTL_PHONE_PASSWORD: '',
};

/** A running `snomctl serve` process. */
export interface Served {
  readonly child: ChildProcess;
  /** Everything written so far. */
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Where a ready serve listens, from its `sip udp …`, `sip tcp …` and `api …` lines. */
export interface ServeAddresses {
  readonly sipHost: string;
  readonly udpPort: number;
  readonly tcpPort: number;
  /** `http://host:port`. */
  readonly api: string;
}

/** Starts `snomctl serve <args>` (the `SNOMCTL_*` environment cleared, `env` added). */
export function spawnServe(args: readonly string[], env: Readonly<Record<string, string>> = {}): Served {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', ...args], {
    cwd: ROOT, env: { ...process.env, ...CLEARED_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Polls `check` every 25 ms; rejects naming `what` after `ms`. */
export async function waitFor(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits for serve's `ready` line and parses the listen lines before it; rejects when serve exits first. */
export async function serveReady(s: Served, ms = 20_000): Promise<ServeAddresses> {
  let exit: { code: number | null } | undefined;
  void s.exited.then((e) => (exit = e));
  await waitFor(() => exit !== undefined || /^ready$/m.test(s.stdout()), 'snomctl serve to print "ready"', ms);
  if (exit !== undefined && !/^ready$/m.test(s.stdout())) throw new Error(`snomctl serve exited with ${exit.code}: ${s.stderr()}`);
  const out = s.stdout();
  const udp = /^sip udp (\S+):(\d+)$/m.exec(out);
  const tcp = /^sip tcp (\S+):(\d+)$/m.exec(out);
  const api = /^api (http:\/\/\S+)$/m.exec(out);
  if (!udp || !tcp || !api) throw new Error(`snomctl serve printed no listen lines: ${out}`);
  return { sipHost: udp[1]!, udpPort: Number(udp[2]), tcpPort: Number(tcp[2]), api: api[1]! };
}

/** Stops serve with SIGTERM (SIGKILL after `ms`) and resolves with how it exited. */
export async function stopServe(s: Served, ms = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), ms);
  try {
    return await s.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** What a finished snomctl command process wrote and how it ended. */
export interface Ran {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
}

/** Runs `snomctl <args>` to its end (the `SNOMCTL_*` environment cleared, `env` added). */
export function runSnomctl(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: ROOT, env: { ...process.env, ...CLEARED_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout, stderr, code }));
  });
}

/** Temp directories made for a test file and removed by `cleanup()` (call it in `after`). */
export function tempDirs(prefix = 'snomctl-'): { make: () => string; cleanup: () => void } {
  const dirs: string[] = [];
  return {
    make: () => {
      const d = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
    cleanup: () => {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}
