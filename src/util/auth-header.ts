// HTTP/SIP authentication header codec (RFC 7235 §2.1, RFC 3261 §25.1 `challenge`/`credentials`):
// `WWW-Authenticate`, `Proxy-Authenticate`, `Authorization`, `Proxy-Authorization`, for any scheme.
import { SnomError, err, ok, type Result } from './errors.js';
import { findControlChar } from './text.js';

/** One challenge or credentials: a scheme with either auth-params or a token68 (`Basic QWxh…==`). */
export interface AuthElement {
  /** The scheme as written (`Digest`); compare case-insensitively. */
  readonly scheme: string;
  /** Parameters by lower-case name; values unquoted and unescaped. Unknown parameters are kept. */
  readonly params: ReadonlyMap<string, string>;
  readonly token68?: string;
}

/** A `WWW-Authenticate` / `Proxy-Authenticate` challenge. */
export type AuthChallenge = AuthElement;
/** An `Authorization` / `Proxy-Authorization` value. */
export type AuthCredentials = AuthElement;

/** Why an auth header could not be parsed or written. */
export type AuthHeaderErrorReason =
  | 'empty'
  | 'syntax'
  | 'duplicate-param'
  | 'multiple-credentials'
  | 'missing-param'
  | 'wrong-scheme'
  | 'bad-value';

/** A malformed or unwritable auth header. Messages give positions and names, never values. */
export class AuthHeaderError extends SnomError<'SNOM_ERR_AUTH_HEADER'> {
  readonly reason: AuthHeaderErrorReason;
  /** The parameter concerned, when there is one. */
  readonly param: string | undefined;

  constructor(reason: AuthHeaderErrorReason, message: string, param?: string) {
    super('SNOM_ERR_AUTH_HEADER', message);
    this.name = 'AuthHeaderError';
    this.reason = reason;
    this.param = param;
  }
}

// RFC 7230 tchar; a superset of RFC 3261's token characters.
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

const isTchar = (c: number): boolean => c < 128 && TCHAR[c] === 1;

/** Skips SP, HTAB and line folds (CRLF followed by SP or HTAB, RFC 3261 LWS). */
function skipWs(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x09) i++;
    else if (c === 0x0d && s.charCodeAt(i + 1) === 0x0a && (s.charCodeAt(i + 2) === 0x20 || s.charCodeAt(i + 2) === 0x09)) i += 3;
    else return i;
  }
}

function tokenEnd(s: string, i: number): number {
  while (i < s.length && isTchar(s.charCodeAt(i))) i++;
  return i;
}

/** Internal (digest.ts): the end of the RFC 7230 token starting at `i` (`i` itself when there is none). */
export function authTokenEnd(s: string, i: number): number {
  return tokenEnd(s, i);
}

type Scanned = { value: string; end: number } | { error: string };

/** A quoted-string starting at the `"` at `i`; `\` escapes the next character. */
function quoted(s: string, i: number): Scanned {
  let out = '';
  let from = i + 1;
  for (let j = i + 1; j < s.length; j++) {
    let c = s.charCodeAt(j);
    if (c === 0x22) return { value: out + s.slice(from, j), end: j + 1 };
    if (c === 0x5c) {
      out += s.slice(from, j);
      from = ++j;
      if (j >= s.length) break;
      c = s.charCodeAt(j);
    }
    // Escaped or not, no control character but HTAB: a parsed value never carries one (RFC 7230 §3.2.6).
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return { error: `control character in quoted string at ${j}` };
  }
  return { error: `unterminated quoted string at ${i}` };
}

/** An unquoted value: tolerant of non-token characters broken peers send (`nonce=abc/def=`). */
function bare(s: string, i: number): Scanned {
  let j = i;
  for (; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c <= 0x20 || c === 0x7f || c === 0x2c || c === 0x22 || (j === i && c === 0x3d)) break;
  }
  return j === i ? { error: `missing value at ${i}` } : { value: s.slice(i, j), end: j };
}

/** `name BWS = BWS value` at `i`, or undefined when there is no `=` after a token. */
function param(s: string, i: number): ({ name: string } & Scanned) | undefined {
  const nameEnd = tokenEnd(s, i);
  if (nameEnd === i) return undefined;
  const eq = skipWs(s, nameEnd);
  if (s.charCodeAt(eq) !== 0x3d) return undefined;
  const v = skipWs(s, eq + 1);
  const name = s.slice(i, nameEnd).toLowerCase();
  return { name, ...(s.charCodeAt(v) === 0x22 ? quoted(s, v) : bare(s, v)) };
}

/** After an element: optional whitespace, then the end or a comma. Returns the index or -1. */
function elementEnd(s: string, i: number): number {
  const j = skipWs(s, i);
  return j >= s.length || s.charCodeAt(j) === 0x2c ? j : -1;
}

type Building = { scheme: string; params: Map<string, string>; token68?: string };

function syntax(message: string): { ok: false; error: AuthHeaderError } {
  return err(new AuthHeaderError('syntax', message));
}

/** Stores a scanned parameter and returns the index after the element's separator position. */
function addParam(s: string, target: Building, p: { name: string } & Scanned): Result<number, AuthHeaderError> {
  if ('error' in p) return syntax(p.error);
  if (target.params.has(p.name)) {
    return err(new AuthHeaderError('duplicate-param', `parameter ${p.name} given twice`, p.name));
  }
  target.params.set(p.name, p.value);
  const end = elementEnd(s, p.end);
  return end < 0 ? syntax(`expected a comma at ${p.end}`) : ok(end);
}

/** The comma-separated list of challenges or credentials (RFC 7235 §2.1 `#challenge`). */
function parseElements(s: unknown): Result<Building[], AuthHeaderError> {
  if (typeof s !== 'string') return err(new AuthHeaderError('empty', 'auth header value is not a string'));
  const out: Building[] = [];
  let current: Building | undefined;
  let i = 0;
  for (;;) {
    // Empty list elements and whitespace between elements are allowed (RFC 7230 §7).
    for (let j = skipWs(s, i); s.charCodeAt(j) === 0x2c; j = skipWs(s, j + 1)) i = j + 1;
    i = skipWs(s, i);
    if (i >= s.length) break;
    const tEnd = tokenEnd(s, i);
    if (tEnd === i) return syntax(`expected a scheme or parameter name at ${i}`);
    const p = current && current.token68 === undefined ? param(s, i) : undefined;
    if (current && p) {
      const next = addParam(s, current, p);
      if (!next.ok) return next;
      i = next.value;
      continue;
    }
    // A token not followed by `=` starts the next challenge.
    current = { scheme: s.slice(i, tEnd), params: new Map() };
    out.push(current);
    i = skipWs(s, tEnd);
    if (i >= s.length || s.charCodeAt(i) === 0x2c) continue;
    if (i === tEnd) return syntax(`expected a space after the scheme at ${tEnd}`);
    const first = param(s, i);
    if (first && !('error' in first)) {
      const next = addParam(s, current, first);
      if (!next.ok) return next;
      i = next.value;
      continue;
    }
    let t68 = i;
    while (t68 < s.length && TOKEN68_CHAR.test(s[t68]!)) t68++;
    while (t68 > i && s.charCodeAt(t68) === 0x3d) t68++;
    const end = t68 > i ? elementEnd(s, t68) : -1;
    if (end < 0) return syntax(first && 'error' in first ? first.error : `expected parameters at ${i}`);
    current.token68 = s.slice(i, t68);
    i = end;
  }
  return out.length === 0 ? err(new AuthHeaderError('empty', 'no authentication scheme')) : ok(out);
}

/**
 * Parses a challenge header value, which may hold several challenges (`Basic realm="x", Digest …`).
 * Tolerant of whitespace and line folds around `=` and `,`, empty list elements, and unquoted values
 * with non-token characters. Duplicate parameters are refused. Never throws.
 */
export function parseChallenges(value: string): Result<AuthChallenge[], AuthHeaderError> {
  return parseElements(value);
}

/** Parses an `Authorization`/`Proxy-Authorization` value: exactly one scheme, any scheme. Never throws. */
export function parseCredentials(value: string): Result<AuthCredentials, AuthHeaderError> {
  const r = parseElements(value);
  if (!r.ok) return r;
  if (r.value.length !== 1) return err(new AuthHeaderError('multiple-credentials', 'more than one scheme in credentials'));
  return ok(r.value[0]!);
}

// Digest parameters whose values are always quoted, and those never quoted (RFC 7616 §3.4, RFC 3261 §25.1).
const ALWAYS_QUOTED = new Set(['realm', 'nonce', 'uri', 'response', 'cnonce', 'opaque', 'username', 'domain', 'nextnonce']);
const NEVER_QUOTED = new Set(['algorithm', 'nc', 'stale']);

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

function format(element: AuthElement, kind: 'challenge' | 'credentials'): Result<string, AuthHeaderError> {
  if (typeof element.scheme !== 'string' || !TOKEN.test(element.scheme)) {
    return err(new AuthHeaderError('bad-value', 'the scheme is not a token'));
  }
  if (element.token68 !== undefined) {
    if (element.params.size > 0) return err(new AuthHeaderError('bad-value', 'token68 and parameters together'));
    return TOKEN68.test(element.token68)
      ? ok(`${element.scheme} ${element.token68}`)
      : err(new AuthHeaderError('bad-value', 'token68 has characters outside its syntax'));
  }
  const parts: string[] = [];
  for (const [rawName, value] of element.params) {
    const name = rawName.toLowerCase();
    if (!TOKEN.test(name)) return err(new AuthHeaderError('bad-value', 'a parameter name is not a token'));
    if (typeof value !== 'string') return err(new AuthHeaderError('bad-value', `parameter ${name} is not a string`, name));
    const control = findControlChar(value);
    if (control) return err(new AuthHeaderError('bad-value', `parameter ${name} contains ${control.name}`, name));
    const isToken = TOKEN.test(value);
    // qop is a quoted list in challenges but a bare token in credentials (RFC 7616 §3.3, §3.4).
    const never = NEVER_QUOTED.has(name) || (name === 'qop' && kind === 'credentials');
    const always = ALWAYS_QUOTED.has(name) || (name === 'qop' && kind === 'challenge');
    if (never && !isToken) return err(new AuthHeaderError('bad-value', `parameter ${name} must be a token`, name));
    parts.push(`${name}=${always || (!never && !isToken) ? quote(value) : value}`);
  }
  return ok(parts.length === 0 ? element.scheme : `${element.scheme} ${parts.join(', ')}`);
}

/**
 * Writes one challenge. realm, nonce, opaque, domain and qop are always quoted, algorithm and stale
 * never; other values are quoted when not tokens, with `"` and `\` escaped. Control characters refused.
 */
export function formatChallenge(challenge: AuthChallenge): Result<string, AuthHeaderError> {
  return format(challenge, 'challenge');
}

/**
 * Writes credentials. username, realm, nonce, uri, response, cnonce and opaque are always quoted;
 * algorithm, qop and nc never (RFC 7616 §3.4); `"` and `\` escaped; control characters refused.
 */
export function formatCredentials(credentials: AuthCredentials): Result<string, AuthHeaderError> {
  return format(credentials, 'credentials');
}
