import { bareHost } from '../uri.js';
import { SipHeaders, type HeaderField } from '../headers.js';
import type { SipRequest } from '../message.js';
import type { MessageSource, SendTarget } from '../transport-types.js';
import { formatVia, type Via } from '../via.js';
import { firstTopLevelComma } from './ack.js';

/**
 * What a server transport does to a received request (RFC 3261 §18.2.1, RFC 3581 §4): adds `received`
 * with the source address when it differs from the sent-by host, and when the client asked for `rport`
 * fills it with the source port (adding `received` even when the hosts agree). The request's first Via
 * field is replaced, so responses built from the request carry the parameters. Returns the top Via as
 * it now reads.
 */
export function stampReceived(req: SipRequest, via: Via, source: MessageSource): Via {
  const wantsRport = via.rport === true;
  const differs = bareHost(via.host).toLowerCase() !== source.address.toLowerCase();
  if (!wantsRport && !(differs && via.received !== source.address)) return via;
  const params: Array<[string, string | undefined]> = [];
  let sawReceived = false;
  for (const [name, value] of via.params) {
    if (name === 'received') {
      sawReceived = true;
      params.push([name, source.address]);
    } else if (name === 'rport' && wantsRport) params.push([name, String(source.port)]);
    else params.push([name, value]);
  }
  if (!sawReceived) params.push(['received', source.address]);
  const stamped: Via = {
    ...via,
    received: source.address,
    rport: wantsRport ? source.port : via.rport,
    params: new Map(params),
  };
  const top = formatVia({ protocol: via.protocol, transport: via.transport, host: via.host, port: via.port, params });
  const fields: HeaderField[] = [];
  let replaced = false;
  for (const f of req.headers) {
    if (!replaced && f.key === 'via') {
      replaced = true;
      const comma = firstTopLevelComma(f.value);
      fields.push({ name: f.name, key: f.key, value: comma < 0 ? top : `${top}${f.value.slice(comma)}` });
    } else fields.push(f);
  }
  req.headers = SipHeaders.fromTrusted(fields);
  return stamped;
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
