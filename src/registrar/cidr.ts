// IP networks for IP-trusted registrar users: `10.0.0.0/8`, `2001:db8::/32`, or a single address.

/** A parsed network: 4 or 16 address bytes and the prefix length in bits. */
export interface Cidr {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

/**
 * Parses an IPv4 or IPv6 address (an IPv6 zone `%eth0` is ignored). IPv4-mapped IPv6 addresses
 * (`::ffff:192.0.2.1`, what a dual-stack socket reports) are returned as IPv4. undefined when malformed.
 */
export function parseIp(text: string): { readonly family: 4 | 6; readonly bytes: Uint8Array } | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 64) return undefined;
  const v4 = parseIpv4(text);
  if (v4) return { family: 4, bytes: v4 };
  const zone = text.indexOf('%');
  const v6 = parseIpv6(zone < 0 ? text : text.slice(0, zone));
  if (!v6) return undefined;
  if (isV4Mapped(v6)) return { family: 4, bytes: v6.slice(12) };
  return { family: 6, bytes: v6 };
}

/**
 * Parses `address/prefix` or a bare address (a host network: /32 or /128). The address must be the
 * network's first address (`10.1.2.3/8` is refused as a likely typo). undefined when malformed.
 */
export function parseCidr(text: string): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  // an IPv4-mapped IPv6 network's prefix counts the 96 mapping bits
  const mapped = ip.family === 4 && slash >= 0 && text.indexOf(':') >= 0;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p) - (mapped ? 96 : 0);
    if (prefix < 0 || prefix > max) return undefined;
  }
  if (!prefixMatches(ip.bytes, new Uint8Array(ip.bytes.length), ip.bytes.length * 8 - prefix, true)) return undefined;
  return { family: ip.family, bytes: ip.bytes, prefix };
}

/** Whether an address lies inside the network (an IPv4-mapped address matches IPv4 networks). */
export function cidrContains(cidr: Cidr, address: string): boolean {
  const ip = parseIp(address);
  if (!ip || ip.family !== cidr.family) return false;
  return prefixMatches(ip.bytes, cidr.bytes, cidr.prefix, false);
}

/** Whether an address lies inside any of the networks; entries that do not parse match nothing. */
export function inNetworks(networks: readonly string[], address: string): boolean {
  for (const n of networks) {
    const c = parseCidr(n);
    if (c && cidrContains(c, address)) return true;
  }
  return false;
}

/**
 * With `hostBits` false: whether the first `bits` bits of a and b agree. With `hostBits` true: whether the
 * last `bits` bits of a are all zero (b unused).
 */
function prefixMatches(a: Uint8Array, b: Uint8Array, bits: number, hostBits: boolean): boolean {
  if (hostBits) {
    let i = a.length - 1;
    for (; bits >= 8; bits -= 8, i--) if (a[i] !== 0) return false;
    return bits === 0 || (a[i]! & ((1 << bits) - 1)) === 0;
  }
  let i = 0;
  for (; bits >= 8; bits -= 8, i++) if (a[i] !== b[i]) return false;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (a[i]! & mask) === (b[i]! & mask);
}

function parseIpv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    // no leading zeros: `010` is octal to some parsers, so it is refused rather than guessed
    if (!/^(?:0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseIpv6(s: string): Uint8Array | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 1 || halves[1] === '' ? [] : halves[1]!.split(':');
  const groups: number[] = [];
  const all = [...head, ...tail];
  // an IPv4 tail counts as two groups
  const last = all[all.length - 1];
  let v4: Uint8Array | undefined;
  if (last !== undefined && last.includes('.')) {
    v4 = parseIpv4(last);
    if (!v4) return undefined;
    if (tail.length > 0) tail.pop();
    else head.pop();
  }
  for (const g of [...head, ...tail]) if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return undefined;
  const count = head.length + tail.length + (v4 ? 2 : 0);
  if (halves.length === 1 ? count !== 8 : count > 7) return undefined;
  for (const g of head) groups.push(parseInt(g, 16));
  for (let i = count; i < 8; i++) groups.push(0);
  for (const g of tail) groups.push(parseInt(g, 16));
  const out = new Uint8Array(16);
  for (let i = 0; i < groups.length; i++) {
    out[2 * i] = groups[i]! >> 8;
    out[2 * i + 1] = groups[i]! & 0xff;
  }
  if (v4) out.set(v4, 12);
  return out;
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}
