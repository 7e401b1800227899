// Starts a real Kamailio (Debian `kamailio`) as a registrar/proxy for integration tests and benchmarks.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import dgram from 'node:dgram';
import { processTreeCpu } from './proc-cpu.js';

/** Where Debian installs the binary and its modules. */
export const KAMAILIO_BIN = '/usr/sbin/kamailio';
const MODULE_DIRS = ['/usr/lib/x86_64-linux-gnu/kamailio/modules', '/usr/lib/aarch64-linux-gnu/kamailio/modules'];

/** Why Kamailio cannot run here, or undefined when it can. */
export function kamailioMissing(): string | undefined {
  if (!existsSync(KAMAILIO_BIN)) return `${KAMAILIO_BIN} not found (Debian package kamailio; .ci/run installs it)`;
  if (!MODULE_DIRS.some((d) => existsSync(d))) return 'kamailio modules directory not found';
  return undefined;
}

export interface KamailioOptions {
  /** Listen address (loopback only), e.g. 127.0.0.5. */
  host: string;
  port: number;
  /** Digest users: user → password. Users not listed fall back to `defaultPassword` when set. */
  users?: Record<string, string>;
  /** Password for any user not in `users` (e.g. for 1,000 generated phones); unset = unknown users are refused. */
  defaultPassword?: string;
  /** Digest realm (also the domain phones register under). */
  realm?: string;
  /** Worker processes per listener. */
  children?: number;
}

/** A running Kamailio; `close()` kills it and removes its temp dir. */
export interface Kamailio {
  readonly host: string;
  readonly port: number;
  readonly realm: string;
  /** Everything it wrote to stderr so far (its log). */
  log(): string;
  /** CPU time (µs) used so far by its main process and the workers it forked (-DD forks them all from it). */
  cpuMicros(): number | undefined;
  close(): Promise<void>;
}

/** An htable key as Kamailio's config grammar takes it: digits/letters only (test users are such). */
function kamailioKey(user: string): string {
  if (!/^[A-Za-z0-9_.+-]+$/.test(user)) throw new Error(`kamailio helper: unsupported user name ${JSON.stringify(user)}`);
  return user;
}

function config(o: Required<Omit<KamailioOptions, 'users' | 'defaultPassword'>> & KamailioOptions, moduleDir: string): string {
  const users = Object.entries(o.users ?? {})
    .map(([u, p]) => `  $sht(users=>${kamailioKey(u)}) = ${JSON.stringify(p)};`)
    .join('\n');
  const fallback =
    o.defaultPassword === undefined
      ? '    sl_send_reply("403", "Unknown User"); exit;'
      : `    $var(pw) = ${JSON.stringify(o.defaultPassword)};`;
  return `#!KAMAILIO
debug=1
log_stderror=yes
children=${o.children}
tcp_children=${o.children}
auto_aliases=no
alias="${o.realm}"
listen=udp:${o.host}:${o.port}
listen=tcp:${o.host}:${o.port}
mpath="${moduleDir}/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "auth.so"
loadmodule "htable.so"
loadmodule "ctl.so"
modparam("ctl", "binrpc", "unix:/tmp/kamailio_ctl_${o.host}_${o.port}")
modparam("usrloc", "db_mode", 0)
modparam("registrar", "max_expires", 3600)
modparam("registrar", "min_expires", 10)
modparam("htable", "htable", "users=>size=14;")

event_route[htable:mod-init] {
  $var(init) = 1;
${users}
}

request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (is_method("REGISTER")) {
    if ($sht(users=>$fU) != $null) {
      $var(pw) = $sht(users=>$fU);
    } else {
${fallback}
    }
    if (!pv_auth_check("$fd", "$var(pw)", "0", "1")) { auth_challenge("$fd", "1"); exit; }
    consume_credentials();
    if (!save("location")) { sl_reply_error(); }
    exit;
  }
  if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
  if (has_totag()) { if (loose_route()) { t_relay(); exit; } sl_send_reply("404", "Not Here"); exit; }
  if (!lookup("location")) { sl_send_reply("404", "Not Registered"); exit; }
  if (!t_relay()) { sl_reply_error(); }
  exit;
}
`;
}

/** Starts Kamailio with in-memory usrloc and digest auth; resolves once it answers OPTIONS. */
export async function startKamailio(options: KamailioOptions): Promise<Kamailio> {
  const missing = kamailioMissing();
  if (missing) throw new Error(missing);
  const o = { realm: 'example.com', children: 2, ...options };
  const moduleDir = MODULE_DIRS.find((d) => existsSync(d))!;
  const dir = mkdtempSync(path.join(tmpdir(), 'snomctl-kamailio-'));
  const cfg = path.join(dir, 'kamailio.cfg');
  writeFileSync(cfg, config(o, moduleDir));
  const proc: ChildProcess = spawn(KAMAILIO_BIN, ['-f', cfg, '-DD', '-E', '-m', '256', '-M', '16', '-P', path.join(dir, 'pid'), '-Y', dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    log = (log + d).slice(-200_000);
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const kill = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForOptions(o.host, o.port, 8000, () => proc.exitCode !== null);
  } catch (e) {
    await kill();
    throw new Error(`kamailio did not start: ${(e as Error).message}\n${log.slice(-2000)}`, { cause: e });
  }
  return { host: o.host, port: o.port, realm: o.realm, log: () => log, cpuMicros: () => processTreeCpu(proc.pid!), close: kill };
}

async function waitForOptions(host: string, port: number, timeoutMs: number, dead: () => boolean): Promise<void> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const deadline = Date.now() + timeoutMs;
  try {
    for (let i = 0; Date.now() < deadline; i++) {
      if (dead()) throw new Error('process exited');
      const got = new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), 200);
        sock.once('message', () => {
          clearTimeout(t);
          resolve(true);
        });
      });
      const { port: lport } = sock.address();
      const msg =
        `OPTIONS sip:${host}:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${lport};branch=z9hG4bKprobe${i}\r\n` +
        `Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=p${i}\r\nTo: <sip:${host}>\r\nCall-ID: probe${i}@127.0.0.1\r\n` +
        `CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
      sock.send(msg, port, host);
      if (await got) return;
    }
    throw new Error(`no answer to OPTIONS within ${timeoutMs} ms`);
  } finally {
    sock.close();
  }
}
