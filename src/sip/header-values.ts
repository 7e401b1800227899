import { err, ok, type Result } from '../util/errors.js';
import { C_TOKEN, C_WORD, isToken, parseDigits, scan, scanQuoted, skipWsp } from './chars.js';
import { scanNameAddr, type NameAddr } from './name-addr.js';
import { badRequest, type SipParseError } from './parse-error.js';
import { scanParams, type HeaderParams } from './params.js';

/** The largest CSeq sequence number (RFC 3261 §8.1.1.5: less than 2**31). */
export const MAX_CSEQ = 2 ** 31 - 1;
/** The largest delta-seconds value (RFC 3261 §20.19, §20.10: 2**32 - 1). */
export const MAX_DELTA_SECONDS = 2 ** 32 - 1;

/** A parsed CSeq (RFC 3261 §20.16). */
export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

/** A Contact value (RFC 3261 §20.10) with its `expires` and `q` parameters read when valid. */
export interface ContactEntry extends NameAddr {
  /** The `expires` parameter as delta-seconds; undefined when absent or malformed (§10.3: use the default). */
  readonly expires?: number;
  /** The `q` parameter (0..1); undefined when absent or malformed. */
  readonly q?: number;
}

function trimStart(v: string, a: number, b: number): number {
  while (a < b && (v.charCodeAt(a) === 32 || v.charCodeAt(a) === 9)) a++;
  return a;
}

function trimEnd(v: string, a: number, b: number): number {
  while (b > a && (v.charCodeAt(b - 1) === 32 || v.charCodeAt(b - 1) === 9)) b--;
  return b;
}

/** Parses `1*DIGIT LWS Method`; the number must be below 2**31 (RFC 3261 §8.1.1.5, §20.16). */
export function parseCSeq(value: string): Result<CSeq, SipParseError> {
  return parseCSeqRange(value, 0, value.length);
}

/** parseCSeq of value[start, end) (internal). */
export function parseCSeqRange(value: string, start: number, end: number): Result<CSeq, SipParseError> {
  const a = trimStart(value, start, end);
  const b = trimEnd(value, a, end);
  let d = a;
  while (d < b && value.charCodeAt(d) >= 48 && value.charCodeAt(d) <= 57) d++;
  const seq = parseDigits(value, a, d, MAX_CSEQ);
  const m = skipWsp(value, d, b);
  if (seq < 0 || m === d || scan(value, m, b, C_TOKEN) !== b || m === b) return err(badRequest('Invalid CSeq header'));
  return ok({ seq, method: value.slice(m, b) });
}

/** Parses Max-Forwards: 1*DIGIT in 0..255 (RFC 3261 §20.22; leading zeros allowed). */
export function parseMaxForwards(value: string, start = 0, end = value.length): Result<number, SipParseError> {
  const a = trimStart(value, start, end);
  const b = trimEnd(value, a, end);
  const n = parseDigits(value, a, b, 255);
  return n < 0 ? err(badRequest('Invalid Max-Forwards header')) : ok(n);
}

/** Parses delta-seconds (Expires, Min-Expires; RFC 3261 §20.19): 0..2**32-1. */
export function parseExpires(value: string): Result<number, SipParseError> {
  const a = trimStart(value, 0, value.length);
  const b = trimEnd(value, a, value.length);
  const n = parseDigits(value, a, b, MAX_DELTA_SECONDS);
  return n < 0 ? err(badRequest('Invalid Expires header')) : ok(n);
}

/** Parses Content-Length: 1*DIGIT (RFC 3261 §20.14); values above 2**31-1 are rejected. */
export function parseContentLength(value: string, start = 0, end = value.length): Result<number, SipParseError> {
  const a = trimStart(value, start, end);
  const b = trimEnd(value, a, end);
  const n = parseDigits(value, a, b, MAX_CSEQ);
  return n < 0 ? err(badRequest('Invalid Content-Length header')) : ok(n);
}

// word ["@" word] from lastIndex (sticky); C_WORD's characters
const CALL_ID = /[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]+(?:@[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]+)?/y;

/** Whether the value is a valid Call-ID: `word ["@" word]` (RFC 3261 §20.8, §25.1). */
export function isCallId(value: string, a = 0, b = value.length): boolean {
  if (a >= b) return false;
  // one native match; only a match running past `b` needs the scan below
  CALL_ID.lastIndex = a;
  if (!CALL_ID.test(value)) return false;
  const e = CALL_ID.lastIndex;
  if (e <= b) return e === b;
  const w = scan(value, a, b, C_WORD);
  if (w === b) return true;
  // word "@" word
  return w > a && value.charCodeAt(w) === 64 && w + 1 < b && scan(value, w + 1, b, C_WORD) === b;
}

/**
 * Parses a Contact value (RFC 3261 §20.10): `*` or a comma-separated list of name-addr / addr-spec with
 * contact parameters.
 */
export function parseContactList(value: string, start = 0, end = value.length): Result<'*' | ContactEntry[], SipParseError> {
  const a = trimStart(value, start, end);
  const b = trimEnd(value, a, end);
  if (b - a === 1 && value.charCodeAt(a) === 42) return ok('*');
  const out: ContactEntry[] = [];
  let p = a;
  for (;;) {
    const r = scanNameAddr(value, p, b);
    if (!r) return err(badRequest('Invalid Contact header'));
    out.push(contactEntry(r.value));
    if (r.next === b) return ok(out);
    if (value.charCodeAt(r.next) !== 44) return err(badRequest('Invalid Contact header'));
    p = r.next + 1;
  }
}

function contactEntry(na: NameAddr): ContactEntry {
  if (na.params.size === 0) return na;
  const e = na.params.get('expires');
  const q = na.params.get('q');
  let expires: number | undefined;
  let qv: number | undefined;
  if (e !== undefined) {
    const n = parseDigits(e, 0, e.length, MAX_DELTA_SECONDS);
    if (n >= 0) expires = n;
  }
  if (q !== undefined && /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(q)) qv = Number(q);
  if (expires === undefined && qv === undefined) return na;
  const entry: { -readonly [K in keyof ContactEntry]: ContactEntry[K] } = { ...na };
  if (expires !== undefined) entry.expires = expires;
  if (qv !== undefined) entry.q = qv;
  return entry;
}

/**
 * Splits a header value at the commas that separate list elements: commas inside quoted strings or `<>`
 * do not split. Elements are trimmed; empty elements are kept (as ''), so callers can reject them. An
 * empty or all-whitespace value gives [].
 */
export function splitHeaderList(value: string): string[] {
  const a = trimStart(value, 0, value.length);
  const b = trimEnd(value, a, value.length);
  if (a === b) return [];
  const out: string[] = [];
  let start = a;
  let angle = false;
  for (let i = a; i < b; i++) {
    const c = value.charCodeAt(i);
    if (c === 34) {
      const q = scanQuoted(value, i, b);
      if (q < 0) break; // unterminated: the rest is one element
      i = q - 1;
    } else if (c === 60) angle = true;
    else if (c === 62) angle = false;
    else if (c === 44 && !angle) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start, b).trim());
  return out;
}

/**
 * Parses an option-tag list (Require, Proxy-Require, Supported, Unsupported; RFC 3261 §20.32, §20.37).
 * An empty value is an empty list; an empty element or a non-token is an error.
 */
export function parseOptionTags(value: string): Result<string[], SipParseError> {
  const items = splitHeaderList(value);
  for (const t of items) if (!isToken(t)) return err(badRequest('Invalid option tag'));
  return ok(items);
}

/** Parses a generic parameter list `;name[=value]…` (LWS allowed; values token, host or quoted-string). */
export function parseGenericParams(value: string): Result<HeaderParams, SipParseError> {
  const map = new Map<string, string | undefined>();
  const a = trimStart(value, 0, value.length);
  const b = trimEnd(value, a, value.length);
  return scanParams(value, a, b, map) === b ? ok(map) : err(badRequest('Invalid parameters'));
}

/** A value with parameters, such as Content-Type or Event: `token-ish *(;param)`. */
export interface ValueWithParams {
  /** The text before the first `;`, trimmed. */
  readonly value: string;
  readonly params: HeaderParams;
}

/** Splits `value *(SEMI generic-param)` (Content-Type, Event, Subscription-State, Reason …). */
export function parseValueWithParams(value: string): Result<ValueWithParams, SipParseError> {
  const a = trimStart(value, 0, value.length);
  const b = trimEnd(value, a, value.length);
  let i = a;
  while (i < b && value.charCodeAt(i) !== 59) {
    if (value.charCodeAt(i) === 34) {
      const q = scanQuoted(value, i, b);
      if (q < 0) return err(badRequest('Invalid header value'));
      i = q;
    } else i++;
  }
  const map = new Map<string, string | undefined>();
  if (scanParams(value, i, b, map) !== b) return err(badRequest('Invalid parameters'));
  return ok({ value: value.slice(a, i).trim(), params: map });
}

/** The content of a parameter value: quoted strings unquoted, anything else as is. */
export function paramText(v: string | undefined): string | undefined {
  if (v === undefined || v.charCodeAt(0) !== 34) return v;
  let out = '';
  for (let i = 1; i < v.length - 1; i++) {
    const c = v[i]!;
    if (c === '\\' && i + 1 < v.length - 1) out += v[++i]!;
    else out += c;
  }
  return out;
}
