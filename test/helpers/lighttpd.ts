// Starts Debian's lighttpd as a real Digest-protected web server (mod_auth + htdigest) for the phone
// client's integration tests: `/command.htm` (a static file) behind authentication, like a phone.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Where Debian installs the binary. */
export const LIGHTTPD_BIN = '/usr/sbin/lighttpd';

/** Why lighttpd cannot run here, or undefined when it can. */
export function lighttpdMissing(): string | undefined {
  return existsSync(LIGHTTPD_BIN) ? undefined : `${LIGHTTPD_BIN} not found (Debian package lighttpd; .ci/run installs it)`;
}

export interface LighttpdOptions {
  /** Loopback address to bind, e.g. 127.0.0.71. */
  readonly host: string;
  /** user → password; written to an htdigest file as `user:realm:md5(user:realm:password)`. */
  readonly users: Record<string, string>;
  /** Default `snom`. */
  readonly realm?: string;
  /** Digest algorithm lighttpd offers; default MD5 (what an htdigest file holds). */
  readonly algorithm?: 'MD5' | 'SHA-256';
}

export interface Lighttpd {
  readonly host: string;
  readonly port: number;
  readonly realm: string;
  /** Its error log so far. */
  log(): string;
  /** The status of every response so far, in order. */
  statuses(): number[];
  close(): Promise<void>;
}

function htdigestLine(user: string, realm: string, password: string, algorithm: 'MD5' | 'SHA-256'): string {
  const hash = algorithm === 'MD5' ? 'md5' : 'sha256';
  return `${user}:${realm}:${createHash(hash).update(`${user}:${realm}:${password}`).digest('hex')}`;
}

function config(dir: string, host: string, port: number, realm: string, algorithm: string): string {
  return `server.document-root = "${dir}/www"
server.bind = "${host}"
server.port = ${port}
server.errorlog = "${dir}/error.log"
server.modules = ( "mod_auth", "mod_authn_file" )
# Response headers go to the error log, written at once (the access log is buffered): statuses() reads them.
debug.log-response-header = "enable"
# lighttpd delays answers to wrong credentials (brute-force brake); tests need no brake.
server.feature-flags = ( "auth.delay-invalid-creds" => "disable" )
mimetype.assign = ( ".htm" => "text/html" )
auth.backend = "htdigest"
auth.backend.htdigest.userfile = "${dir}/htdigest"
auth.require = ( "/command.htm" => ( "method" => "digest", "realm" => "${realm}", "require" => "valid-user", "algorithm" => "${algorithm}" ) )
`;
}

async function freePort(host: string): Promise<number> {
  const probe = net.createServer();
  probe.listen(0, host);
  await once(probe, 'listening');
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function waitForPort(host: string, port: number, timeoutMs: number, dead: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (dead()) throw new Error('lighttpd exited');
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
}

/** Starts lighttpd in the foreground (`-D`); resolves once it accepts connections. */
export async function startLighttpd(options: LighttpdOptions): Promise<Lighttpd> {
  const missing = lighttpdMissing();
  if (missing) throw new Error(missing);
  const realm = options.realm ?? 'snom';
  const algorithm = options.algorithm ?? 'MD5';
  const dir = mkdtempSync(path.join(tmpdir(), 'snomctl-lighttpd-'));
  mkdirSync(path.join(dir, 'www'));
  writeFileSync(path.join(dir, 'www', 'command.htm'), '<html><body>OK</body></html>\n');
  writeFileSync(path.join(dir, 'www', 'index.htm'), '<html><body>index</body></html>\n');
  writeFileSync(
    path.join(dir, 'htdigest'),
    Object.entries(options.users).map(([u, p]) => htdigestLine(u, realm, p, algorithm)).join('\n') + '\n',
  );
  const port = await freePort(options.host);
  const conf = path.join(dir, 'lighttpd.conf');
  writeFileSync(conf, config(dir, options.host, port, realm, algorithm));
  const proc: ChildProcess = spawn(LIGHTTPD_BIN, ['-D', '-f', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const log = (): string => {
    let text = stderr;
    try {
      text += readFileSync(path.join(dir, 'error.log'), 'utf8');
    } catch {
      // not written yet
    }
    return text;
  };
  const close = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(options.host, port, 5000, () => proc.exitCode !== null);
  } catch (e) {
    const text = log();
    await close();
    throw new Error(`lighttpd did not start: ${(e as Error).message}\n${text.slice(-2000)}`, { cause: e });
  }
  const statuses = (): number[] => [...log().matchAll(/ resp: HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
  return { host: options.host, port, realm, log, statuses, close };
}
