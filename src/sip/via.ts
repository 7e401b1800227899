import { err, ok, type Result } from '../util/errors.js';
import { InvalidHeaderError } from './headers.js';
import { C_TOKEN, isToken, parseDigits, scan, skipWsp } from './chars.js';
import { badRequest, type SipParseError } from './parse-error.js';
import { formatParams, scanParams, type HeaderParams } from './params.js';
import { scanHost } from './host.js';

/** The RFC 3261 magic cookie that starts every compliant branch (§8.1.1.7). */
export const BRANCH_COOKIE = 'z9hG4bK';

/** One via-parm (RFC 3261 §20.42, RFC 3581 rport). */
export interface Via {
  /** `protocol-name/protocol-version`, name uppercased: normally `SIP/2.0`. */
  readonly protocol: string;
  /** Uppercased transport token (`UDP`, `TCP`, `TLS`, `SCTP`, `WS`, or any unknown token). */
  readonly transport: string;
  /** sent-by host as written (IPv6 references keep their brackets). */
  readonly host: string;
  readonly port?: number;
  readonly branch?: string;
  readonly received?: string;
  /** RFC 3581: `true` when present without a value (a request for it), else the port. */
  readonly rport?: number | true;
  readonly ttl?: number;
  readonly maddr?: string;
  /** Every parameter in order (names lowercased, values as written), including the ones above. */
  readonly params: HeaderParams;
}

const INVALID = 'Invalid Via header';

/** Parses a Via header value: one or more comma-separated via-parms, LWS allowed around `/`, `:`, `;`. */
export function parseVia(value: string): Result<Via[], SipParseError> {
  return parseViaRange(value, 0, value.length);
}

/** parseVia of value[a, end) (internal). */
export function parseViaRange(value: string, a: number, end: number): Result<Via[], SipParseError> {
  const out: Via[] = [];
  let p = a;
  for (;;) {
    const next = scanVia(value, p, end, out);
    if (next < 0) return err(badRequest(INVALID));
    if (next === end) return ok(out);
    if (value.charCodeAt(next) !== 44) return err(badRequest(INVALID));
    p = next + 1;
  }
}

function scanVia(s: string, p: number, end: number, out: Via[]): number {
  p = skipWsp(s, p, end);
  let protocol: string;
  let transport: string;
  let hostStart: number;
  // the usual spellings in one native comparison each
  if (p + 12 <= end && s.startsWith('SIP/2.0/UDP ', p)) {
    protocol = 'SIP/2.0';
    transport = 'UDP';
    hostStart = skipWsp(s, p + 12, end);
  } else if (p + 12 <= end && s.startsWith('SIP/2.0/TCP ', p)) {
    protocol = 'SIP/2.0';
    transport = 'TCP';
    hostStart = skipWsp(s, p + 12, end);
  } else {
    const sp = scanSentProtocol(s, p, end);
    if (sp === undefined) return -1;
    ({ protocol, transport, hostStart } = sp);
  }
  return scanSentBy(s, hostStart, end, out, protocol, transport);
}

/** sent-protocol LWS at p (any spelling): the protocol, the transport and where sent-by starts. */
function scanSentProtocol(s: string, p: number, end: number): { protocol: string; transport: string; hostStart: number } | undefined {
  const nameEnd = scan(s, p, end, C_TOKEN);
  if (nameEnd === p) return undefined;
  let q = skipWsp(s, nameEnd, end);
  if (s.charCodeAt(q) !== 47) return undefined;
  q = skipWsp(s, q + 1, end);
  const verEnd = scan(s, q, end, C_TOKEN);
  if (verEnd === q) return undefined;
  const protocol = nameEnd - p === 3 && verEnd - q === 3 && s.startsWith('SIP', p) && s.startsWith('2.0', q)
    ? 'SIP/2.0'
    : `${s.slice(p, nameEnd).toUpperCase()}/${s.slice(q, verEnd)}`;
  q = skipWsp(s, verEnd, end);
  if (s.charCodeAt(q) !== 47) return undefined;
  q = skipWsp(s, q + 1, end);
  const tEnd = scan(s, q, end, C_TOKEN);
  if (tEnd === q) return undefined;
  const transport = tEnd - q === 3 && s.startsWith('UDP', q) ? 'UDP'
    : tEnd - q === 3 && s.startsWith('TCP', q) ? 'TCP'
    : s.slice(q, tEnd).toUpperCase();
  // LWS between sent-protocol and sent-by is mandatory
  const hostStart = skipWsp(s, tEnd, end);
  if (hostStart === tEnd) return undefined;
  return { protocol, transport, hostStart };
}

/** sent-by and via-params from hostStart; pushes the Via and returns the index after it, or -1. */
function scanSentBy(s: string, hostStart: number, end: number, out: Via[], protocol: string, transport: string): number {
  let q: number;
  const hostEnd = scanHost(s, hostStart, end);
  if (hostEnd < 0) return -1;
  const host = s.slice(hostStart, hostEnd);
  let port: number | undefined;
  q = skipWsp(s, hostEnd, end);
  if (q < end && s.charCodeAt(q) === 58) {
    const ps = skipWsp(s, q + 1, end);
    let de = ps;
    while (de < end && s.charCodeAt(de) >= 48 && s.charCodeAt(de) <= 57) de++;
    port = parseDigits(s, ps, de, 65535);
    if (port < 0) return -1;
    q = de;
  } else q = hostEnd;
  const params = new Map<string, string | undefined>();
  q = scanParams(s, q, end, params);
  if (q < 0) return -1;
  let branch: string | undefined;
  let received: string | undefined;
  let rport: number | true | undefined;
  let ttl: number | undefined;
  let maddr: string | undefined;
  if (params.size > 0) {
    if (params.has('branch')) {
      // a token: the gen-value scan allowed token characters plus `:[]`, or a quoted string
      branch = params.get('branch');
      if (branch === undefined || !isTokenValue(branch)) return -1;
    }
    if (params.size > 1 || branch === undefined) {
      if (params.has('received')) {
        received = params.get('received');
        if (received === undefined || received.charCodeAt(0) === 34) return -1;
      }
      if (params.has('rport')) {
        const v = params.get('rport');
        if (v === undefined) rport = true;
        else {
          const n = parseDigits(v, 0, v.length, 65535);
          if (n < 0) return -1;
          rport = n;
        }
      }
      if (params.has('ttl')) {
        const v = params.get('ttl');
        ttl = v === undefined ? -1 : parseDigits(v, 0, v.length, 255);
        if (ttl < 0) return -1;
      }
      if (params.has('maddr')) {
        maddr = params.get('maddr');
        if (maddr === undefined || maddr.charCodeAt(0) === 34) return -1;
      }
    }
  }
  // optional fields are left out rather than set to undefined (deep-equality friendly)
  const via: { -readonly [K in keyof Via]: Via[K] } = { protocol, transport, host, params };
  if (port !== undefined) via.port = port;
  if (branch !== undefined) via.branch = branch;
  if (received !== undefined) via.received = received;
  if (rport !== undefined) via.rport = rport;
  if (ttl !== undefined) via.ttl = ttl;
  if (maddr !== undefined) via.maddr = maddr;
  out.push(via);
  return q;
}

/** Whether a gen-value (already scanned as token / `:[]` / quoted-string) is a plain token. */
function isTokenValue(v: string): boolean {
  return v.charCodeAt(0) !== 34 && v.indexOf(':') < 0 && v.indexOf('[') < 0 && v.indexOf(']') < 0;
}

/** What formatVia writes. */
export interface ViaInit {
  /** Default `SIP/2.0`. */
  readonly protocol?: string;
  readonly transport: string;
  readonly host: string;
  readonly port?: number;
  /** Parameters in order (branch, rport, received …); values must be tokens, hosts or quoted strings. */
  readonly params?: Iterable<readonly [string, string | undefined]>;
}

/** Writes one via-parm, e.g. `SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK…;rport`. Throws InvalidHeaderError for unsafe parts. */
export function formatVia(via: ViaInit): string {
  const protocol = via.protocol ?? 'SIP/2.0';
  const slash = protocol.indexOf('/');
  if (slash < 0 || !isToken(protocol.slice(0, slash)) || !isToken(protocol.slice(slash + 1))) {
    throw new InvalidHeaderError('invalid Via protocol');
  }
  if (!isToken(via.transport)) throw new InvalidHeaderError('invalid Via transport');
  const h = via.host;
  if (scanHost(h, 0, h.length) !== h.length) throw new InvalidHeaderError('invalid Via host');
  let out = `${protocol}/${via.transport.toUpperCase()} ${h}`;
  if (via.port !== undefined) {
    if (!Number.isInteger(via.port) || via.port < 0 || via.port > 65535) throw new InvalidHeaderError('invalid Via port');
    out += `:${via.port}`;
  }
  return out + formatParams(via.params);
}
