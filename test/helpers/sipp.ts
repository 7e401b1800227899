// Runs SIPp (Debian `sip-tester`) as a test peer or load generator, always with a hard kill timeout.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForPort } from './ports.js';

/** Where Debian installs SIPp. */
export const SIPP_BIN = '/usr/bin/sipp';

/** The project's SIPp scenarios (test/fixtures/sipp). */
export const SIPP_SCENARIOS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/sipp');

/** Why SIPp cannot run here, or undefined when it can. */
export function sippMissing(): string | undefined {
  return existsSync(SIPP_BIN) ? undefined : `${SIPP_BIN} not found (Debian package sip-tester; .ci/run installs it)`;
}

/** Options of runSipp / startSipp. */
export interface SippOptions {
  /** A file in test/fixtures/sipp (`uas-message.xml`), an absolute path, or a built-in name (`uas`). */
  readonly scenario: string;
  readonly localHost: string;
  readonly localPort: number;
  /** `host:port` of the peer (clients). */
  readonly remote?: string;
  readonly transport?: 'udp' | 'tcp';
  /** -m: stop after this many calls. */
  readonly calls?: number;
  /** -r calls per second (with -l) or -users (a fixed number of calls in flight). */
  readonly rate?: number;
  readonly limit?: number;
  readonly users?: number;
  /** -s: user part of the Request-URI. */
  readonly service?: string;
  /** -timeout (seconds) with -timeout_error: SIPp fails when it has not finished by then. */
  readonly timeoutSeconds?: number;
  /** Hard kill (SIGKILL) after this many ms whatever happens; default (timeoutSeconds + 5) s or 30 s. */
  readonly killAfterMs?: number;
  /** Generic parameters for `[key]` in scenarios (-key name value). */
  readonly keys?: Readonly<Record<string, string>>;
  readonly extraArgs?: readonly string[];
}

/** Final counters from SIPp's statistics file. */
export interface SippStats {
  readonly successful: number;
  readonly failed: number;
  /** SIPp's own cumulative call rate (calls/s). */
  readonly callRate: number;
  readonly elapsedMs: number;
}

/** How a SIPp run ended. */
export interface SippResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly killed: boolean;
  readonly stats: SippStats | undefined;
  /** SIPp's error log (unexpected messages, timeouts …), truncated. */
  readonly errors: string;
  readonly stderr: string;
}

/** A SIPp running in the background (a server scenario). */
export interface SippProcess {
  readonly pid: number | undefined;
  /** Stops it (SIGTERM, then SIGKILL after 2 s) and returns how it ended. */
  stop(): Promise<SippResult>;
}

function argsOf(o: SippOptions, dir: string): string[] {
  const scenario = /^[a-z_]+$/.test(o.scenario) ? ['-sn', o.scenario] : ['-sf', path.isAbsolute(o.scenario) ? o.scenario : path.join(SIPP_SCENARIOS, o.scenario)];
  const a = [
    ...scenario, '-i', o.localHost, '-p', String(o.localPort), '-t', o.transport === 'tcp' ? 't1' : 'u1',
    '-nostdin', '-trace_err', '-error_file', path.join(dir, 'errors.log'),
    '-trace_stat', '-stf', path.join(dir, 'stat.csv'), '-fd', '1',
  ];
  if (o.calls !== undefined) a.push('-m', String(o.calls));
  if (o.users !== undefined) a.push('-users', String(o.users));
  if (o.rate !== undefined) a.push('-r', String(o.rate));
  if (o.limit !== undefined) a.push('-l', String(o.limit));
  if (o.service !== undefined) a.push('-s', o.service);
  if (o.timeoutSeconds !== undefined) a.push('-timeout', `${o.timeoutSeconds}s`, '-timeout_error');
  for (const [k, v] of Object.entries(o.keys ?? {})) a.push('-key', k, v);
  a.push(...(o.extraArgs ?? []));
  if (o.remote !== undefined) a.push(o.remote);
  return a;
}

function spawnSipp(o: SippOptions): { proc: ChildProcess; done: Promise<SippResult>; dir: string } {
  const missing = sippMissing();
  if (missing) throw new Error(missing);
  const dir = mkdtempSync(path.join(tmpdir(), 'snomctl-sipp-'));
  const proc = spawn(SIPP_BIN, argsOf(o, dir), { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-20_000);
  });
  let killed = false;
  const killAfter = o.killAfterMs ?? (o.timeoutSeconds !== undefined ? (o.timeoutSeconds + 5) * 1000 : 30_000);
  const hardKill = setTimeout(() => {
    killed = true;
    proc.kill('SIGKILL');
  }, killAfter);
  const done = new Promise<SippResult>((resolve) => {
    proc.once('exit', (code, signal) => {
      clearTimeout(hardKill);
      const result: SippResult = { code, signal, killed, stats: readStats(path.join(dir, 'stat.csv')), errors: readText(path.join(dir, 'errors.log')), stderr };
      rmSync(dir, { recursive: true, force: true });
      resolve(result);
    });
  });
  return { proc, done, dir };
}

/** Runs a SIPp client to completion (or its hard kill). */
export async function runSipp(o: SippOptions): Promise<SippResult> {
  return spawnSipp(o).done;
}

/** Starts a SIPp server scenario; resolves once its port is bound. */
export async function startSipp(o: SippOptions): Promise<SippProcess> {
  const { proc, done } = spawnSipp({ killAfterMs: 120_000, ...o });
  let exited = false;
  void done.then(() => (exited = true));
  const stop = async (): Promise<SippResult> => {
    if (!exited) {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 2000);
      const r = await done;
      clearTimeout(t);
      return r;
    }
    return done;
  };
  try {
    await waitForPort(o.localPort, o.transport ?? 'udp', 5000, () => exited);
  } catch (e) {
    const r = await stop();
    throw new Error(`sipp did not start: ${(e as Error).message}\n${r.stderr.slice(-2000)}`, { cause: e });
  }
  return { pid: proc.pid, stop };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-20_000);
  } catch {
    return '';
  }
}

/** The last row of SIPp's -trace_stat CSV (semicolon separated, header names like `SuccessfulCall(C)`). */
function readStats(file: string): SippStats | undefined {
  const lines = readText(file).split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return undefined;
  const names = lines[0]!.split(';');
  const values = lines[lines.length - 1]!.split(';');
  const get = (n: string): string | undefined => values[names.indexOf(n)];
  const elapsed = get('ElapsedTime(C)') ?? '';
  // hh:mm:ss:micro (or hh:mm:ss)
  const parts = elapsed.split(':').map(Number);
  const elapsedMs = parts.length >= 3 ? ((parts[0]! * 60 + parts[1]!) * 60 + parts[2]!) * 1000 + (parts[3] ?? 0) / 1000 : Number.NaN;
  return {
    successful: Number(get('SuccessfulCall(C)')),
    failed: Number(get('FailedCall(C)')),
    callRate: Number(get('CallRate(C)')),
    elapsedMs,
  };
}
