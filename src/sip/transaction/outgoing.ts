import { getRequestUri } from '../accessors.js';
import type { HeaderField } from '../headers.js';
import { newCallId, newTag } from '../ids.js';
import type { SipRequest } from '../message.js';
import { parseNameAddr } from '../name-addr.js';
import type { SendTarget, SipTransport, TransportProtocol } from '../transport-types.js';
import { bareHost, isIpv6 } from '../uri.js';
import type { Destination } from './endpoint-types.js';

/**
 * The header fields of a request as this endpoint sends it (RFC 3261 §8.1.1): slot 0 is left for the
 * Via of each attempt, then the request's own fields (a From without tag gets one), then what it lacks:
 * To (the Request-URI), From (`defaultFrom`) with a tag, Call-ID, CSeq `1 <method>`, Max-Forwards 70 and
 * User-Agent when given. Added values are built from checked parts (the request's fields were checked
 * when they were set), so they are not validated again.
 */
export function requestFields(req: SipRequest, defaultFrom: string, userAgent: string | undefined): HeaderField[] {
  const fields: HeaderField[] = [VIA_SLOT];
  let to = false;
  let from = false;
  let callId = false;
  let cseq = false;
  let maxForwards = false;
  let ua = false;
  for (let f of req.headers) {
    switch (f.key) {
      case 'to':
        to = true;
        break;
      case 'from':
        if (!from && !hasTag(f.value)) f = { name: f.name, key: f.key, value: `${f.value};tag=${newTag()}` };
        from = true;
        break;
      case 'call-id':
        callId = true;
        break;
      case 'cseq':
        cseq = true;
        break;
      case 'max-forwards':
        maxForwards = true;
        break;
      case 'user-agent':
        ua = true;
        break;
    }
    fields.push(f);
  }
  if (!to) fields.push({ name: 'To', key: 'to', value: `<${req.uri}>` });
  if (!from) fields.push({ name: 'From', key: 'from', value: `<${defaultFrom}>;tag=${newTag()}` });
  if (!callId) fields.push({ name: 'Call-ID', key: 'call-id', value: newCallId() });
  if (!cseq) fields.push({ name: 'CSeq', key: 'cseq', value: `1 ${req.method}` });
  if (!maxForwards) fields.push(MAX_FORWARDS);
  if (userAgent !== undefined && !ua) fields.push({ name: 'User-Agent', key: 'user-agent', value: userAgent });
  return fields;
}

const VIA_SLOT: HeaderField = Object.freeze({ name: 'Via', key: 'via', value: '' });
const MAX_FORWARDS: HeaderField = Object.freeze({ name: 'Max-Forwards', key: 'max-forwards', value: '70' });

/** Whether a From/To value carries a `tag` header parameter (a fast scan when no quoted display name). */
export function hasTag(value: string): boolean {
  if (value.includes('"')) {
    const r = parseNameAddr(value);
    return r.ok && r.value.params.has('tag');
  }
  const close = value.lastIndexOf('>');
  const params = close < 0 ? value.indexOf(';') : value.indexOf(';', close);
  return params >= 0 && /;\s*tag\s*=/i.test(value.slice(params));
}

/** Where a request goes, or why it cannot go anywhere. */
export type Route =
  | { readonly ok: true; readonly protocol: TransportProtocol; readonly family: 4 | 6; readonly target: SendTarget }
  | { readonly ok: false; readonly message: string };

/**
 * The next hop of a request (RFC 3261 §8.1.2, without RFC 3263 DNS procedures): an explicit destination,
 * else the Request-URI's host, port (default 5060) and `transport` parameter (default udp). sips and
 * tel URIs need an explicit destination.
 */
export function routeOf(req: SipRequest, destination: Destination | undefined): Route {
  if (destination !== undefined) {
    const port = destination.port ?? 5060;
    if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, message: 'destination port must be 1..65535' };
    if (typeof destination.host !== 'string' || destination.host.length === 0) return { ok: false, message: 'destination host is empty' };
    const protocol = destination.transport ?? transportParam(req) ?? 'udp';
    if (protocol !== 'udp' && protocol !== 'tcp') return { ok: false, message: `unsupported transport ${String(protocol)}` };
    const host = bareHost(destination.host);
    return { ok: true, protocol, family: familyOf(host), target: { address: host, port } };
  }
  const uri = getRequestUri(req);
  if (uri === undefined) return { ok: false, message: 'Request-URI does not parse' };
  if (uri.kind !== 'sip' || uri.scheme !== 'sip') return { ok: false, message: `no route for a ${uri.scheme} URI without a destination` };
  const t = uri.params.get('transport')?.toLowerCase() ?? 'udp';
  if (t !== 'udp' && t !== 'tcp') return { ok: false, message: `unsupported transport ${t}` };
  const host = bareHost(uri.host);
  return { ok: true, protocol: t, family: familyOf(host), target: { address: host, port: uri.port ?? 5060 } };
}

function transportParam(req: SipRequest): TransportProtocol | undefined {
  const uri = getRequestUri(req);
  const t = uri?.kind === 'sip' ? uri.params.get('transport')?.toLowerCase() : undefined;
  return t === 'udp' || t === 'tcp' ? t : undefined;
}

function familyOf(host: string): 4 | 6 {
  return isIpv6(host, 0, host.length) ? 6 : 4;
}

/** The first transport of the protocol and family. */
export function pickTransport(transports: readonly SipTransport[], protocol: TransportProtocol, family: 4 | 6): SipTransport | undefined {
  for (const t of transports) if (t.protocol === protocol && t.family === family) return t;
  return undefined;
}

/** The Via value this endpoint writes for a transport, up to the branch value: `SIP/2.0/UDP host:port;branch=`. */
export function viaPrefix(transport: SipTransport): string {
  return `SIP/2.0/${transport.protocol.toUpperCase()} ${transport.sentByHost}:${transport.localPort};branch=`;
}
