import { InvalidHeaderError } from './headers.js';
import { C_PVALUE, C_TOKEN, isToken, scan, scanQuoted, skipWsp } from './chars.js';

/** Header parameters (`;name=value`): names lowercased, values as written (quoted strings keep their quotes). */
export type HeaderParams = ReadonlyMap<string, string | undefined>;

function refuse(): never {
  throw new TypeError('parsed SIP parameters are read-only');
}

/**
 * The one empty parameter map shared by every parsed value without parameters (saves an allocation per
 * URI and header). Its mutators throw; they are not enumerable, so it still deep-equals `new Map()`.
 */
export const EMPTY_PARAMS: HeaderParams = (() => {
  const m = new Map<string, string | undefined>();
  for (const k of ['set', 'delete', 'clear']) Object.defineProperty(m, k, { value: refuse, enumerable: false });
  return m;
})();

/** Like scanParams, but allocates the map only when a parameter follows. */
export function scanParamsLazy(s: string, p: number, end: number): { params: HeaderParams; next: number } {
  const q = skipWsp(s, p, end);
  if (q >= end || s.charCodeAt(q) !== 59) return { params: EMPTY_PARAMS, next: q };
  const map = new Map<string, string | undefined>();
  return { params: map, next: scanParams(s, q, end, map) };
}


/**
 * Scans `*( SEMI generic-param )` (RFC 3261 §25.1, LWS allowed around `;` and `=`) from `p` into `into`.
 * Returns the index of the first character after the parameters and any whitespace, or -1 when a
 * parameter is malformed or repeated.
 */
export function scanParams(s: string, p: number, end: number, into: Map<string, string | undefined>): number {
  for (;;) {
    let q = skipWsp(s, p, end);
    if (q >= end || s.charCodeAt(q) !== 59) return q;
    q = skipWsp(s, q + 1, end);
    const nEnd = scan(s, q, end, C_TOKEN);
    if (nEnd === q) return -1;
    const name = paramName(s, q, nEnd);
    let value: string | undefined;
    p = nEnd;
    const r0 = skipWsp(s, nEnd, end);
    if (r0 < end && s.charCodeAt(r0) === 61) {
      const r = skipWsp(s, r0 + 1, end);
      let vEnd: number;
      if (r < end && s.charCodeAt(r) === 34) vEnd = scanQuoted(s, r, end);
      else {
        vEnd = scan(s, r, end, C_PVALUE);
      }
      if (vEnd <= r) return -1;
      value = s.slice(r, vEnd);
      p = vEnd;
    }
    const size = into.size;
    into.set(name, value);
    if (into.size === size) return -1; // repeated name
  }
}

// parameter names as most messages spell them, by length: returned as the same strings each time, so no
// copy is made and their hash is already known when they become map keys
const USUAL_PARAMS: ReadonlyArray<readonly string[] | undefined> = (() => {
  const table: string[][] = [];
  for (const name of ['tag', 'branch', 'rport', 'received', 'expires', 'q', 'lr', 'transport', 'maddr', 'ttl']) {
    (table[name.length] ??= []).push(name);
  }
  return table;
})();

/** The lowercased parameter name s[a, b) (a token). */
function paramName(s: string, a: number, b: number): string {
  const candidates = USUAL_PARAMS[b - a];
  if (candidates !== undefined) {
    for (let i = 0; i < candidates.length; i++) if (s.startsWith(candidates[i]!, a)) return candidates[i]!;
  }
  return s.slice(a, b).toLowerCase();
}

/** Whether `v` can be written as a gen-value: a token (plus `:[]`) or a well-formed quoted-string. */
export function isParamValue(v: string): boolean {
  if (v.length === 0) return false;
  if (v.charCodeAt(0) === 34) return scanQuoted(v, 0, v.length) === v.length;
  return scan(v, 0, v.length, C_PVALUE) === v.length;
}

/** Writes header parameters; throws InvalidHeaderError for a name or value that would corrupt the header. */
export function formatParams(params: Iterable<readonly [string, string | undefined]> | undefined): string {
  if (!params) return '';
  let out = '';
  for (const [name, value] of params) {
    if (!isToken(name)) throw new InvalidHeaderError(`parameter name ${JSON.stringify(name)} is not a token`);
    out += `;${name}`;
    if (value !== undefined) {
      if (!isParamValue(value)) throw new InvalidHeaderError(`value of parameter ${name} is not a token or quoted string`);
      out += `=${value}`;
    }
  }
  return out;
}

/** Parses a string of generic parameters (`;a=b;c`, LWS allowed), e.g. the tail of Content-Type. */
export function parseParamString(s: string): HeaderParams | undefined {
  const map = new Map<string, string | undefined>();
  return scanParams(s, 0, s.length, map) === s.length ? map : undefined;
}
