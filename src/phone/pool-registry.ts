// Keep-alive connection pools, one per phone origin and TLS mode; idle pools are closed so memory stays
// bounded with thousands of phones.
import { rootCertificates } from 'node:tls';
import type { Socket } from 'node:net';
import { Pool, buildConnector, errors } from 'undici';
import type { PhoneTlsMode } from './phone-result.js';

/** Certificates (PEM) trusted for `verified` TLS in addition to Node's bundled roots. */
export type TlsCa = string | Buffer | readonly (string | Buffer)[];

/** Options of a PoolRegistry (validated by PhoneClient). */
export interface PoolRegistryOptions {
  /** Sockets per pool: the per-phone concurrency cap. */
  readonly connections: number;
  readonly connectTimeoutMs: number;
  /** How long an unused keep-alive socket is kept (the phone's Keep-Alive hint wins when shorter). */
  readonly keepAliveTimeoutMs: number;
  /** A pool unused this long is closed. */
  readonly idleTimeoutMs: number;
  /** At most this many pools; beyond it the least recently used idle ones are closed. */
  readonly maxPools: number;
  readonly ca?: TlsCa;
}

function caList(ca: TlsCa): (string | Buffer)[] {
  return typeof ca === 'string' || Buffer.isBuffer(ca) ? [ca] : [...(ca as readonly (string | Buffer)[])];
}

/**
 * Wraps a connector with a connect timeout (TCP, and the TLS handshake for https) measured by a plain
 * timer: the connect fails with undici's ConnectTimeoutError (`UND_ERR_CONNECT_TIMEOUT`) on time.
 */
export function timedConnector(connect: buildConnector.connector, timeoutMs: number): buildConnector.connector {
  return (options, callback) => {
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      socket?.destroy();
      callback(new errors.ConnectTimeoutError(`no connection to ${options.hostname}:${options.port} within ${timeoutMs} ms`), null);
    }, timeoutMs);
    // undici's connector returns the socket it creates (its type says void).
    const socket = (connect as (o: typeof options, cb: buildConnector.Callback) => Socket | undefined)(options, (...args) => {
      if (done) {
        args[1]?.destroy();
        return;
      }
      done = true;
      clearTimeout(timer);
      callback(...args);
    });
  };
}

/** A pool with its use count; `inFlight` > 0 keeps it from being closed. */
export interface PoolEntry {
  readonly pool: Pool;
  inFlight: number;
  lastUsed: number;
}

/** Pools by `origin|tls`. A socket made for `insecure` is never reused for `verified`. */
export class PoolRegistry {
  readonly #options: PoolRegistryOptions;
  /** In least-recently-used order: re-inserted on every use. */
  readonly #pools = new Map<string, PoolEntry>();
  readonly #sweeper: NodeJS.Timeout;
  readonly #closing = new Set<Promise<void>>();
  /** The most recently used entry (the last in #pools), with its origin and TLS mode: a repeat use skips the re-insertion. */
  #last: { readonly origin: string; readonly tls: PhoneTlsMode; readonly entry: PoolEntry } | undefined;

  constructor(options: PoolRegistryOptions) {
    this.#options = options;
    this.#sweeper = setInterval(() => this.sweep(), Math.max(10, Math.floor(Math.min(options.idleTimeoutMs, 60_000) / 2)));
    this.#sweeper.unref();
  }

  /** Number of open pools. */
  get size(): number {
    return this.#pools.size;
  }

  /** The pool for an origin and TLS mode, created on first use; the caller must call done() once. */
  use(origin: string, tls: PhoneTlsMode): PoolEntry {
    const last = this.#last;
    if (last !== undefined && last.origin === origin && last.tls === tls) {
      last.entry.inFlight++;
      last.entry.lastUsed = performance.now();
      return last.entry;
    }
    const key = `${origin}|${tls}`;
    let entry = this.#pools.get(key);
    if (entry === undefined) {
      entry = { pool: this.#create(origin, tls), inFlight: 0, lastUsed: 0 };
      if (this.#pools.size >= this.#options.maxPools) this.#evict();
    } else {
      this.#pools.delete(key);
    }
    this.#pools.set(key, entry);
    this.#last = { origin, tls, entry };
    entry.inFlight++;
    entry.lastUsed = performance.now();
    return entry;
  }

  /** Ends one use of an entry. */
  done(entry: PoolEntry): void {
    entry.inFlight--;
    entry.lastUsed = performance.now();
  }

  /** Closes pools unused for idleTimeoutMs. */
  sweep(now = performance.now()): void {
    for (const [key, entry] of this.#pools) {
      // LRU order: the first recent one ends the scan.
      if (now - entry.lastUsed < this.#options.idleTimeoutMs) break;
      if (entry.inFlight === 0) this.#close(key, entry);
    }
  }

  /** Destroys every pool (in-flight requests fail) and stops the sweeper. */
  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    const all = [...this.#pools.values()];
    this.#pools.clear();
    this.#last = undefined;
    await Promise.all([...all.map((e) => e.pool.destroy().catch(() => undefined)), ...this.#closing]);
  }

  #create(origin: string, tls: PhoneTlsMode): Pool {
    const o = this.#options;
    const connect = buildConnector({
      timeout: 0, // replaced by timedConnector: undici's own timer is only accurate to about a second
      ...(tls === 'insecure' ? { rejectUnauthorized: false } : {}),
      // `ca` replaces Node's roots, so they are passed along.
      ...(tls === 'verified' && o.ca !== undefined ? { ca: [...rootCertificates, ...caList(o.ca)] } : {}),
    });
    return new Pool(origin, {
      connections: o.connections,
      pipelining: 1,
      keepAliveTimeout: o.keepAliveTimeoutMs,
      keepAliveMaxTimeout: o.keepAliveTimeoutMs,
      connect: timedConnector(connect, o.connectTimeoutMs),
    });
  }

  #evict(): void {
    for (const [key, entry] of this.#pools) {
      if (entry.inFlight === 0) {
        this.#close(key, entry);
        return;
      }
    }
  }

  #close(key: string, entry: PoolEntry): void {
    this.#pools.delete(key);
    if (this.#last?.entry === entry) this.#last = undefined;
    const closing = entry.pool.close().catch(() => undefined);
    this.#closing.add(closing);
    void closing.then(() => this.#closing.delete(closing));
  }
}
