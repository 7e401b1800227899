// Digest access authentication arithmetic and typed Digest headers: RFC 7616 (HTTP), RFC 2617,
// RFC 3261 §22.4 and RFC 8760 (SIP). Shared by the SIP stack and the phone's HTTP client.
import { createHash, hash as oneShotHash } from 'node:crypto';
import { err, ok, type Result } from './errors.js';
import {
  AuthHeaderError,
  authTokenEnd,
  formatChallenge,
  formatCredentials,
  parseCredentials,
  type AuthChallenge,
} from './auth-header.js';

/** Supported algorithms, strongest first (RFC 7616 §3.3; RFC 8760 for SIP). */
export const DIGEST_ALGORITHMS = Object.freeze(['SHA-256', 'SHA-256-sess', 'MD5', 'MD5-sess'] as const);

/** One of DIGEST_ALGORITHMS. */
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

/** The hash function behind an algorithm; a precomputed HA1 is specific to it. */
export type DigestHash = 'MD5' | 'SHA-256';

/** Quality of protection: `auth` covers method and URI, `auth-int` also the body (RFC 7616 §3.4.3). */
export type DigestQop = 'auth' | 'auth-int';

/**
 * What proves a user: the password, or `H(username:realm:password)` per hash function (what a
 * registrar may store instead of passwords). A hash missing from `ha1` cannot be used.
 */
export type DigestSecret =
  | { readonly password: string }
  | { readonly ha1: Readonly<Partial<Record<DigestHash, string>>> };

/** Maps an `algorithm` parameter to a supported algorithm, case-insensitively; absent means MD5. */
export function parseDigestAlgorithm(text: string | undefined): DigestAlgorithm | undefined {
  if (text === undefined) return 'MD5';
  if (text === 'SHA-256' || text === 'MD5') return text;
  const upper = text.toUpperCase();
  return DIGEST_ALGORITHMS.find((a) => a.toUpperCase() === upper);
}

/** The hash function of an algorithm. */
export function digestHashOf(algorithm: DigestAlgorithm): DigestHash {
  return algorithm.startsWith('SHA-256') ? 'SHA-256' : 'MD5';
}

/** Lower-case hex digest of UTF-8 text or bytes. */
export function hashHex(hash: DigestHash, data: string | Uint8Array): string {
  const name = hash === 'MD5' ? 'md5' : 'sha256';
  // crypto.hash (Node ≥ 20.12) skips the Hash object: about 3× cheaper for short inputs
  return HAS_ONE_SHOT ? oneShotHash(name, data, 'hex') : createHash(name).update(data).digest('hex');
}

const HAS_ONE_SHOT = typeof oneShotHash === 'function';

/** Length in hex digits of a response or HA1 for a hash. */
export function digestHexLength(hash: DigestHash): number {
  return hash === 'MD5' ? 32 : 64;
}

/** Writes a nonce count as the 8 lower-case hex digits RFC 7616 §3.4 requires; n must be 1..0xffffffff. */
export function formatNc(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) throw new RangeError('nonce count must be 1..0xffffffff');
  return n.toString(16).padStart(8, '0');
}

/** Reads an `nc` value: exactly 8 hex digits, not zero; undefined otherwise. */
export function parseNc(text: string): number | undefined {
  if (typeof text !== 'string' || text.length !== 8) return undefined;
  let n = 0;
  for (let i = 0; i < 8; i++) {
    const c = text.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) return undefined;
    n = n * 16 + d;
  }
  return n === 0 ? undefined : n;
}

/** Inputs of one response computation. `nc` is hashed exactly as sent on the wire. */
export interface DigestResponseInput {
  readonly algorithm: DigestAlgorithm;
  readonly username: string;
  readonly realm: string;
  readonly secret: DigestSecret;
  readonly nonce: string;
  readonly method: string;
  readonly uri: string;
  readonly qop?: DigestQop;
  readonly nc?: string;
  readonly cnonce?: string;
  /** The message body, for `auth-int`; empty when absent. */
  readonly body?: string | Uint8Array;
}

/**
 * HA1 (RFC 7616 §3.4.2): `H(username:realm:password)`, or the stored HA1 for the algorithm's hash;
 * for `-sess`, `H(that:nonce:cnonce)`. Undefined when no HA1 is stored for the hash or `-sess` lacks a cnonce.
 */
export function computeHa1(input: Pick<DigestResponseInput, 'algorithm' | 'username' | 'realm' | 'secret' | 'nonce' | 'cnonce'>): string | undefined {
  const hash = digestHashOf(input.algorithm);
  const base =
    'password' in input.secret
      ? hashHex(hash, `${input.username}:${input.realm}:${input.secret.password}`)
      : input.secret.ha1[hash]?.toLowerCase();
  if (base === undefined || base.length !== digestHexLength(hash)) return undefined;
  if (!input.algorithm.endsWith('-sess')) return base;
  return input.cnonce === undefined ? undefined : hashHex(hash, `${base}:${input.nonce}:${input.cnonce}`);
}

/** HA2 (RFC 7616 §3.4.3): `H(method:uri)`, or `H(method:uri:H(body))` for auth-int. */
export function computeHa2(
  algorithm: DigestAlgorithm,
  method: string,
  uri: string,
  qop?: DigestQop,
  body: string | Uint8Array = '',
): string {
  const hash = digestHashOf(algorithm);
  return hashHex(hash, qop === 'auth-int' ? `${method}:${uri}:${hashHex(hash, body)}` : `${method}:${uri}`);
}

/**
 * The `response` value (RFC 7616 §3.4.1): `H(HA1:nonce:nc:cnonce:qop:HA2)` with qop, or
 * `H(HA1:nonce:HA2)` without (RFC 2069 compatibility). Undefined when HA1 cannot be computed or qop
 * lacks nc/cnonce.
 */
export function computeDigestResponse(input: DigestResponseInput): string | undefined {
  const ha1 = computeHa1(input);
  if (ha1 === undefined) return undefined;
  const ha2 = computeHa2(input.algorithm, input.method, input.uri, input.qop, input.body);
  const hash = digestHashOf(input.algorithm);
  if (input.qop === undefined) return hashHex(hash, `${ha1}:${input.nonce}:${ha2}`);
  if (input.nc === undefined || input.cnonce === undefined) return undefined;
  return hashHex(hash, `${ha1}:${input.nonce}:${input.nc}:${input.cnonce}:${input.qop}:${ha2}`);
}

/** A Digest challenge's fields (RFC 7616 §3.3). `algorithm` and `qop` entries are as sent. */
export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  /** As sent; `MD5` when absent. Check with parseDigestAlgorithm. */
  readonly algorithm: string;
  /** Offered qop values, lower-cased; empty when the challenge has no qop (RFC 2069 style). */
  readonly qop: readonly string[];
  readonly opaque?: string;
  readonly stale: boolean;
  readonly domain?: string;
}

/** Reads a parsed challenge as Digest: scheme Digest, realm and nonce required. Never throws. */
export function toDigestChallenge(challenge: AuthChallenge): Result<DigestChallenge, AuthHeaderError> {
  if (challenge.scheme.toLowerCase() !== 'digest') return err(new AuthHeaderError('wrong-scheme', 'not a Digest challenge'));
  const p = challenge.params;
  for (const name of ['realm', 'nonce']) {
    if (!p.has(name)) return err(new AuthHeaderError('missing-param', `Digest challenge without ${name}`, name));
  }
  const qop = p.get('qop');
  return ok({
    realm: p.get('realm')!,
    nonce: p.get('nonce')!,
    algorithm: p.get('algorithm') ?? 'MD5',
    qop: qop === undefined ? [] : qop.split(',').map((q) => q.trim().toLowerCase()).filter((q) => q !== ''),
    ...(p.has('opaque') ? { opaque: p.get('opaque')! } : {}),
    ...(p.has('domain') ? { domain: p.get('domain')! } : {}),
    stale: p.get('stale')?.toLowerCase() === 'true',
  });
}

/** Writes a Digest challenge: realm, nonce, algorithm, qop (if any), opaque, domain, `stale=true` (if set). */
export function formatDigestChallenge(challenge: DigestChallenge): Result<string, AuthHeaderError> {
  const params = new Map<string, string>([
    ['realm', challenge.realm],
    ['nonce', challenge.nonce],
    ['algorithm', challenge.algorithm],
  ]);
  if (challenge.qop.length > 0) params.set('qop', challenge.qop.join(','));
  if (challenge.opaque !== undefined) params.set('opaque', challenge.opaque);
  if (challenge.domain !== undefined) params.set('domain', challenge.domain);
  if (challenge.stale) params.set('stale', 'true');
  return formatChallenge({ scheme: 'Digest', params });
}

/** A Digest `Authorization` / `Proxy-Authorization` value's fields (RFC 7616 §3.4). */
export interface DigestCredentials {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  readonly response: string;
  /** As sent; absent means MD5. */
  readonly algorithm?: string;
  readonly qop?: string;
  readonly nc?: string;
  readonly cnonce?: string;
  readonly opaque?: string;
}

const REQUIRED_CREDENTIALS = ['username', 'realm', 'nonce', 'uri', 'response'] as const;
const OPTIONAL_CREDENTIALS = ['algorithm', 'qop', 'nc', 'cnonce', 'opaque'] as const;

/**
 * Parses a Digest credentials header value. Fails with `wrong-scheme` for other schemes and
 * `missing-param` (naming it) when username, realm, nonce, uri or response is absent. Never throws.
 */
export function parseDigestCredentials(value: string): Result<DigestCredentials, AuthHeaderError> {
  if (typeof value === 'string') {
    const simple = simpleDigestCredentials(value);
    if (simple !== undefined) return ok(simple);
  }
  const parsed = parseCredentials(value);
  if (!parsed.ok) return parsed;
  if (parsed.value.scheme.toLowerCase() !== 'digest') {
    return err(new AuthHeaderError('wrong-scheme', 'not Digest credentials'));
  }
  const p = parsed.value.params;
  const out: Record<string, string> = {};
  for (const name of REQUIRED_CREDENTIALS) {
    const v = p.get(name);
    if (v === undefined) return err(new AuthHeaderError('missing-param', `Digest credentials without ${name}`, name));
    out[name] = v;
  }
  for (const name of OPTIONAL_CREDENTIALS) {
    const v = p.get(name);
    if (v !== undefined) out[name] = v;
  }
  return ok(out as unknown as DigestCredentials);
}

/** Writes Digest credentials in RFC 7616's order: username, realm, uri, algorithm, nonce, nc, cnonce, qop, response, opaque. */
export function formatDigestCredentials(credentials: DigestCredentials): Result<string, AuthHeaderError> {
  const params = new Map<string, string>();
  for (const name of ['username', 'realm', 'uri', 'algorithm', 'nonce', 'nc', 'cnonce', 'qop', 'response', 'opaque'] as const) {
    const v = credentials[name];
    if (v !== undefined) params.set(name, v);
  }
  return formatCredentials({ scheme: 'Digest', params });
}

// ---- the common shape, without the generic parser's intermediate objects ----

const SP = 0x20;
const HTAB = 0x09;

function skipSpaces(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c !== SP && c !== HTAB) return i;
    i++;
  }
}

/** Whether s[a, a + lower.length) equals `lower` (lowercase letters and `-`) ignoring ASCII case. */
function eqi(s: string, a: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) if ((s.charCodeAt(a + i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/**
 * parseDigestCredentials of the usual shape — `Digest name=value, name="value", …` with single spaces or
 * tabs, no escapes, no line folds, no empty list elements, no repeated parameter — else undefined (the
 * generic parser then decides, so both give the same answer for every input this accepts).
 */
// what the generic parser treats specially inside quoted strings: escapes and control characters (HTAB aside)
const ESCAPE_OR_CONTROL = /[\\\x00-\x08\x0a-\x1f\x7f]/;

function simpleDigestCredentials(s: string): DigestCredentials | undefined {
  // with none of them anywhere, a quoted string simply ends at the next `"`
  if (ESCAPE_OR_CONTROL.test(s)) return undefined;
  const len = s.length;
  const i = skipSpaces(s, 0);
  if (authTokenEnd(s, i) !== i + 6 || !eqi(s, i, 'digest')) return undefined;
  let j = skipSpaces(s, i + 6);
  if (j === i + 6) return undefined;
  let username: string | undefined;
  let realm: string | undefined;
  let nonce: string | undefined;
  let uri: string | undefined;
  let response: string | undefined;
  let algorithm: string | undefined;
  let qop: string | undefined;
  let nc: string | undefined;
  let cnonce: string | undefined;
  let opaque: string | undefined;
  let others: string[] | undefined;
  for (;;) {
    const nameEnd = authTokenEnd(s, j);
    if (nameEnd === j) return undefined;
    let k = skipSpaces(s, nameEnd);
    if (s.charCodeAt(k) !== 0x3d) return undefined;
    k = skipSpaces(s, k + 1);
    let value: string;
    if (s.charCodeAt(k) === 0x22) {
      const q = s.indexOf('"', k + 1);
      if (q < 0) return undefined;
      value = s.slice(k + 1, q);
      k = q + 1;
    } else {
      let q = k;
      for (; q < len; q++) {
        const c = s.charCodeAt(q);
        if (c <= 0x20 || c === 0x7f || c === 0x2c || c === 0x22 || (q === k && c === 0x3d)) break;
      }
      if (q === k) return undefined;
      value = s.slice(k, q);
      k = q;
    }
    // a known name seen twice, or any other name seen twice, is left to the generic parser (an error)
    let known = true;
    switch (nameEnd - j) {
      case 2:
        if (!eqi(s, j, 'nc') || nc !== undefined) known = false;
        else nc = value;
        break;
      case 3:
        if (eqi(s, j, 'uri')) {
          if (uri !== undefined) return undefined;
          uri = value;
        } else if (eqi(s, j, 'qop')) {
          if (qop !== undefined) return undefined;
          qop = value;
        } else known = false;
        break;
      case 5:
        if (eqi(s, j, 'realm')) {
          if (realm !== undefined) return undefined;
          realm = value;
        } else if (eqi(s, j, 'nonce')) {
          if (nonce !== undefined) return undefined;
          nonce = value;
        } else known = false;
        break;
      case 6:
        if (eqi(s, j, 'cnonce')) {
          if (cnonce !== undefined) return undefined;
          cnonce = value;
        } else if (eqi(s, j, 'opaque')) {
          if (opaque !== undefined) return undefined;
          opaque = value;
        } else known = false;
        break;
      case 8:
        if (eqi(s, j, 'username')) {
          if (username !== undefined) return undefined;
          username = value;
        } else if (eqi(s, j, 'response')) {
          if (response !== undefined) return undefined;
          response = value;
        } else known = false;
        break;
      case 9:
        if (!eqi(s, j, 'algorithm') || algorithm !== undefined) known = false;
        else algorithm = value;
        break;
      default:
        known = false;
    }
    if (!known) {
      const name = s.slice(j, nameEnd).toLowerCase();
      if (name === 'nc' || name === 'algorithm') return undefined; // repeated
      if (others === undefined) others = [name];
      else if (others.includes(name)) return undefined;
      else others.push(name);
    }
    k = skipSpaces(s, k);
    if (k >= len) break;
    if (s.charCodeAt(k) !== 0x2c) return undefined;
    k = skipSpaces(s, k + 1);
    if (k >= len) break;
    if (s.charCodeAt(k) === 0x2c) return undefined;
    j = k;
  }
  if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) {
    return undefined;
  }
  const out: { -readonly [K in keyof DigestCredentials]: DigestCredentials[K] } = { username, realm, nonce, uri, response };
  if (algorithm !== undefined) out.algorithm = algorithm;
  if (qop !== undefined) out.qop = qop;
  if (nc !== undefined) out.nc = nc;
  if (cnonce !== undefined) out.cnonce = cnonce;
  if (opaque !== undefined) out.opaque = opaque;
  return out;
}
