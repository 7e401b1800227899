/**
 * Character classes of the RFC 3261 §25 grammar as bit flags over ASCII, for allocation-free scanners.
 * Internal to src/sip.
 */

/** token (§25.1): alphanum and `-.!%*_+` plus backquote, quote and tilde. */
export const C_TOKEN = 1;
/** unreserved (§25.1): alphanum and mark `-_.!~*'()`. */
export const C_UNRESERVED = 2;
/** user-unreserved (§25.1) `&=+$,;?/`. */
export const C_USER = 4;
/** password extra characters `&=+$,`. */
export const C_PASSWORD = 8;
/** param-unreserved (§25.1) `[]/:&+$`. */
export const C_PARAM = 16;
/** hnv-unreserved (§25.1) `[]/?:+$`. */
export const C_HNV = 32;
/** Call-ID word characters (§25.1). */
export const C_WORD = 64;
/** hostname characters: alphanum, `-`, `.`. */
export const C_HOST = 128;
/** hex digits. */
export const C_HEX = 256;
/** scheme characters after the first: alphanum, `+-.`. */
export const C_SCHEME = 512;
/** characters allowed raw in an opaque absoluteURI (reserved, unreserved, `%`, `#`, `[`, `]`). */
export const C_URIC = 1024;

/** user characters of a SIP URI including `%` (unreserved, user-unreserved, escapes). */
export const C_USERCHAR = 2048;
/** password characters including `%`. */
export const C_PASSCHAR = 4096;
/** paramchar including `%` (§25.1). */
export const C_PARAMCHAR = 8192;
/** URI header name/value characters including `%`. */
export const C_HNVCHAR = 16384;
/** unquoted header parameter value characters: token plus `:`, `[`, `]`. */
export const C_PVALUE = 32768;

/** Flags per ASCII code; 0 for anything else. */
export const CHAR = new Uint16Array(128);

function mark(chars: string, flag: number): void {
  for (let i = 0; i < chars.length; i++) CHAR[chars.charCodeAt(i)]! |= flag;
}

const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DIGIT = '0123456789';
const ALNUM = ALPHA + DIGIT;
mark(ALNUM + "-.!%*_+`'~", C_TOKEN);
mark(ALNUM + "-_.!~*'()", C_UNRESERVED);
mark('&=+$,;?/', C_USER);
mark('&=+$,', C_PASSWORD);
mark('[]/:&+$', C_PARAM);
mark('[]/?:+$', C_HNV);
mark(ALNUM + '-.!%*_+`\'~()<>:\\"/[]?{}', C_WORD);
mark(ALNUM + '-.', C_HOST);
mark(DIGIT + 'ABCDEFabcdef', C_HEX);
mark(ALNUM + '+-.', C_SCHEME);
mark(ALNUM + "-_.!~*'()" + ';/?:@&=+$,%#[]', C_URIC);
const UNRESERVED = ALNUM + "-_.!~*'()";
mark(UNRESERVED + '&=+$,;?/%', C_USERCHAR);
mark(UNRESERVED + '&=+$,%', C_PASSCHAR);
mark(UNRESERVED + '[]/:&+$%', C_PARAMCHAR);
mark(UNRESERVED + '[]/?:+$%', C_HNVCHAR);
mark(ALNUM + "-.!%*_+`'~:[]", C_PVALUE);

/** Whether the UTF-16 code unit `c` has `flag`. */
export function is(c: number, flag: number): boolean {
  return c < 128 && (CHAR[c]! & flag) !== 0;
}

/** SP or HTAB. */
export function isWsp(c: number): boolean {
  return c === 32 || c === 9;
}

/** Index of the first non-SP/HTAB at or after `i` (or `end`). */
export function skipWsp(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

/** Index just past the run of characters having `flag` that starts at `i`. */
export function scan(s: string, i: number, end: number, flag: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (CHAR[c]! & flag) === 0) break;
    i++;
  }
  return i;
}

/** Whether `s` is a non-empty run of `flag` characters. */
export function all(s: string, flag: number): boolean {
  return s.length > 0 && scan(s, 0, s.length, flag) === s.length;
}

/** Whether `s` is a SIP token (RFC 3261 §25.1). */
export function isToken(s: string): boolean {
  return all(s, C_TOKEN);
}

/**
 * Index just past the quoted-string that starts with `"` at `i`, or -1 if it never closes, holds a raw
 * control character, or a quoted-pair of CR/LF (RFC 3261 §25.1: qdtext and quoted-pair).
 */
export function scanQuoted(s: string, i: number, end: number): number {
  i++;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 34) return i + 1;
    if (c === 92) {
      if (i + 1 >= end) return -1;
      const n = s.charCodeAt(i + 1);
      if (n === 10 || n === 13) return -1;
      i += 2;
      continue;
    }
    if ((c < 32 && c !== 9) || c === 127) return -1;
    i++;
  }
  return -1;
}

/** The content of a quoted-string (with its quotes) with quoted-pairs resolved. */
export function unquote(quoted: string): string {
  const inner = quoted.slice(1, -1);
  if (inner.indexOf('\\') < 0) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === '\\' && i + 1 < inner.length) {
      out += inner[i + 1]!;
      i++;
    } else out += c;
  }
  return out;
}

/** `s` as a quoted-string: `"` and `\` escaped (callers reject CR/LF first). */
export function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    out += c === '"' || c === '\\' ? `\\${c}` : c;
  }
  return `${out}"`;
}

/**
 * Parses 1*DIGIT in s[i, end) as a number no larger than `max`; -1 when empty, not all digits or larger
 * (long inputs are rejected without overflowing).
 */
export function parseDigits(s: string, i: number, end: number, max: number): number {
  if (i >= end) return -1;
  let n = 0;
  for (; i < end; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
    if (n > max) return -1;
  }
  return n;
}
