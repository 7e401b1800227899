import { isUtf8 } from 'node:buffer';
import { err, ok, SnomError, type Result } from '../util/errors.js';
import {
  C_HEX, C_HNV, C_HNVCHAR, C_PARAM, C_PARAMCHAR, C_PASSCHAR, C_PASSWORD, C_SCHEME, C_UNRESERVED, C_URIC,
  C_USER, C_USERCHAR, CHAR, is, scan,
} from './chars.js';
import { badRequest, type SipParseError } from './parse-error.js';
import { EMPTY_PARAMS } from './params.js';
import { scanHost } from './host.js';

export { isIpv4, isIpv6, scanHost } from './host.js';

/** URI parameters: names lowercased (§19.1.4 compares them case-insensitively), values %-decoded once. */
export type UriParams = ReadonlyMap<string, string | undefined>;

/**
 * A SIP or SIPS URI (RFC 3261 §19.1). Components are %-decoded exactly once (as UTF-8); `host` is kept as
 * written (IPv6 references keep their brackets; compare with uriEquals, hosts are case-insensitive).
 */
export interface SipUri {
  readonly kind: 'sip';
  readonly scheme: 'sip' | 'sips';
  readonly user?: string;
  readonly password?: string;
  readonly host: string;
  readonly port?: number;
  readonly params: UriParams;
  /** URI headers (`?name=value&…`), decoded, in order. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

/** A tel URI (RFC 3966): `number` as written (visual separators kept), params as for SIP URIs. */
export interface TelUri {
  readonly kind: 'tel';
  readonly scheme: 'tel';
  readonly number: string;
  readonly params: UriParams;
}

/** Any other absoluteURI (RFC 3261 §25.1), kept opaque: `scheme` lowercased, `opaque` as written. */
export interface AbsoluteUri {
  readonly kind: 'absolute';
  readonly scheme: string;
  readonly opaque: string;
}

/** A parsed URI; narrow on `kind`. */
export type Uri = SipUri | TelUri | AbsoluteUri;

/** A URI that cannot be written safely (formatUri of a hand-built value). */
export class InvalidUriError extends SnomError<'SNOM_ERR_SIP_INVALID_URI'> {
  constructor(message: string) {
    super('SNOM_ERR_SIP_INVALID_URI', message);
    this.name = 'InvalidUriError';
  }
}

const EMPTY_HEADERS: ReadonlyArray<readonly [string, string]> = Object.freeze([]);

/** Parses a URI (RFC 3261 §19.1, §25.1; RFC 3966 for tel). Never throws. */
export function parseUri(s: string): Result<Uri, SipParseError> {
  return parseUriRange(s, 0, s.length);
}

/** parseUri of s[a, b) (internal: lets the message parser scan its header text in place). */
export function parseUriRange(s: string, a: number, b: number): Result<Uri, SipParseError> {
  let colon = a;
  while (colon < b && s.charCodeAt(colon) !== 58) colon++;
  if (colon === a || colon === b || !isAlpha(s.charCodeAt(a)) || scan(s, a + 1, colon, C_SCHEME) !== colon) {
    return err(badRequest('Invalid URI'));
  }
  const scheme = schemeOf(s, a, colon);
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(s, colon + 1, b, scheme);
  if (scheme === 'tel') return parseTelUri(s, colon + 1, b);
  const opaque = s.slice(colon + 1, b);
  if (opaque.length === 0 || scan(opaque, 0, opaque.length, C_URIC) !== opaque.length || !escapesValid(opaque)) {
    return err(badRequest('Invalid URI'));
  }
  return ok({ kind: 'absolute', scheme, opaque });
}

function schemeOf(s: string, start: number, colon: number): string {
  const len = colon - start;
  if (len === 3 || len === 4) {
    const a = s.charCodeAt(start) | 32, b = s.charCodeAt(start + 1) | 32, c = s.charCodeAt(start + 2) | 32;
    if (a === 115 && b === 105 && c === 112) {
      if (len === 3) return 'sip';
      if ((s.charCodeAt(start + 3) | 32) === 115) return 'sips';
    } else if (len === 3 && a === 116 && b === 101 && c === 108) return 'tel';
  }
  return s.slice(start, colon).toLowerCase();
}

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

const INVALID = 'Invalid SIP URI';

function parseSipUri(s: string, p: number, end: number, scheme: 'sip' | 'sips'): Result<SipUri, SipParseError> {
  let user: string | undefined;
  let password: string | undefined;
  const at = find(s, 64, p, end);
  if (at >= 0) {
    if (find(s, 64, at + 1, end) >= 0) return err(badRequest(INVALID));
    const uEnd = scan(s, p, at, C_USERCHAR);
    if (uEnd === p) return err(badRequest(INVALID));
    const u = decode(s, p, uEnd);
    if (u === undefined) return err(badRequest(INVALID));
    user = u;
    if (uEnd < at) {
      if (s.charCodeAt(uEnd) !== 58) return err(badRequest(INVALID));
      if (scan(s, uEnd + 1, at, C_PASSCHAR) !== at) return err(badRequest(INVALID));
      password = decode(s, uEnd + 1, at);
      if (password === undefined) return err(badRequest(INVALID));
    }
    p = at + 1;
  }
  const hostEnd = scanHost(s, p, end);
  if (hostEnd < 0) return err(badRequest(INVALID));
  const host = s.slice(p, hostEnd);
  p = hostEnd;
  let port: number | undefined;
  if (p < end && s.charCodeAt(p) === 58) {
    let q = p + 1;
    let n = 0;
    while (q < end) {
      const c = s.charCodeAt(q) - 48;
      if (c < 0 || c > 9) break;
      n = n * 10 + c;
      if (n > 65535) return err(badRequest(INVALID));
      q++;
    }
    if (q === p + 1) return err(badRequest(INVALID));
    port = n;
    p = q;
  }
  let params: UriParams = EMPTY_PARAMS;
  if (p < end && s.charCodeAt(p) === 59) {
    const map = new Map<string, string | undefined>();
    p = parseUriParams(s, p, end, map);
    if (p < 0) return err(badRequest(INVALID));
    params = map;
  }
  let headers = EMPTY_HEADERS;
  if (p < end && s.charCodeAt(p) === 63) {
    const list: Array<readonly [string, string]> = [];
    do {
      p++;
      const nEnd = scan(s, p, end, C_HNVCHAR);
      const name = nEnd > p ? decode(s, p, nEnd) : undefined;
      if (name === undefined || nEnd >= end || s.charCodeAt(nEnd) !== 61) return err(badRequest(INVALID));
      const vEnd = scan(s, nEnd + 1, end, C_HNVCHAR);
      const value = decode(s, nEnd + 1, vEnd);
      if (value === undefined) return err(badRequest(INVALID));
      list.push([name, value]);
      p = vEnd;
    } while (p < end && s.charCodeAt(p) === 38);
    headers = list;
  }
  if (p !== end) return err(badRequest(INVALID));
  // optional components are left out rather than set to undefined (deep-equality friendly)
  const uri: { -readonly [K in keyof SipUri]: SipUri[K] } = { kind: 'sip', scheme, host, params, headers };
  if (user !== undefined) uri.user = user;
  if (password !== undefined) uri.password = password;
  if (port !== undefined) uri.port = port;
  return ok(uri);
}


/** `;name[=value]` URI parameters from `p`; returns the index after them, or -1 when malformed/duplicated. */
function parseUriParams(s: string, p: number, end: number, into: Map<string, string | undefined>): number {
  while (p < end && s.charCodeAt(p) === 59) {
    p++;
    const nEnd = scan(s, p, end, C_PARAMCHAR);
    if (nEnd === p) return -1;
    const raw = decode(s, p, nEnd);
    if (raw === undefined) return -1;
    const name = raw.toLowerCase();
    let value: string | undefined;
    p = nEnd;
    if (p < end && s.charCodeAt(p) === 61) {
      const vEnd = scan(s, p + 1, end, C_PARAMCHAR);
      if (vEnd === p + 1) return -1;
      value = decode(s, p + 1, vEnd);
      if (value === undefined) return -1;
      p = vEnd;
    }
    const size = into.size;
    into.set(name, value);
    if (into.size === size) return -1; // repeated name
  }
  return p;
}

function escapesValid(s: string): boolean {
  for (let i = s.indexOf('%'); i >= 0; i = s.indexOf('%', i + 1)) {
    if (!is(s.charCodeAt(i + 1), C_HEX) || !is(s.charCodeAt(i + 2), C_HEX)) return false;
  }
  return true;
}

/**
 * s[a, b) with %-escapes decoded once; the octets must be UTF-8 (so distinct octet strings never decode to
 * the same text). undefined for a malformed escape or non-UTF-8 octets.
 */
function decode(s: string, a: number, b: number): string | undefined {
  if (find(s, 37, a, b) < 0) return s.slice(a, b);
  const bytes: number[] = [];
  let high = false;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      const h = hexValue(s.charCodeAt(i + 1));
      const l = hexValue(s.charCodeAt(i + 2));
      if (i + 2 >= b || h < 0 || l < 0) return undefined;
      const byte = h * 16 + l;
      if (byte >= 128) high = true;
      bytes.push(byte);
      i += 2;
    } else bytes.push(c);
  }
  const buf = Buffer.from(bytes);
  if (!high) return buf.toString('latin1');
  return isUtf8(buf) ? buf.toString('utf8') : undefined;
}

/**
 * The index of the first `code` in s[a, b), or -1. URI components are short and `s` may be a whole header
 * section, so this does not search beyond `b` as indexOf would.
 */
function find(s: string, code: number, a: number, b: number): number {
  for (let i = a; i < b; i++) if (s.charCodeAt(i) === code) return i;
  return -1;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

function parseTelUri(s: string, p: number, end: number): Result<TelUri, SipParseError> {
  let q = p;
  while (q < end && isTelChar(s.charCodeAt(q))) q++;
  const number = s.slice(p, q);
  if (!/[0-9A-Fa-f*#]/.test(number)) return err(badRequest('Invalid tel URI'));
  const map = new Map<string, string | undefined>();
  q = parseUriParams(s, q, end, map);
  if (q !== end) return err(badRequest('Invalid tel URI'));
  const params = map.size > 0 ? map : EMPTY_PARAMS;
  return ok({ kind: 'tel', scheme: 'tel', number, params });
}

function isTelChar(c: number): boolean {
  return is(c, C_HEX) || c === 43 || c === 45 || c === 46 || c === 40 || c === 41 || c === 42 || c === 35;
}

// ---- formatting ----

/** Writes a URI, %-escaping each component as its grammar requires, so parseUri(formatUri(u)) equals u. */
export function formatUri(uri: Uri): string {
  if (uri.kind === 'absolute') {
    const scheme = uri.scheme.toLowerCase();
    if (!isAlpha(scheme.charCodeAt(0)) || scan(scheme, 1, scheme.length, C_SCHEME) !== scheme.length) {
      throw new InvalidUriError('invalid URI scheme');
    }
    const o = uri.opaque;
    if (o.length === 0 || scan(o, 0, o.length, C_URIC) !== o.length || !escapesValid(o)) {
      throw new InvalidUriError('invalid characters in an opaque URI');
    }
    return `${scheme}:${o}`;
  }
  if (uri.kind === 'tel') {
    let q = 0;
    while (q < uri.number.length && isTelChar(uri.number.charCodeAt(q))) q++;
    if (q !== uri.number.length || !/[0-9A-Fa-f*#]/.test(uri.number)) throw new InvalidUriError('invalid tel number');
    return `tel:${uri.number}${formatParams(uri.params)}`;
  }
  let out = `${uri.scheme}:`;
  if (uri.user !== undefined) {
    if (uri.user.length === 0) throw new InvalidUriError('empty user part');
    out += escape(uri.user, C_USER);
    if (uri.password !== undefined) out += `:${escape(uri.password, C_PASSWORD)}`;
    out += '@';
  } else if (uri.password !== undefined) throw new InvalidUriError('password without user');
  if (scanHost(uri.host, 0, uri.host.length) !== uri.host.length) throw new InvalidUriError('invalid host');
  out += uri.host;
  if (uri.port !== undefined) {
    if (!Number.isInteger(uri.port) || uri.port < 0 || uri.port > 65535) throw new InvalidUriError('invalid port');
    out += `:${uri.port}`;
  }
  out += formatParams(uri.params);
  let sep = '?';
  for (const [name, value] of uri.headers) {
    if (name.length === 0) throw new InvalidUriError('empty URI header name');
    out += `${sep}${escape(name, C_HNV)}=${escape(value, C_HNV)}`;
    sep = '&';
  }
  return out;
}

function formatParams(params: UriParams): string {
  let out = '';
  for (const [name, value] of params) {
    if (name.length === 0) throw new InvalidUriError('empty URI parameter name');
    out += `;${escape(name, C_PARAM)}`;
    if (value !== undefined) {
      if (value.length === 0) throw new InvalidUriError('empty URI parameter value');
      out += `=${escape(value, C_PARAM)}`;
    }
  }
  return out;
}

const HEX = '0123456789ABCDEF';

/** %-escapes every character of `s` that is neither unreserved nor in `extra` (non-ASCII as UTF-8). */
export function escape(s: string, extra: number): string {
  const flags = C_UNRESERVED | extra;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (CHAR[c]! & flags) === 0) break;
    i++;
  }
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (const byte of Buffer.from(s.slice(i), 'utf8')) {
    out += byte < 128 && (CHAR[byte]! & flags) !== 0 ? String.fromCharCode(byte) : `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

// ---- comparison ----

const SIGNIFICANT_PARAMS = ['user', 'ttl', 'method', 'maddr', 'transport'];

/** URI equivalence (RFC 3261 §19.1.4 for SIP/SIPS; RFC 3966 §4 for tel; exact text otherwise). */
export function uriEquals(a: Uri, b: Uri): boolean {
  if (a.kind !== b.kind || a.scheme !== b.scheme) return false;
  if (a.kind === 'absolute') return a.opaque === (b as AbsoluteUri).opaque;
  if (a.kind === 'tel') {
    const t = b as TelUri;
    return stripVisual(a.number) === stripVisual(t.number) && paramsEqual(a.params, t.params, true);
  }
  const o = b as SipUri;
  if (a.user !== o.user || a.password !== o.password) return false;
  if (a.host.toLowerCase() !== o.host.toLowerCase() || a.port !== o.port) return false;
  for (const name of SIGNIFICANT_PARAMS) {
    if (a.params.has(name) !== o.params.has(name)) return false;
  }
  if (!paramsEqual(a.params, o.params, false)) return false;
  if (a.headers.length !== o.headers.length) return false;
  const rest = o.headers.map(([n, v]) => [n.toLowerCase(), v] as const);
  for (const [n, v] of a.headers) {
    const i = rest.findIndex(([rn, rv]) => rn === n.toLowerCase() && rv === v);
    if (i < 0) return false;
    rest.splice(i, 1);
  }
  return true;
}

function paramsEqual(a: UriParams, b: UriParams, all: boolean): boolean {
  if (all && a.size !== b.size) return false;
  for (const [name, value] of a) {
    if (!b.has(name)) {
      if (all) return false;
      continue;
    }
    const other = b.get(name);
    if ((value ?? '').toLowerCase() !== (other ?? '').toLowerCase()) return false;
  }
  return true;
}

function stripVisual(n: string): string {
  return n.replace(/[-.()]/g, '').toLowerCase();
}

/** Whether the URI is a SIP or SIPS URI. */
export function isSipUri(uri: Uri): uri is SipUri {
  return uri.kind === 'sip';
}

/** The host of a host string without IPv6 brackets. */
export function bareHost(host: string): string {
  return host.charCodeAt(0) === 91 && host.charCodeAt(host.length - 1) === 93 ? host.slice(1, -1) : host;
}
