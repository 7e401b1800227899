import { C_HEX, C_HOST, CHAR, is } from './chars.js';

// Host grammar of RFC 3261 §25.1 (hostname, IPv4address, IPv6reference), shared by URIs and Via.

/**
 * End of the host (RFC 3261 §25.1) starting at `p`, or -1: an `[IPv6]` reference, or a hostname / IPv4
 * address, leniently: labels of alphanumerics and `-` (not at a label's ends), an optional final dot.
 */
export function scanHost(s: string, p: number, end: number): number {
  if (p < end && s.charCodeAt(p) === 91) {
    const close = s.indexOf(']', p);
    if (close < 0 || close >= end || !isIpv6(s, p + 1, close)) return -1;
    return close + 1;
  }
  let i = p;
  let prev = 46; // as if after a dot: a label must start here
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (prev === 46 || prev === 45) return -1;
    } else if (c === 45) {
      if (prev === 46) return -1;
    } else if (c >= 128 || (CHAR[c]! & C_HOST) === 0) break;
    prev = c;
  }
  if (i === p || prev === 45) return -1;
  return i;
}

/** Whether s[a, b) is an IPv6 address (RFC 4291 text form, with an optional IPv4 tail). */
export function isIpv6(s: string, a: number, b: number): boolean {
  if (b - a < 2 || b - a > 45) return false;
  let groups = 0;
  let doubleColon = false;
  let i = a;
  if (s.charCodeAt(i) === 58) {
    if (s.charCodeAt(i + 1) !== 58) return false;
    doubleColon = true;
    i += 2;
    if (i === b) return true;
  }
  for (;;) {
    const start = i;
    while (i < b && is(s.charCodeAt(i), C_HEX)) i++;
    if (i < b && s.charCodeAt(i) === 46) {
      // IPv4 tail: counts as two groups
      if (!isIpv4(s, start, b)) return false;
      groups += 2;
      break;
    }
    const len = i - start;
    if (len === 0 || len > 4) return false;
    groups++;
    if (i === b) break;
    if (s.charCodeAt(i) !== 58) return false;
    i++;
    if (i < b && s.charCodeAt(i) === 58) {
      if (doubleColon) return false;
      doubleColon = true;
      i++;
      if (i === b) break;
    } else if (i === b) return false;
  }
  return doubleColon ? groups < 8 : groups === 8;
}

/** Whether s[a, b) is a dotted-quad IPv4 address. */
export function isIpv4(s: string, a: number, b: number): boolean {
  let parts = 0;
  let i = a;
  while (i <= b) {
    const start = i;
    let n = 0;
    while (i < b) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      n = n * 10 + c;
      i++;
    }
    if (i === start || i - start > 3 || n > 255) return false;
    parts++;
    if (i === b) break;
    if (s.charCodeAt(i) !== 46) return false;
    i++;
  }
  return parts === 4;
}
