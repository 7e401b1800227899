import { err, ok, type Result } from '../util/errors.js';
import { InvalidHeaderError } from './headers.js';
import { C_TOKEN, CHAR, quote, scanQuoted, skipWsp, unquote } from './chars.js';
import { badRequest, type SipParseError } from './parse-error.js';
import { formatParams, scanParamsLazy, type HeaderParams } from './params.js';
import { formatUri, parseUri, parseUriRange, type Uri } from './uri.js';

/**
 * A name-addr or addr-spec with header parameters (RFC 3261 §20.10, §20.20, §20.39: Contact, From, To,
 * Route …). Parameters after a bare addr-spec are header parameters, never URI parameters (§20).
 */
export interface NameAddr {
  /** Unquoted display name (quoted-pairs resolved), or the token sequence as written. */
  readonly displayName?: string;
  readonly uri: Uri;
  /** The URI text exactly as written between `<>` (or the bare addr-spec). */
  readonly rawUri: string;
  /** Header parameters: names lowercased, values as written (quoted strings keep their quotes). */
  readonly params: HeaderParams;
}

/** Internal: one name-addr scanned from s[p, end). */
export interface ScannedNameAddr {
  readonly value: NameAddr;
  /** Index after the parameters and trailing whitespace. */
  readonly next: number;
}

/**
 * Scans one `(name-addr / addr-spec) *(SEMI generic-param)` at `p`; the caller checks what follows
 * (end of value, or `,` in a list). Returns undefined when malformed.
 */
export function scanNameAddr(s: string, p: number, end: number): ScannedNameAddr | undefined {
  p = skipWsp(s, p, end);
  if (p >= end) return undefined;
  let displayName: string | undefined;
  let uriStart: number;
  let uriEnd: number;
  const c = s.charCodeAt(p);
  if (c === 34) {
    const q = scanQuoted(s, p, end);
    if (q < 0) return undefined;
    displayName = unquote(s.slice(p, q));
    p = skipWsp(s, q, end);
    if (p >= end || s.charCodeAt(p) !== 60) return undefined;
  }
  if (c !== 34 && c !== 60) {
    let q = p;
    for (; q < end; q++) {
      const d = s.charCodeAt(q);
      if (d !== 32 && d !== 9 && (d >= 128 || (CHAR[d]! & C_TOKEN) === 0)) break;
    }
    if (q < end && s.charCodeAt(q) === 60) {
      let e = q;
      while (s.charCodeAt(e - 1) === 32 || s.charCodeAt(e - 1) === 9) e--;
      displayName = s.slice(p, e);
      p = q;
    }
  }
  if (s.charCodeAt(p) === 60) {
    const gt = s.indexOf('>', p + 1);
    if (gt < 0 || gt >= end) return undefined;
    uriStart = p + 1;
    uriEnd = gt;
    p = gt + 1;
  } else {
    // addr-spec: ends at `;`, `,` or whitespace, and may not contain `?` (§20: those need <>).
    let q = p;
    for (; q < end; q++) {
      const d = s.charCodeAt(q);
      if (d === 59 || d === 44 || d === 32 || d === 9) break;
      if (d === 63) return undefined;
    }
    uriStart = p;
    uriEnd = q;
    p = q;
  }
  const uri = parseUriRange(s, uriStart, uriEnd);
  if (!uri.ok) return undefined;
  const { params, next } = scanParamsLazy(s, p, end);
  if (next < 0) return undefined;
  const rawUri = s.slice(uriStart, uriEnd);
  const value: NameAddr = displayName === undefined
    ? { uri: uri.value, rawUri, params }
    : { displayName, uri: uri.value, rawUri, params };
  return { value, next };
}

/** Parses a From/To/Route-style value: exactly one name-addr or addr-spec with parameters. */
export function parseNameAddr(value: string): Result<NameAddr, SipParseError> {
  return parseNameAddrRange(value, 0, value.length);
}

/** parseNameAddr of s[a, b) (internal). */
export function parseNameAddrRange(s: string, a: number, b: number): Result<NameAddr, SipParseError> {
  const r = scanNameAddr(s, a, b);
  if (!r || r.next !== b) return err(badRequest('Invalid name-addr'));
  return ok(r.value);
}

/** Parses a comma-separated list of name-addrs (Route, Record-Route, Path; RFC 3261 §20.30). */
export function parseNameAddrList(value: string): Result<NameAddr[], SipParseError> {
  const out: NameAddr[] = [];
  const end = value.length;
  let p = 0;
  for (;;) {
    const r = scanNameAddr(value, p, end);
    if (!r) return err(badRequest('Invalid name-addr list'));
    out.push(r.value);
    if (r.next === end) return ok(out);
    if (value.charCodeAt(r.next) !== 44) return err(badRequest('Invalid name-addr list'));
    p = r.next + 1;
  }
}

/** What formatNameAddr writes: the URI as a parsed Uri or as text that parseUri accepts. */
export interface NameAddrInit {
  readonly displayName?: string;
  readonly uri: Uri | string;
  readonly params?: Iterable<readonly [string, string | undefined]>;
}

/**
 * Writes `"Display" <uri>;param=value` (display name always quoted, URI always in `<>`). Throws
 * InvalidHeaderError for a display name with control characters or an unwritable parameter, and
 * InvalidUriError for a URI that cannot be written.
 */
export function formatNameAddr(na: NameAddrInit): string {
  let uri: string;
  if (typeof na.uri === 'string') {
    if (!parseUri(na.uri).ok) throw new InvalidHeaderError('URI text does not parse');
    uri = na.uri;
  } else uri = formatUri(na.uri);
  let out = '';
  if (na.displayName !== undefined && na.displayName.length > 0) {
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(na.displayName)) {
      throw new InvalidHeaderError('display name contains control characters');
    }
    out = `${quote(na.displayName)} `;
  }
  return `${out}<${uri}>${formatParams(na.params)}`;
}
