// The challenging side of Digest authentication (RFC 7616 §3.3/§3.5, RFC 3261 §22.4, RFC 8760):
// stateless HMAC nonces, a bounded replay tracker for nc, constant-time response checks.
import { createHash, createHmac, hash as oneShotHash, randomBytes, randomFillSync } from 'node:crypto';
import { InvalidOptionError } from './errors.js';
import { findControlChar } from './text.js';
import {
  DIGEST_ALGORITHMS,
  computeDigestResponse,
  digestHashOf,
  digestHexLength,
  formatDigestChallenge,
  hashHex,
  parseDigestAlgorithm,
  parseDigestCredentials,
  parseNc,
  type DigestAlgorithm,
  type DigestCredentials,
  type DigestHash,
  type DigestQop,
  type DigestSecret,
} from './digest.js';
import { NcTracker } from './nc-tracker.js';

/** Options of a DigestServer. */
export interface DigestServerOptions {
  readonly realm: string;
  /** Algorithms offered, one challenge each (SHA-256 ones first); default SHA-256 and MD5. */
  readonly algorithms?: readonly DigestAlgorithm[];
  /** qop values offered; default `['auth']`; `[]` challenges without qop (RFC 2069, no replay protection). */
  readonly qop?: readonly DigestQop[];
  /** How long a nonce is accepted before answers with it are `stale`; default 300 000 ms. */
  readonly nonceLifetimeMs?: number;
  /** Clock in ms; default Date.now. */
  readonly now?: () => number;
  /** HMAC key for nonces, at least 16 bytes; default random, so nonces do not outlive the process. */
  readonly secret?: string | Uint8Array;
  /** Nonces tracked for nc replay protection (LRU); default 50 000. */
  readonly maxTrackedNonces?: number;
}

/** Defaults of DigestServerOptions. */
export const DIGEST_SERVER_DEFAULTS = Object.freeze({
  algorithms: Object.freeze(['SHA-256', 'MD5'] as const),
  qop: Object.freeze(['auth'] as const),
  nonceLifetimeMs: 300_000,
  maxTrackedNonces: 50_000,
});

/** Why credentials were refused. */
export type DigestFailureReason =
  | 'malformed' // not parsable Digest credentials, or a bad nc
  | 'uri-missing'
  | 'uri-mismatch' // differs from the request URI given to verify
  | 'realm-mismatch'
  | 'unsupported-algorithm' // not offered, or no stored HA1 for its hash
  | 'bad-qop' // qop missing though offered, not offered, or without nc/cnonce
  | 'bad-nonce' // not issued by this secret (foreign or forged)
  | 'unknown-user'
  | 'wrong-response'
  | 'replayed-nc';

/** Result of verify: accepted; right but the nonce is expired (re-challenge with stale=true); or refused. */
export type DigestVerifyResult =
  | { readonly status: 'ok'; readonly username: string; readonly algorithm: DigestAlgorithm; readonly qop: DigestQop | undefined }
  | { readonly status: 'stale'; readonly username: string }
  | { readonly status: 'failure'; readonly reason: DigestFailureReason; readonly username?: string };

/** Finds the secret of a user in a realm; undefined for an unknown user. */
export type DigestLookup = (username: string, realm: string) => DigestSecret | undefined;

/** What verify knows of the request besides the credentials. */
export interface DigestRequest {
  /** When given, the credentials' uri must equal it exactly. */
  readonly uri?: string;
  /** The body, for qop=auth-int; empty when absent. */
  readonly body?: string | Uint8Array;
}

// Nonce: base64url(issue time 6 bytes ‖ random 9 bytes ‖ HMAC-SHA256(secret, first 15 bytes)[0..15]).
const NONCE_TIME = 6;
const NONCE_DATA = NONCE_TIME + 9;
const NONCE_BYTES = NONCE_DATA + 15;
/** base64url digit values by character code (-1: not a base64url character). */
const B64URL = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64URL['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.charCodeAt(i)] = i;
const NONCE_MAC = NONCE_BYTES - NONCE_DATA;
/** HMAC-SHA256 block size (RFC 2104 B). */
const BLOCK = 64;
/** Random bytes drawn from the CSPRNG at once: one call per 455 nonces. */
const RANDOM_POOL = 9 * 455;
const HAS_ONE_SHOT = typeof oneShotHash === 'function';
// A nonce placeholder for challenge templates: base64url characters, so it is never escaped.
const NONCE_SLOT = 'NONCE0SLOT0NONCE0SLOT0NONCE0SLOT0NONCE0S';

/** A challenge value cut around its nonce: `${head}${nonce}${tail}` (tail with or without stale=true). */
interface ChallengeTemplate {
  readonly head: string;
  readonly tail: string;
  readonly staleTail: string;
}

type Prepared =
  | { readonly done: DigestVerifyResult }
  | { readonly done?: undefined; readonly creds: DigestCredentials; readonly algorithm: DigestAlgorithm;
      readonly qop: DigestQop | undefined; readonly nc: number | undefined; readonly issuedAt: number;
      readonly method: string; readonly body: string | Uint8Array | undefined };

/** A verify failure found before the lookup. */
function failed(reason: DigestFailureReason, creds: DigestCredentials): Prepared {
  return { done: { status: 'failure', reason, username: creds.username } };
}

/**
 * Whether `given` (hex digits in either case) spells `expected` (lower-case hex), in time independent of
 * where they differ.
 */
function sameHex(given: string, expected: string): boolean {
  if (given.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < given.length; i++) {
    const c = given.charCodeAt(i);
    diff |= (c >= 65 && c <= 90 ? c | 0x20 : c) ^ expected.charCodeAt(i);
  }
  return diff === 0;
}

/** Entries of each hash cache; a full cache starts over (no per-hit bookkeeping). */
const CACHE_ENTRIES = 1024;
/** Longer `method:uri` texts are hashed every time rather than kept. */
const MAX_CACHED_A2 = 256;

function remember(cache: Map<string, string>, key: string, value: string): void {
  if (cache.size >= CACHE_ENTRIES) cache.clear();
  cache.set(key, value);
}

/**
 * Issues Digest challenges and verifies credentials. Nonces are stateless (HMAC of time and random
 * bytes), so no table of issued nonces is kept; only nonces that were used with qop are remembered,
 * in a bounded LRU, to refuse replayed nc values. Verification costs a few hashes and one HMAC.
 */
export class DigestServer {
  readonly realm: string;
  readonly #algorithms: readonly DigestAlgorithm[];
  readonly #qop: readonly DigestQop[];
  readonly #lifetime: number;
  readonly #now: () => number;
  readonly #secret: Buffer;
  readonly #tracker: NcTracker;
  /** One template per algorithm, or the error formatting gave (thrown by challenge, as before). */
  readonly #templates: readonly ChallengeTemplate[] | Error;
  // HMAC-SHA256 with the secret as two one-shot hashes (RFC 2104): `(K ⊕ ipad) ‖ data` and
  // `(K ⊕ opad) ‖ inner digest`, kept in scratch buffers (all use is synchronous).
  readonly #inner = Buffer.alloc(BLOCK + NONCE_DATA);
  readonly #outer = Buffer.alloc(BLOCK + 32);
  readonly #nonce = Buffer.alloc(NONCE_BYTES);
  readonly #random = Buffer.alloc(RANDOM_POOL);
  #randomOffset = RANDOM_POOL;
  /** HA2 by hash and `method:uri` (bounded). */
  readonly #ha2 = new Map<string, string>();

  constructor(options: DigestServerOptions) {
    if (typeof options.realm !== 'string' || options.realm === '' || findControlChar(options.realm)) {
      throw new InvalidOptionError('realm', 'must be a non-empty string without control characters');
    }
    this.realm = options.realm;
    const algorithms = options.algorithms ?? DIGEST_SERVER_DEFAULTS.algorithms;
    if (algorithms.length === 0 || algorithms.some((a) => !DIGEST_ALGORITHMS.includes(a))) {
      throw new InvalidOptionError('algorithms', `must be a non-empty list of ${DIGEST_ALGORITHMS.join(', ')}`);
    }
    // Most preferred first, SHA-256 before MD5 (RFC 8760), otherwise in the order given.
    this.#algorithms = [...new Set(algorithms)].sort((a, b) => Number(digestHashOf(a) === 'MD5') - Number(digestHashOf(b) === 'MD5'));
    const qop = options.qop ?? DIGEST_SERVER_DEFAULTS.qop;
    if (qop.some((q) => q !== 'auth' && q !== 'auth-int')) throw new InvalidOptionError('qop', "must hold only 'auth' and 'auth-int'");
    this.#qop = [...new Set(qop)];
    this.#lifetime = options.nonceLifetimeMs ?? DIGEST_SERVER_DEFAULTS.nonceLifetimeMs;
    if (!Number.isSafeInteger(this.#lifetime) || this.#lifetime < 1) {
      throw new InvalidOptionError('nonceLifetimeMs', 'must be a positive whole number of ms');
    }
    this.#now = options.now ?? Date.now;
    if (typeof this.#now !== 'function') throw new InvalidOptionError('now', 'must be a function');
    this.#secret = options.secret === undefined ? randomBytes(32) : Buffer.from(options.secret);
    if (this.#secret.length < 16) throw new InvalidOptionError('secret', 'must be at least 16 bytes');
    const max = options.maxTrackedNonces ?? DIGEST_SERVER_DEFAULTS.maxTrackedNonces;
    if (!Number.isSafeInteger(max) || max < 1) throw new InvalidOptionError('maxTrackedNonces', 'must be a positive whole number');
    this.#tracker = new NcTracker(max, this.#now());
    const key = this.#secret.length > BLOCK ? createHash('sha256').update(this.#secret).digest() : this.#secret;
    for (let i = 0; i < BLOCK; i++) {
      const k = i < key.length ? key[i]! : 0;
      this.#inner[i] = k ^ 0x36;
      this.#outer[i] = k ^ 0x5c;
    }
    this.#templates = this.#makeTemplates();
  }

  /** Challenge values formatted once with a placeholder nonce and cut around it. */
  #makeTemplates(): readonly ChallengeTemplate[] | Error {
    const out: ChallengeTemplate[] = [];
    for (const algorithm of this.#algorithms) {
      const parts: string[] = [];
      for (const stale of [false, true]) {
        const r = formatDigestChallenge({ realm: this.realm, nonce: NONCE_SLOT, algorithm, qop: this.#qop, stale });
        if (!r.ok) return r.error;
        // the realm before it is quoted with `"` escaped, so it cannot hold `nonce="<slot>"`
        const at = r.value.indexOf(`nonce="${NONCE_SLOT}"`);
        if (at < 0) return new Error('challenge template without its nonce');
        parts.push(r.value.slice(0, at + 7), r.value.slice(at + 7 + NONCE_SLOT.length));
      }
      if (parts[0] !== parts[2]) return new Error('challenge templates differ before the nonce');
      out.push({ head: parts[0]!, tail: parts[1]!, staleTail: parts[3]! });
    }
    return out;
  }

  /** Number of nonces currently remembered for replay protection (at most maxTrackedNonces). */
  get trackedNonces(): number {
    return this.#tracker.size;
  }

  /**
   * A fresh nonce's challenge values (`WWW-Authenticate` / `Proxy-Authenticate`), one per algorithm,
   * SHA-256 first; `stale: true` tells the client its password was right but the nonce expired.
   */
  challenge(options: { stale?: boolean } = {}): string[] {
    const templates = this.#templates;
    // Every value is a checked token or quoted text without control characters: never thrown in practice.
    if (templates instanceof Error) throw templates;
    const nonce = this.#issueNonce();
    const stale = options.stale === true;
    const out: string[] = [];
    for (let i = 0; i < templates.length; i++) {
      const t = templates[i]!;
      out.push(t.head + nonce + (stale ? t.staleTail : t.tail));
    }
    return out;
  }

  /**
   * A secret that verifies exactly like `{ password }` for `username` at this server: the HA1 of each hash
   * offered (RFC 7616 §3.4.2), so a caller that keeps it saves that hash on every later verification.
   */
  ha1Secret(username: string, password: string): DigestSecret {
    const ha1: Partial<Record<DigestHash, string>> = {};
    for (const a of this.#algorithms) {
      const hash = digestHashOf(a);
      ha1[hash] ??= hashHex(hash, `${username}:${this.realm}:${password}`);
    }
    return { ha1 };
  }

  /**
   * Verifies an Authorization / Proxy-Authorization value for `method`. Checks, in order: syntax,
   * algorithm, realm, qop/nc, nonce authenticity, the user, the response (constant time), then nonce
   * age (`stale`) and nc replay. `lookup` runs only for nonces this server issued. Never throws.
   */
  verify(authorization: string, method: string, lookup: DigestLookup, request: DigestRequest = {}): DigestVerifyResult {
    const p = this.#prepare(authorization, method, request);
    return p.done ?? this.#finish(p, lookup(p.creds.username, p.creds.realm));
  }

  /** verify with an asynchronous lookup (a store query). */
  async verifyAsync(
    authorization: string,
    method: string,
    lookup: (username: string, realm: string) => Promise<DigestSecret | undefined> | DigestSecret | undefined,
    request: DigestRequest = {},
  ): Promise<DigestVerifyResult> {
    const p = this.#prepare(authorization, method, request);
    return p.done ?? this.#finish(p, await lookup(p.creds.username, p.creds.realm));
  }

  #prepare(authorization: string, method: string, request: DigestRequest): Prepared {
    const parsed = parseDigestCredentials(authorization);
    if (!parsed.ok) {
      return { done: { status: 'failure', reason: parsed.error.param === 'uri' ? 'uri-missing' : 'malformed' } };
    }
    const creds = parsed.value;
    const algorithm = parseDigestAlgorithm(creds.algorithm);
    if (algorithm === undefined || !this.#algorithms.includes(algorithm)) return failed('unsupported-algorithm', creds);
    if (creds.realm !== this.realm) return failed('realm-mismatch', creds);
    if (creds.uri === '') return failed('uri-missing', creds);
    if (request.uri !== undefined && creds.uri !== request.uri) return failed('uri-mismatch', creds);
    let qop: DigestQop | undefined;
    let nc: number | undefined;
    if (creds.qop !== undefined || this.#qop.length > 0) {
      qop = this.#qop.find((q) => q === creds.qop);
      if (qop === undefined || creds.cnonce === undefined || creds.nc === undefined) return failed('bad-qop', creds);
      nc = parseNc(creds.nc);
      if (nc === undefined) return failed('malformed', creds);
    }
    const issuedAt = this.#nonceTime(creds.nonce);
    if (issuedAt === undefined) return failed('bad-nonce', creds);
    return { creds, algorithm, qop, nc, issuedAt, method, body: request.body };
  }

  #finish(p: Exclude<Prepared, { done: DigestVerifyResult }>, secret: DigestSecret | undefined): DigestVerifyResult {
    const { creds, algorithm, qop, nc, issuedAt } = p;
    const username = creds.username;
    if (secret === undefined) return { status: 'failure', reason: 'unknown-user', username };
    const expected = this.#expected(p, secret);
    if (expected === undefined) {
      // No stored HA1 for this hash, or a -sess answer without cnonce.
      return { status: 'failure', reason: creds.cnonce === undefined ? 'malformed' : 'unsupported-algorithm', username };
    }
    if (!sameHex(creds.response, expected)) return { status: 'failure', reason: 'wrong-response', username };
    if (this.#now() - issuedAt >= this.#lifetime) return { status: 'stale', username };
    if (nc !== undefined) {
      // a copy: the parsed nonce is a slice that would keep the whole request text alive while tracked
      const check = this.#tracker.use(Buffer.from(creds.nonce, 'latin1').toString('latin1'), issuedAt, nc);
      if (check === 'replayed') return { status: 'failure', reason: 'replayed-nc', username };
      if (check === 'unknown') return { status: 'stale', username };
    }
    return { status: 'ok', username, algorithm, qop };
  }

  /**
   * The expected `response`: computeDigestResponse, with HA2 (`auth` or no qop) from a small cache (one
   * Request-URI per registrar, usually).
   */
  #expected(p: Exclude<Prepared, { done: DigestVerifyResult }>, secret: DigestSecret): string | undefined {
    const { creds, algorithm, qop } = p;
    if (qop === 'auth-int' || (algorithm !== 'MD5' && algorithm !== 'SHA-256')) {
      return computeDigestResponse({
        algorithm, username: creds.username, realm: creds.realm, secret, nonce: creds.nonce, method: p.method,
        uri: creds.uri, qop, nc: creds.nc, cnonce: creds.cnonce, body: p.body,
      });
    }
    const hash: DigestHash = algorithm;
    let ha1: string | undefined;
    if ('password' in secret) ha1 = hashHex(hash, `${creds.username}:${creds.realm}:${secret.password}`);
    else {
      ha1 = secret.ha1[hash]?.toLowerCase();
      if (ha1 === undefined || ha1.length !== digestHexLength(hash)) return undefined;
    }
    const a2 = `${p.method}:${creds.uri}`;
    const ha2Key = hash === 'MD5' ? a2 : `\0${a2}`;
    let ha2 = this.#ha2.get(ha2Key);
    if (ha2 === undefined) {
      ha2 = hashHex(hash, a2);
      if (a2.length <= MAX_CACHED_A2) remember(this.#ha2, ha2Key, ha2);
    }
    if (qop === undefined) return hashHex(hash, `${ha1}:${creds.nonce}:${ha2}`);
    if (creds.nc === undefined || creds.cnonce === undefined) return undefined;
    return hashHex(hash, `${ha1}:${creds.nonce}:${creds.nc}:${creds.cnonce}:${qop}:${ha2}`);
  }

  #issueNonce(): string {
    for (;;) {
      const nonce = this.#drawNonce();
      // SIPp takes any "CSeq" in a response for its CSeq header: such a nonce is drawn again
      if (!nonce.includes('CSeq')) return nonce;
    }
  }

  #drawNonce(): string {
    const data = this.#nonce;
    const now = Math.floor(this.#now());
    data.writeUIntBE(Number.isSafeInteger(now) && now >= 0 && now < 2 ** 48 ? now : 0, 0, NONCE_TIME);
    let r = this.#randomOffset;
    if (r + NONCE_DATA - NONCE_TIME > RANDOM_POOL) {
      randomFillSync(this.#random);
      r = 0;
    }
    const random = this.#random;
    for (let i = NONCE_TIME; i < NONCE_DATA; i++) data[i] = random[r++]!;
    this.#randomOffset = r;
    const mac = this.#mac(data);
    for (let i = 0; i < NONCE_MAC; i++) data[NONCE_DATA + i] = mac.charCodeAt(i);
    return data.toString('base64url');
  }

  /** The issue time of a nonce this server made, or undefined for a foreign, forged or future one. */
  #nonceTime(nonce: string): number | undefined {
    if (nonce.length !== 40) return undefined;
    // base64url of exactly 30 bytes (40 characters, no padding: one spelling per nonce) into the scratch buffer
    const data = this.#nonce;
    for (let i = 0, o = 0; i < 40; i += 4, o += 3) {
      const n = (B64URL[nonce.charCodeAt(i)] ?? -1) << 18 | (B64URL[nonce.charCodeAt(i + 1)] ?? -1) << 12 |
        (B64URL[nonce.charCodeAt(i + 2)] ?? -1) << 6 | (B64URL[nonce.charCodeAt(i + 3)] ?? -1);
      if (n < 0) return undefined;
      data[o] = n >>> 16;
      data[o + 1] = (n >>> 8) & 255;
      data[o + 2] = n & 255;
    }
    const mac = this.#mac(data);
    // constant time: no early exit
    let diff = 0;
    for (let i = 0; i < NONCE_MAC; i++) diff |= mac.charCodeAt(i) ^ data[NONCE_DATA + i]!;
    if (diff !== 0) return undefined;
    const issuedAt = data.readUIntBE(0, NONCE_TIME);
    // A nonce from the future: the clock went back by more than a lifetime; refuse rather than trust it.
    return issuedAt - this.#now() > this.#lifetime ? undefined : issuedAt;
  }

  /** HMAC-SHA256(secret, data[0, NONCE_DATA)) as latin1 text (one character per byte). */
  #mac(data: Buffer): string {
    if (!HAS_ONE_SHOT) return createHmac('sha256', this.#secret).update(data.subarray(0, NONCE_DATA)).digest('binary');
    const inner = this.#inner;
    for (let i = 0; i < NONCE_DATA; i++) inner[BLOCK + i] = data[i]!;
    // latin1 ('binary') text rather than a Buffer: crypto.hash makes Buffers slowly (an ArrayBuffer each)
    const digest = oneShotHash('sha256', inner, 'binary');
    const outer = this.#outer;
    for (let i = 0; i < 32; i++) outer[BLOCK + i] = digest.charCodeAt(i);
    return oneShotHash('sha256', outer, 'binary');
  }

  /** A description without the secret. */
  toString(): string {
    return `DigestServer(${JSON.stringify(this.realm)})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
