// The client for phones' web servers: what mod_snom's `snom_command` did with libcurl (CURLAUTH_ANY,
// redirects followed, final 200 = success, `[HTTP:0]` when unreachable), without its defects:
// - every wait is bounded: connect 3 s, total 10 s per request (queue wait, 401 retries, redirects and
//   body included), and an AbortSignal; mod_snom had no timeout at all;
// - at most 2 requests at once per phone origin and 256 overall, queued fairly (FairLimiter);
// - IPv4, IPv6 and host names; http and https (any certificate only when configured insecure);
// - redirects: at most 5 (libcurl was told 15; phones redirect once, to index.htm or to https);
//   GET only; credentials only ever go to the phone's own origin (scheme, host and port), never to
//   another origin a redirect leads to; a Location's userinfo is ignored.
import type { CommandRequest } from '../snom/command-request.js';
import { InvalidOptionError } from '../util/errors.js';
import { findControlChar } from '../util/text.js';
import { AbortFlag } from './abort-flag.js';
import { DeadlineQueue, type DeadlineEntry, type DeadlineList } from './deadline-queue.js';
import { FairLimiter } from './fair-limiter.js';
import { exchange, type ExchangeBody, type ExchangeResponse } from './http-exchange.js';
import {
  defaultPort,
  formatOrigin,
  isRequestTarget,
  resolvePhone,
  type PhoneAddress,
  type PhoneScheme,
  type ResolvedPhone,
} from './phone-address.js';
import { PhoneAuthCache, RequestAuthenticator } from './phone-auth.js';
import { classifyNetworkError } from './network-error.js';
import { phoneFailure, scrubSecrets, type PhoneResult, type PhoneSuccess, type PhoneTlsMode } from './phone-result.js';
import { PoolRegistry, type TlsCa } from './pool-registry.js';

/** Options of a PhoneClient; every field has a default in PHONE_CLIENT_DEFAULTS. */
export interface PhoneClientOptions {
  /** TCP (and TLS) connection establishment limit. */
  readonly connectTimeoutMs?: number;
  /** Total limit per request: queue wait, connect, every 401 retry and redirect, and the body. */
  readonly timeoutMs?: number;
  /** Requests in flight per phone origin (embedded web servers are weak). */
  readonly maxPerPhone?: number;
  /** Requests in flight overall. */
  readonly maxTotal?: number;
  /** Redirects followed per request (mod_snom/libcurl followed 15). */
  readonly maxRedirects?: number;
  /** Accept any certificate from every phone (per phone: PhoneAddress.insecureTls). */
  readonly insecureTls?: boolean;
  /** PEM certificates trusted for verified HTTPS besides Node's bundled roots (a site CA). */
  readonly ca?: TlsCa;
  /** Unused keep-alive sockets are closed after this (sooner when the phone's Keep-Alive says so). */
  readonly keepAliveTimeoutMs?: number;
  /** A phone's pool unused this long is closed. */
  readonly poolIdleTimeoutMs?: number;
  /** Open pools at most; the least recently used idle ones are closed beyond it. */
  readonly maxPools?: number;
  /** Origins × usernames whose auth scheme and Digest nonce are remembered. */
  readonly maxAuthEntries?: number;
  /** Largest body read when a request asks for it (a screenshot); larger fails with `http-status`. */
  readonly maxBodyBytes?: number;
  /** The User-Agent header. */
  readonly userAgent?: string;
}

/** Defaults of PhoneClientOptions. */
export const PHONE_CLIENT_DEFAULTS = Object.freeze({
  connectTimeoutMs: 3_000,
  timeoutMs: 10_000,
  maxPerPhone: 2,
  maxTotal: 256,
  maxRedirects: 5,
  insecureTls: false,
  keepAliveTimeoutMs: 4_000,
  poolIdleTimeoutMs: 60_000,
  maxPools: 4_096,
  maxAuthEntries: 10_000,
  maxBodyBytes: 8 * 1024 * 1024,
  userAgent: 'snomctl',
});

/** Per-request options. Bad values give an `invalid-request` result, never an exception. */
export interface PhoneRequestOptions {
  readonly signal?: AbortSignal;
  /** Overrides the client's timeoutMs for this request. */
  readonly timeoutMs?: number;
  /** Follow 301/302/303/307/308 (default true, as mod_snom did); false makes a 3xx the final status. */
  readonly followRedirects?: boolean;
  /** Final statuses counted as success; default `[200]` (mod_snom's rule). A final 401 is always `auth-failed`. */
  readonly successStatuses?: readonly number[];
  /** Return the final body as a Buffer (bounded by maxBodyBytes). */
  readonly readBody?: boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const DEFAULT_SUCCESS: readonly number[] = Object.freeze([200]);
/** Bytes of an unwanted body read to keep the connection; beyond it the connection is dropped. */
const DUMP_LIMIT = 256 * 1024;

/** Why a request was stopped early: the reason its AbortFlag carries. */
class StopError extends Error {
  readonly why: 'timeout' | 'aborted' | 'closed';

  constructor(why: 'timeout' | 'aborted' | 'closed') {
    super(why);
    this.why = why;
  }
}

/** Stops a request (the first reason wins). */
function stopRequest(flag: AbortFlag, why: StopError['why']): void {
  flag.abort(new StopError(why));
}

/** The abort flag of one request, queued in its client's DeadlineQueue until the request ends. */
class RequestFlag extends AbortFlag implements DeadlineEntry {
  deadline = 0;
  deadlinePrev: DeadlineEntry | undefined = undefined;
  deadlineNext: DeadlineEntry | undefined = undefined;
  deadlineList: DeadlineList | undefined = undefined;

  expire(): void {
    stopRequest(this, 'timeout');
  }
}

function invalidRequest(message: string, started: number): PhoneResult {
  return phoneFailure('invalid-request', 0, message, performance.now() - started);
}

/** Where a redirect leads. */
interface Hop {
  readonly scheme: PhoneScheme;
  readonly host: string;
  readonly origin: string;
  readonly path: string;
}

/** Option names a PhoneClient accepts: anything else is a mistake (a misspelt cap would silently be the default). */
const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  'connectTimeoutMs', 'timeoutMs', 'maxPerPhone', 'maxTotal', 'maxRedirects', 'insecureTls', 'ca',
  'keepAliveTimeoutMs', 'poolIdleTimeoutMs', 'maxPools', 'maxAuthEntries', 'maxBodyBytes', 'userAgent',
]);

/** An empty options object (no allocation for requests without options). */
const NO_OPTIONS: PhoneRequestOptions = Object.freeze({});
/** Reading an unwanted body: dropped, up to DUMP_LIMIT. */
const DUMP_BODY: ExchangeBody = Object.freeze({ keep: false, limit: DUMP_LIMIT });

function whole(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    throw new InvalidOptionError(name, `must be a whole number from ${min} to ${max}`);
  }
  return value as number;
}

/** A header as undici gives it (absent, one value, or several), as a list. */
function headerList(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** A request for messages: origin and path, the query left out. */
function describe(origin: string, path: string): string {
  return `${origin}${pathOnly(path)}`;
}

/** `path` without its query: what messages show (a query may hold a setting's value, e.g. a password). */
function pathOnly(path: string): string {
  const q = path.indexOf('?');
  return q < 0 ? path : `${path.slice(0, q)}?…`;
}

/**
 * Sends GET requests to phones' web servers. One per service: it keeps a keep-alive pool per phone
 * origin, caps concurrency per phone and overall (fair queueing), remembers each phone's auth scheme,
 * and returns every outcome as a PhoneResult value. Call close() when done.
 */
export class PhoneClient {
  readonly options: Readonly<Required<Omit<PhoneClientOptions, 'ca'>>>;
  readonly #limiter: FairLimiter;
  readonly #pools: PoolRegistry;
  readonly #auth: PhoneAuthCache;
  /** Requests in flight or queued, each until its deadline (one timer for all). */
  readonly #deadlines = new DeadlineQueue();
  /** Request headers without credentials (undici does not modify them). */
  readonly #headers: Readonly<Record<string, string>>;
  readonly #keepBody: ExchangeBody;
  #closed = false;

  constructor(options: PhoneClientOptions = {}) {
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'must be an object');
    for (const name of Object.keys(options)) {
      // A name with control characters is shown quoted, so it cannot break a log line.
      if (!KNOWN_OPTIONS.has(name)) throw new InvalidOptionError(findControlChar(name) ? JSON.stringify(name.slice(0, 64)) : name.slice(0, 64), 'is not an option of PhoneClient');
    }
    const d = PHONE_CLIENT_DEFAULTS;
    const userAgent = options.userAgent ?? d.userAgent;
    if (typeof userAgent !== 'string' || userAgent === '' || userAgent.length > 256 || findControlChar(userAgent)) {
      throw new InvalidOptionError('userAgent', 'must be 1 to 256 printable characters');
    }
    const insecureTls = options.insecureTls ?? d.insecureTls;
    if (typeof insecureTls !== 'boolean') throw new InvalidOptionError('insecureTls', 'must be a boolean');
    if (options.ca !== undefined) {
      const list: unknown[] = Array.isArray(options.ca) ? (options.ca as unknown[]) : [options.ca];
      if (list.length === 0 || list.some((c) => typeof c !== 'string' && !Buffer.isBuffer(c))) {
        throw new InvalidOptionError('ca', 'must be PEM text, a Buffer, or a non-empty list of them');
      }
    }
    this.options = Object.freeze({
      connectTimeoutMs: whole('connectTimeoutMs', options.connectTimeoutMs ?? d.connectTimeoutMs, 1),
      timeoutMs: whole('timeoutMs', options.timeoutMs ?? d.timeoutMs, 1),
      maxPerPhone: whole('maxPerPhone', options.maxPerPhone ?? d.maxPerPhone, 1, 1024),
      maxTotal: whole('maxTotal', options.maxTotal ?? d.maxTotal, 1),
      maxRedirects: whole('maxRedirects', options.maxRedirects ?? d.maxRedirects, 0, 50),
      insecureTls,
      keepAliveTimeoutMs: whole('keepAliveTimeoutMs', options.keepAliveTimeoutMs ?? d.keepAliveTimeoutMs, 1),
      poolIdleTimeoutMs: whole('poolIdleTimeoutMs', options.poolIdleTimeoutMs ?? d.poolIdleTimeoutMs, 1),
      maxPools: whole('maxPools', options.maxPools ?? d.maxPools, 1),
      maxAuthEntries: whole('maxAuthEntries', options.maxAuthEntries ?? d.maxAuthEntries, 1),
      maxBodyBytes: whole('maxBodyBytes', options.maxBodyBytes ?? d.maxBodyBytes, 0),
      userAgent,
    });
    const o = this.options;
    this.#headers = Object.freeze({ 'user-agent': userAgent, accept: '*/*' });
    this.#keepBody = Object.freeze({ keep: true, limit: o.maxBodyBytes });
    this.#limiter = new FairLimiter({ perKey: o.maxPerPhone, total: o.maxTotal });
    this.#auth = new PhoneAuthCache(o.maxAuthEntries);
    this.#pools = new PoolRegistry({
      connections: o.maxPerPhone,
      connectTimeoutMs: o.connectTimeoutMs,
      keepAliveTimeoutMs: o.keepAliveTimeoutMs,
      idleTimeoutMs: o.poolIdleTimeoutMs,
      maxPools: o.maxPools,
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
    });
  }

  /** Counters for metrics: requests in flight and queued, open pools, cached auth entries. */
  stats(): { active: number; queued: number; pools: number; authEntries: number } {
    return { active: this.#limiter.active, queued: this.#limiter.queued, pools: this.#pools.size, authEntries: this.#auth.size };
  }

  /**
   * GETs `target` (a built CommandRequest or a path with query) from the phone. Success is a final
   * status in `successStatuses` (default 200). Never throws: every outcome is a PhoneResult.
   */
  async request(phone: PhoneAddress, target: CommandRequest | string, options: PhoneRequestOptions = NO_OPTIONS): Promise<PhoneResult> {
    const started = performance.now();
    const resolved = resolvePhone(phone, { insecureTls: this.options.insecureTls });
    if (!resolved.ok) return invalidRequest(resolved.error, started);
    const path = typeof target === 'string' ? target : target?.pathAndQuery;
    if (!isRequestTarget(path)) return invalidRequest('the request path must start with / and hold only visible ASCII without #', started);
    if (options === null || typeof options !== 'object') return invalidRequest('options must be an object', started);
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) return invalidRequest('timeoutMs must be a positive whole number', started);
    const success = options.successStatuses ?? DEFAULT_SUCCESS;
    if (success !== DEFAULT_SUCCESS && (!Array.isArray(success) || !success.every(Number.isSafeInteger))) {
      return invalidRequest('successStatuses must be a list of status codes', started);
    }
    const signal = options.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) return invalidRequest('signal must be an AbortSignal', started);
    const phoneValue = resolved.value;
    if (this.#closed) return phoneFailure('aborted', 0, `${describe(phoneValue.origin, path)}: the client is closed`, performance.now() - started);
    if (signal?.aborted) return phoneFailure('aborted', 0, `${describe(phoneValue.origin, path)}: aborted before it was sent`, performance.now() - started);

    const flag = new RequestFlag();
    this.#deadlines.add(flag, timeoutMs, started);
    let onAbort: (() => void) | undefined;
    if (signal) {
      onAbort = (): void => stopRequest(flag, 'aborted');
      signal.addEventListener('abort', onAbort, { once: true });
    }
    const key = phoneValue.origin;
    let acquired = false;
    try {
      if (!this.#limiter.tryAcquire(key)) await this.#limiter.wait(key, flag);
      acquired = true;
      return await this.#run(phoneValue, path, options, success, flag, started);
    } catch (e) {
      const ms = performance.now() - started;
      const desc = describe(phoneValue.origin, path);
      const stop = flag.reason instanceof StopError ? flag.reason.why : undefined;
      if (stop === 'timeout') return phoneFailure('timeout', 0, `${desc}: no complete answer within ${timeoutMs} ms`, ms);
      if (stop === 'aborted') return phoneFailure('aborted', 0, `${desc}: aborted by the caller`, ms);
      if (stop === 'closed') return phoneFailure('aborted', 0, `${desc}: the client was closed`, ms);
      const { code, message } = classifyNetworkError(e, this.options.connectTimeoutMs);
      const creds = phoneValue.credentials;
      const q = path.indexOf('?');
      const text = scrubSecrets(`${desc}: ${message}`, [creds?.password, q < 0 ? undefined : path.slice(q + 1)]);
      return phoneFailure(code, 0, text, ms);
    } finally {
      this.#deadlines.remove(flag);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      if (acquired) this.#limiter.release(key);
    }
  }

  /** Aborts requests in flight and queued (`aborted` results), closes every pool; later requests fail `aborted`. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const flag of this.#deadlines.entries()) stopRequest(flag as RequestFlag, 'closed');
    this.#limiter.rejectAll(new Error('closed'));
    this.#auth.clear();
    await this.#pools.close();
  }

  #tlsMode(phone: ResolvedPhone, scheme: PhoneScheme, host: string): PhoneTlsMode {
    if (scheme === 'http') return 'none';
    // A phone's insecureTls covers its own host (also an http→https redirect), not other hosts.
    return this.options.insecureTls || (phone.insecureTls && host === phone.host) ? 'insecure' : 'verified';
  }

  /**
   * The request's hops (the phone, then where redirects lead), each with its 401 retries: the final
   * result. Rejects only when the exchange does (network failure, or the flag stopped it).
   */
  async #run(phone: ResolvedPhone, firstPath: string, options: PhoneRequestOptions, success: readonly number[], flag: AbortFlag, started: number): Promise<PhoneResult> {
    const body = options.readBody ? this.#keepBody : DUMP_BODY;
    const follow = options.followRedirects ?? true;
    let hop: Hop = { scheme: phone.scheme, host: phone.host, origin: phone.origin, path: firstPath };
    let redirects = 0;
    for (;;) {
      const tls = this.#tlsMode(phone, hop.scheme, hop.host);
      // Credentials only ever go to the phone's own origin.
      const auth = phone.credentials && hop.origin === phone.origin ? new RequestAuthenticator(this.#auth, phone.origin, phone.credentials) : undefined;
      // The pool stays marked in use until the body is consumed, so no sweep closes it meanwhile.
      const entry = this.#pools.use(hop.origin, tls);
      let response: ExchangeResponse;
      let refused: string | undefined;
      try {
        let authorization = auth?.initial(hop.path);
        for (;;) {
          const headers = authorization === undefined ? this.#headers : { ...this.#headers, authorization };
          response = await exchange(entry.pool, hop.path, headers, flag, body);
          if (auth === undefined) break;
          if (response.status !== 401) {
            auth.accepted();
            break;
          }
          const step = auth.answer(headerList(response.headers['www-authenticate']), hop.path);
          if (!step.ok) {
            refused = step.message;
            break;
          }
          authorization = step.authorization;
        }
      } finally {
        this.#pools.done(entry);
      }
      const { status } = response;
      const latencyMs = performance.now() - started;
      if (status === 401) {
        return phoneFailure('auth-failed', 401, `${describe(hop.origin, hop.path)}: ${refused ?? 'the phone requires authentication and no credentials apply'}`, latencyMs);
      }
      if (follow && REDIRECTS.has(status)) {
        const location = headerList(response.headers.location)[0];
        const next = location === undefined ? undefined : this.#redirectTarget(hop, location);
        if (next === undefined) return phoneFailure('http-status', status, `${describe(hop.origin, hop.path)}: ${status} without a usable http(s) Location`, latencyMs);
        if (redirects >= this.options.maxRedirects) {
          return phoneFailure('too-many-redirects', status, `${describe(hop.origin, hop.path)}: more than ${this.options.maxRedirects} redirects`, latencyMs);
        }
        redirects++;
        hop = next;
        continue;
      }
      if (!success.includes(status)) return phoneFailure('http-status', status, `${describe(hop.origin, hop.path)}: HTTP ${status}`, latencyMs);
      if (options.readBody && response.bodyTooLarge) {
        return phoneFailure('http-status', status, `${describe(hop.origin, hop.path)}: body larger than ${this.options.maxBodyBytes} bytes`, latencyMs);
      }
      const scheme = auth?.scheme ?? 'none';
      const result: PhoneSuccess =
        response.body === undefined
          ? { ok: true, status, headers: response.headers, tls, auth: scheme, latencyMs, redirects }
          : { ok: true, status, headers: response.headers, body: response.body, tls, auth: scheme, latencyMs, redirects };
      return result;
    }
  }

  /** Where a redirect leads: an http(s) URL resolved against the hop, userinfo and fragment dropped. */
  #redirectTarget(from: Hop, location: string): Hop | undefined {
    if (findControlChar(location)) return undefined;
    let url: URL;
    try {
      url = new URL(location, `${from.origin}${from.path}`);
    } catch {
      return undefined;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    const scheme: PhoneScheme = url.protocol === 'https:' ? 'https' : 'http';
    const port = url.port === '' ? defaultPort(scheme) : Number(url.port);
    const path = `${url.pathname}${url.search}`;
    if (!isRequestTarget(path)) return undefined;
    return { scheme, host: url.hostname, origin: formatOrigin(scheme, url.hostname, port), path };
  }
}
