// The browser test's fixtures: `snomctl serve` as a real process, virtual phones, the CLI, Chromium.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { VirtualPhone } from '../../src/sim/index.js';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const DOMAIN = 'dash.test';

/** The Chromium binary to drive: $CHROMIUM_PATH, /usr/bin/chromium, or chromium/chromium-browser on PATH. */
export function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium',
    ...(process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '').flatMap((d) => [path.join(d, 'chromium'), path.join(d, 'chromium-browser')])];
  for (const c of candidates) {
    if (c === undefined || c === '') continue;
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** Polls `check` every 25 ms until it is true; rejects naming `what` after `ms`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A port free on every one of `hosts` (the phones' web servers share it: commands.web.port). */
export async function commonFreePort(hosts: readonly string[]): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const servers: ReturnType<typeof createServer>[] = [];
    try {
      let port = 0;
      for (const host of hosts) {
        const s = createServer();
        servers.push(s);
        await new Promise<void>((resolve, reject) => {
          s.once('error', reject);
          s.listen({ host, port }, () => resolve());
        });
        port = (s.address() as { port: number }).port;
      }
      return port;
    } catch (e) {
      if (attempt >= 5) throw e;
    } finally {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    }
  }
}

/** A running `snomctl serve` process. */
export interface Served {
  readonly api: string;
  readonly sipPort: number;
  readonly output: () => string;
  stop(): Promise<void>;
}

/** Starts `node --import tsx src/main.ts serve` on loopback with users 2001/2002 and phones' web port `webPort`. */
export async function startServe(options: { webPort: number; token?: string }): Promise<Served> {
  const dir = mkdtempSync(path.join(tmpdir(), 'snomctl-dashboard-'));
  const config = path.join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ commands: { web: { port: options.webPort } } }));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', '--config', config, '--data-dir', path.join(dir, 'data'),
    '--sip-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0', '--domain', DOMAIN, '--user', '2001:pw-2001', '--user', '2002:pw-2002',
    '--log-level', 'warn', ...(options.token === undefined ? [] : ['--token', options.token])], {
    cwd: ROOT, env: { ...process.env, SNOMCTL_CONFIG: '', SNOMCTL_TOKENS: '' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    await stopChild(child, exited);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('snomctl serve to print ready', () => {
      if (child.exitCode !== null) throw new Error(`snomctl serve exited: ${out}`);
      return /^ready$/m.test(out);
    }, 20_000);
  } catch (e) {
    await stop();
    throw e;
  }
  const api = /^api (http:\/\/\S+)$/m.exec(out)![1]!;
  const sipPort = Number(/^sip udp \S+:(\d+)$/m.exec(out)![1]);
  return { api, sipPort, output: () => out, stop };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
  await exited;
  clearTimeout(timer);
}

/** Starts virtual phone `user` on `host` (SIP on a free port, web on `webPort`), registered to the service. */
export async function startPhone(user: string, host: string, sipPort: number, webPort: number): Promise<VirtualPhone> {
  const phone = new VirtualPhone({
    identities: [{ registrar: `127.0.0.1:${sipPort}`, user, password: `pw-${user}`, domain: DOMAIN }],
    sip: { host, port: 0 },
    http: { host, port: webPort },
    waitForRegistration: true,
  });
  try {
    await phone.start();
  } catch (e) {
    await phone.close();
    throw e;
  }
  if (!phone.registered) {
    await phone.close();
    throw new Error(`phone ${user} did not register`);
  }
  return phone;
}

/** Runs the CLI (`node --import tsx src/main.ts …`) as a real process; resolves with its exit code and output. */
export function runCli(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: ROOT, env: { ...process.env, SNOMCTL_URL: '', SNOMCTL_TOKEN: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`snomctl ${args[0]} did not finish within ${timeoutMs} ms: ${stdout}${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
