// The endpoint phones' Action URLs point at (snom-protocol.md §4), as a pure request → response function.
import { isIP } from 'node:net';
import { InvalidOptionError } from '../../util/errors.js';
import { findControlChar } from '../../util/text.js';
import { parseActionUrlEventName, type ActionUrlEvent, type ActionUrlPhone } from './action-url-events.js';

/** Size bounds of an Action URL request. */
export interface ActionUrlLimits {
  /** The path (base path and event name). */
  readonly maxPathLength: number;
  /** The raw query (or the decoded names and values together). */
  readonly maxQueryLength: number;
  readonly maxVariables: number;
  readonly maxNameLength: number;
  readonly maxValueLength: number;
}

/** Defaults of ActionUrlLimits: far above what a phone sends (a few variables of tens of characters). */
export const ACTION_URL_LIMITS: ActionUrlLimits = Object.freeze({
  maxPathLength: 256,
  maxQueryLength: 4096,
  maxVariables: 32,
  maxNameLength: 64,
  maxValueLength: 1024,
});

/** Options of ActionUrlReceiver. */
export interface ActionUrlReceiverOptions {
  /** Where the endpoint is mounted; the event name follows it. Default `/v1/action-url/`. */
  readonly basePath?: string;
  readonly limits?: Partial<ActionUrlLimits>;
  /** Clock, ms since the epoch; default Date.now. */
  readonly now?: () => number;
  /** Who the phone at an address is (e.g. identifyByRegistration); an exception counts as unknown. */
  readonly identify?: (remoteAddress: string) => { readonly user: string; readonly domain?: string } | undefined;
}

/** Why a request was refused. */
export type ActionUrlRejectCode =
  | 'method-not-allowed'
  | 'bad-path'
  | 'unknown-event'
  | 'query-too-long'
  | 'too-many-variables'
  | 'bad-variable-name'
  | 'duplicate-variable'
  | 'value-too-long'
  | 'bad-encoding'
  | 'control-character'
  | 'bad-remote-address';

/** The answer for the HTTP layer: 200 with the event, or an error status with a code and a reason. */
export type ActionUrlResponse =
  | { readonly status: 200; readonly event: ActionUrlEvent }
  | { readonly status: 400 | 404 | 405 | 414; readonly error: { readonly code: ActionUrlRejectCode; readonly message: string } };

/** A query as the HTTP layer may give it: raw (without `?`), or already decoded (fastify's `request.query`). */
export type ActionUrlQuery = string | Readonly<Record<string, unknown>> | undefined;

const NAME = /^[A-Za-z0-9_.-]+$/;
const STATUS: Readonly<Record<ActionUrlRejectCode, 400 | 404 | 405 | 414>> = {
  'method-not-allowed': 405,
  'bad-path': 404,
  'unknown-event': 404,
  'query-too-long': 414,
  'too-many-variables': 400,
  'bad-variable-name': 400,
  'duplicate-variable': 400,
  'value-too-long': 400,
  'bad-encoding': 400,
  'control-character': 400,
  'bad-remote-address': 400,
};

type Reject = Extract<ActionUrlResponse, { error: unknown }>;

function reject(code: ActionUrlRejectCode, message: string): Reject {
  return { status: STATUS[code], error: { code, message } };
}

/**
 * Turns `GET <basePath><event>?name=value&…` from a phone into an ActionUrlEvent. Only GET (what phones
 * send). The event name is parsed by parseActionUrlEventName. A raw query is split at `&`, `+` read as a
 * space and `%XX` decoded as UTF-8 (malformed escapes or UTF-8 are refused); empty segments are skipped;
 * a parameter without `=` has the value ''. Names are 1..64 of `A-Z a-z 0-9 _ . -`, each at most once;
 * values have no control character. Bounds: ActionUrlLimits. Messages never repeat a value. Never throws.
 */
export class ActionUrlReceiver {
  readonly basePath: string;
  readonly limits: ActionUrlLimits;
  readonly #now: () => number;
  readonly #identify: ActionUrlReceiverOptions['identify'];

  constructor(options: ActionUrlReceiverOptions = {}) {
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'must be an object');
    const base = options.basePath ?? '/v1/action-url/';
    if (typeof base !== 'string' || !/^\/(?:[A-Za-z0-9_.-]+\/)*$/.test(base) || base.length > 128) {
      throw new InvalidOptionError('basePath', 'must be an absolute path ending in / of A-Z a-z 0-9 _ . - segments');
    }
    const limits = { ...ACTION_URL_LIMITS, ...options.limits };
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isSafeInteger(value) || value < 1 || value > 1_000_000) throw new InvalidOptionError(`limits.${name}`, 'must be a whole number from 1 to 1000000');
    }
    const now = options.now ?? Date.now;
    if (typeof now !== 'function') throw new InvalidOptionError('now', 'must be a function');
    if (options.identify !== undefined && typeof options.identify !== 'function') throw new InvalidOptionError('identify', 'must be a function');
    this.basePath = base;
    this.limits = Object.freeze(limits);
    this.#now = now;
    this.#identify = options.identify;
  }

  /** Answers one request; `path` may carry the query after `?` when `query` is undefined. */
  handle(method: string, path: string, query: ActionUrlQuery, remoteAddress: string): ActionUrlResponse {
    try {
      return this.#handle(method, path, query, remoteAddress);
    } catch {
      // not reachable for string/object input; a hostile object (throwing getters) lands here
      return reject('bad-encoding', 'the query could not be read');
    }
  }

  #handle(method: string, path: string, query: ActionUrlQuery, remoteAddress: string): ActionUrlResponse {
    if (method !== 'GET') return reject('method-not-allowed', 'only GET is accepted');
    if (typeof path !== 'string') return reject('bad-path', 'the path must be a string');
    let rawQuery = query;
    let p = path;
    const q = path.indexOf('?');
    if (q >= 0) {
      p = path.slice(0, q);
      if (rawQuery === undefined) rawQuery = path.slice(q + 1);
    }
    if (p.length > this.limits.maxPathLength) return reject('bad-path', `the path is longer than ${this.limits.maxPathLength} characters`);
    if (!p.startsWith(this.basePath)) return reject('bad-path', `the path must start with ${this.basePath}`);
    const segment = p.slice(this.basePath.length);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(segment)) return reject('bad-path', 'the path must end in one event name');
    const event = parseActionUrlEventName(segment);
    if (event === undefined) return reject('unknown-event', `unknown event '${segment}'`);

    const address = typeof remoteAddress === 'string' ? unmapped(remoteAddress) : '';
    if (isIP(address) === 0) return reject('bad-remote-address', 'the remote address is not an IP address');

    const variables = typeof rawQuery === 'string' || rawQuery === undefined ? this.#parseRaw(rawQuery ?? '') : this.#parseDecoded(rawQuery);
    if ('error' in variables) return variables;

    return { status: 200, event: { event, phone: this.#phone(address), variables: Object.fromEntries(variables.entries), at: this.#now() } };
  }

  #phone(remoteAddress: string): ActionUrlPhone {
    let who: ReturnType<NonNullable<ActionUrlReceiverOptions['identify']>>;
    try {
      who = this.#identify?.(remoteAddress);
    } catch {
      who = undefined;
    }
    if (who === undefined || who === null || typeof who.user !== 'string') return { remoteAddress };
    return { remoteAddress, user: who.user, ...(typeof who.domain === 'string' ? { domain: who.domain } : {}) };
  }

  #parseRaw(raw: string): { entries: Map<string, string> } | Reject {
    if (raw.length > this.limits.maxQueryLength) return reject('query-too-long', `the query is longer than ${this.limits.maxQueryLength} characters`);
    const pairs: [string, string][] = [];
    for (const part of raw.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const name = decodeComponent(eq < 0 ? part : part.slice(0, eq));
      const value = decodeComponent(eq < 0 ? '' : part.slice(eq + 1));
      if (name === undefined) return reject('bad-encoding', `parameter ${pairs.length + 1}: the name is not valid percent-encoded UTF-8`);
      if (value === undefined) return reject('bad-encoding', `parameter ${pairs.length + 1}: the value is not valid percent-encoded UTF-8`);
      pairs.push([name, value]);
    }
    return this.#check(pairs);
  }

  #parseDecoded(query: Readonly<Record<string, unknown>>): { entries: Map<string, string> } | Reject {
    const pairs: [string, string][] = [];
    let size = 0;
    for (const [name, value] of Object.entries(query)) {
      const values: unknown[] = Array.isArray(value) ? value : [value];
      for (const v of values) {
        if (typeof v !== 'string') return reject('bad-encoding', `parameter ${pairs.length + 1}: the value is not a string`);
        size += name.length + v.length + 2;
        if (size > this.limits.maxQueryLength) return reject('query-too-long', `the query is longer than ${this.limits.maxQueryLength} characters`);
        pairs.push([name, v]);
      }
    }
    return this.#check(pairs);
  }

  #check(pairs: readonly [string, string][]): { entries: Map<string, string> } | Reject {
    const l = this.limits;
    if (pairs.length > l.maxVariables) return reject('too-many-variables', `more than ${l.maxVariables} parameters`);
    const entries = new Map<string, string>();
    for (const [i, [name, value]] of pairs.entries()) {
      const n = i + 1;
      if (name.length === 0 || name.length > l.maxNameLength || !NAME.test(name)) {
        return reject('bad-variable-name', `parameter ${n}: a name is 1 to ${l.maxNameLength} of A-Z a-z 0-9 _ . -`);
      }
      if (entries.has(name)) return reject('duplicate-variable', `parameter ${n}: '${name}' is given twice`);
      if (value.length > l.maxValueLength) return reject('value-too-long', `'${name}' is longer than ${l.maxValueLength} characters`);
      const ctl = findControlChar(value);
      if (ctl) return reject('control-character', `'${name}' contains ${ctl.name} at ${ctl.index}`);
      entries.set(name, value);
    }
    return { entries };
  }
}

/** Form decoding (`+` = space, `%XX` as UTF-8), strict: undefined for a bad escape, bytes that are not UTF-8, or a lone surrogate. */
export function decodeComponent(text: string): string | undefined {
  if (/\p{Cs}/u.test(text)) return undefined;
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function unmapped(address: string): string {
  const lower = address.toLowerCase();
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/.test(lower) ? lower.slice(7) : address;
}
