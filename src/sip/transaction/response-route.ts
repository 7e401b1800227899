import { bareHost } from '../uri.js';
import { ok, type Result } from '../../util/errors.js';
import type { HeaderField } from '../headers.js';
import type { SipRequest } from '../message.js';
import type { MessageSource, SendTarget } from '../transport-types.js';
import type { Via } from '../via.js';
import { firstTopLevelComma } from './ack.js';

/**
 * What a server transport does to a received request (RFC 3261 §18.2.1, RFC 3581 §4): adds `received`
 * with the source address when it differs from the sent-by host, and when the client asked for `rport`
 * fills it with the source port (adding `received` even when the hosts agree). The request's first Via
 * field is replaced in its SipHeaders (the same object), so responses built from the request carry the
 * parameters. Returns the top Via as it now reads. `via` must be the request's parsed top Via
 * (getTopVia): its parts are written unchecked.
 */
export function stampReceived(req: SipRequest, via: Via, source: MessageSource): Via {
  const wantsRport = via.rport === true;
  const address = source.address;
  if (!wantsRport && (via.received === address || sameHost(via.host, address))) return via;
  const params = new Map<string, string | undefined>();
  // what formatVia writes, without its checks: every part is the parser's (checked) or the source's
  let top = via.port === undefined ? `${via.protocol}/${via.transport} ${via.host}` : `${via.protocol}/${via.transport} ${via.host}:${via.port}`;
  let sawReceived = false;
  for (const [name, given] of via.params) {
    let value = given;
    if (name === 'received') {
      sawReceived = true;
      value = address;
    } else if (name === 'rport' && wantsRport) value = String(source.port);
    params.set(name, value);
    top += value === undefined ? `;${name}` : `;${name}=${value}`;
  }
  if (!sawReceived) {
    params.set('received', address);
    top += `;received=${address}`;
  }
  // the parser's field order (deep-equality friendly)
  const stamped: { -readonly [K in keyof Via]: Via[K] } = { protocol: via.protocol, transport: via.transport, host: via.host, params };
  if (via.port !== undefined) stamped.port = via.port;
  if (via.branch !== undefined) stamped.branch = via.branch;
  stamped.received = address;
  const rport = wantsRport ? source.port : via.rport;
  if (rport !== undefined) stamped.rport = rport;
  if (via.ttl !== undefined) stamped.ttl = via.ttl;
  if (via.maddr !== undefined) stamped.maddr = via.maddr;
  const headers = req.headers;
  let field: HeaderField | undefined;
  for (const f of headers) {
    if (f.key === 'via') {
      field = f;
      break;
    }
  }
  if (field === undefined) return stamped;
  const comma = firstTopLevelComma(field.value);
  const next: HeaderField = { name: field.name, key: field.key, value: comma < 0 ? top : top + field.value.slice(comma) };
  // the field's parsed Vias with the top one stamped: what parsing `next` gives, so nothing parses it again
  const cached = headers.cachedParse(field) as Result<readonly Via[], unknown> | undefined;
  let parsed: Result<Via[], never> | undefined;
  if (cached !== undefined && cached.ok && cached.value[0] === via) {
    const vias = cached.value.slice();
    vias[0] = stamped;
    parsed = ok(vias);
  }
  headers.replaceField(field, next, parsed);
  return stamped;
}

/** Whether a sent-by host (IPv6 references in brackets) names `address` (ASCII case ignored). */
function sameHost(host: string, address: string): boolean {
  const bare = bareHost(host);
  return bare === address || bare.toLowerCase() === address.toLowerCase();
}

/**
 * Where the responses to a request go (RFC 3261 §18.2.2, RFC 3581 §4): over a stream, back on the
 * connection it came on (falling back to the source address and the sent-by port); over UDP, to the
 * source address (`received`) and the source port when `rport` was asked for, else the sent-by port
 * (default 5060). `maddr` (multicast) is not supported and ignored.
 */
export function responseTarget(via: Via, source: MessageSource): SendTarget {
  const port = via.rport !== undefined ? source.port : (via.port ?? 5060);
  return source.connectionId === undefined
    ? { address: source.address, port }
    : { address: source.address, port: via.port ?? 5060, connectionId: source.connectionId };
}
