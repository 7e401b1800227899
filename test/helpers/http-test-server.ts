// A small real HTTP/HTTPS server for the phone client's tests: configurable authentication (none,
// Basic, Digest via DigestServer), records requests, can hang, redirect, answer anything; tracks how
// many requests it handles at once. Also a "black hole" TCP address whose connects never complete.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { DigestServer, type DigestServerOptions } from '../../src/util/digest-server.js';

/** Concurrency counters, shareable between servers to observe an overall cap. */
export interface ConcurrencyTracker {
  current: number;
  max: number;
}

/** A request as the server saw it. */
export interface RecordedRequest {
  readonly method: string;
  /** The request target exactly as sent (`/command.htm?key=%23`). */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  /** Whether it passed authentication (always true without auth). */
  readonly authorized: boolean;
}

/** What to answer; `hang` accepts the request and never answers. */
export type TestReply =
  | { readonly status: number; readonly headers?: Record<string, string | string[]>; readonly body?: string | Buffer; readonly delayMs?: number }
  | 'hang';

/** Authentication the server demands (for every path unless `paths` limits it). */
export interface TestAuth {
  readonly users: Record<string, string>;
  readonly realm?: string;
  /** Offer Basic. */
  readonly basic?: boolean;
  /** Offer Digest with these DigestServer options (realm is taken from `realm`). */
  readonly digest?: Omit<DigestServerOptions, 'realm'>;
  /** Only paths (without query) in this list are protected. */
  readonly paths?: readonly string[];
  /** The first N correct Digest answers are refused with a `stale=true` challenge. */
  readonly staleAnswers?: number;
}

export interface TestServerOptions {
  /** Loopback address; default 127.0.0.1. */
  readonly host?: string;
  readonly port?: number;
  /** HTTPS with this key and certificate (PEM). */
  readonly tls?: { readonly key: string; readonly cert: string };
  readonly auth?: TestAuth;
  /** Answers authorized requests; default 200 `OK`. */
  readonly handler?: (req: RecordedRequest) => TestReply;
  /** Delay before every answer. */
  readonly delayMs?: number;
  /** Keep a log of requests; default true (the benchmark turns it off). */
  readonly record?: boolean;
  /** Also counts into this tracker (e.g. one shared by many servers). */
  readonly sharedTracker?: ConcurrencyTracker;
}

export interface TestServer {
  readonly host: string;
  readonly port: number;
  /** `http://127.0.0.1:1234` (IPv6 hosts bracketed). */
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** Requests being handled now and the most at once. */
  readonly concurrency: ConcurrencyTracker;
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

function checkBasic(header: string | undefined, users: Record<string, string>): boolean {
  if (header === undefined || !/^Basic /i.test(header)) return false;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const user = decoded.slice(0, colon);
  return Object.hasOwn(users, user) && users[user] === decoded.slice(colon + 1);
}

/** Starts a server; resolves once it listens. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const host = options.host ?? '127.0.0.1';
  const record = options.record ?? true;
  const requests: RecordedRequest[] = [];
  const concurrency: ConcurrencyTracker = { current: 0, max: 0 };
  const shared = options.sharedTracker;
  const auth = options.auth;
  const realm = auth?.realm ?? 'snom';
  const digest = auth?.digest ? new DigestServer({ ...auth.digest, realm }) : undefined;
  const timers = new Set<NodeJS.Timeout>();
  let connections = 0;
  let staleLeft = auth?.staleAnswers ?? 0;

  const authorize = (req: http.IncomingMessage): { ok: true } | { ok: false; challenges: string[] } => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (!auth || (auth.paths && !auth.paths.includes(path))) return { ok: true };
    const header = req.headers.authorization;
    const fresh = (stale = false): string[] => [...(digest ? digest.challenge({ stale }) : []), ...(auth.basic ? [`Basic realm="${realm}"`] : [])];
    if (header === undefined) return { ok: false, challenges: fresh() };
    if (auth.basic && checkBasic(header, auth.users)) return { ok: true };
    if (digest && /^Digest /i.test(header)) {
      const v = digest.verify(header, req.method ?? 'GET', (u) => (Object.hasOwn(auth.users, u) ? { password: auth.users[u]! } : undefined), { uri: req.url ?? '' });
      if (v.status === 'ok' && staleLeft > 0) {
        staleLeft--;
        return { ok: false, challenges: fresh(true) };
      }
      if (v.status === 'ok') return { ok: true };
      if (v.status === 'stale') return { ok: false, challenges: fresh(true) };
    }
    return { ok: false, challenges: fresh() };
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    concurrency.current++;
    concurrency.max = Math.max(concurrency.max, concurrency.current);
    if (shared) {
      shared.current++;
      shared.max = Math.max(shared.max, shared.current);
    }
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      concurrency.current--;
      if (shared) shared.current--;
    };
    res.on('close', finish);
    const verdict = authorize(req);
    const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, authorized: verdict.ok };
    if (record) requests.push(recorded);
    const reply: TestReply = verdict.ok
      ? (options.handler?.(recorded) ?? { status: 200, body: 'OK' })
      : { status: 401, headers: { 'www-authenticate': verdict.challenges }, body: 'Unauthorized' };
    if (reply === 'hang') return;
    const send = (): void => {
      const body = reply.body ?? '';
      res.writeHead(reply.status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), ...reply.headers });
      res.end(body);
    };
    const delay = (reply.delayMs ?? 0) + (options.delayMs ?? 0);
    if (delay > 0) {
      const t = setTimeout(() => {
        timers.delete(t);
        send();
      }, delay);
      timers.add(t);
    } else {
      send();
    }
  };

  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, onRequest) : http.createServer(onRequest);
  server.keepAliveTimeout = 5000;
  server.on(options.tls ? 'secureConnection' : 'connection', () => connections++);
  server.listen(options.port ?? 0, host);
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const hostInUrl = net.isIPv6(host) ? `[${host}]` : host;
  return {
    host,
    port,
    origin: `${options.tls ? 'https' : 'http'}://${hostInUrl}:${port}`,
    requests,
    concurrency,
    connections: () => connections,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A TCP address whose new connections never complete the handshake. */
export interface BlackHole {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A loopback port whose connects hang: a child process listens with backlog 1 and blocks its event
 * loop (Atomics.wait), so it never accepts; the connections filling its accept queue are opened here,
 * after which Linux drops new SYNs (the accept queue is full) and a connect waits for its timeout.
 * The child exits by itself after `lifetimeMs` and is killed by close().
 */
export async function startBlackHole(host: string, lifetimeMs = 30_000): Promise<BlackHole> {
  const code =
    `const s=require('net').createServer();s.listen({host:${JSON.stringify(host)},port:0,backlog:1},()=>{` +
    `process.stdout.write(s.address().port+'\\n');` +
    `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,${lifetimeMs});process.exit(0)})`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const killTimer = setTimeout(() => child.kill('SIGKILL'), lifetimeMs + 5000);
  killTimer.unref();
  const exited = once(child, 'exit');
  const fillers: net.Socket[] = [];
  const close = async (): Promise<void> => {
    for (const s of fillers) s.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    clearTimeout(killTimer);
  };
  try {
    const [line] = (await Promise.race([
      once(child.stdout!, 'data'),
      new Promise((_, reject) => setTimeout(() => reject(new Error('black hole child did not start')), 5000).unref()),
    ])) as [Buffer];
    const port = Number(line.toString().trim());
    // Fill the accept queue until a connect no longer completes.
    for (let i = 0; i < 64; i++) {
      const socket = net.connect({ host, port });
      socket.on('error', () => undefined);
      fillers.push(socket);
      const connected = await Promise.race([
        once(socket, 'connect').then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 300).unref()),
      ]);
      if (!connected) return { host, port, close };
    }
    throw new Error('the accept queue never filled');
  } catch (e) {
    await close();
    throw e;
  }
}

/** A self-signed EC certificate for `hosts` (IP literals or names), with its key (PEM). */
export async function testCertificate(hosts: readonly string[]): Promise<{ key: string; cert: string }> {
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: hosts[0] ?? 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: hosts.map((h) => (net.isIP(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h })) },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
