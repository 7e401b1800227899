// Building the out-of-dialog MESSAGEs the service sends (snom-protocol.md §1.3) and reading their results.
import { createRequest, type SipRequest } from '../sip/message.js';
import type { RequestResult } from '../sip/transaction/endpoint-types.js';
import type { SipTransport, TransportProtocol } from '../sip/transport-types.js';
import { formatUri, parseUri, type SipUri } from '../sip/uri.js';
import type { DeliveryBody, SendOutcome } from './route.js';

/** `sip:<user>@<host>` with the user %-escaped as RFC 3261 §25.1 requires; throws InvalidUriError for a bad host. */
export function aorUri(user: string, host: string): string {
  return formatUri({ kind: 'sip', scheme: 'sip', user, host: hostForUri(host), params: new Map(), headers: [] });
}

/** A host as written in a URI: IPv6 addresses get brackets. */
export function hostForUri(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** `udp:192.0.2.5:5060` / `tcp:[2001:db8::1]:5061`. */
export function destinationText(transport: string, address: string, port: number): string {
  return `${transport}:${hostForUri(address)}:${port}`;
}

/**
 * A contact URI as a Request-URI: the registered text itself (`;line=` and `;transport=` kept, as mod_snom
 * did), except that URI headers and the `method` parameter, which a Request-URI must not carry
 * (RFC 3261 §19.1.1), are removed. Undefined for text that is not a SIP URI.
 */
export function requestUriOf(contact: string): string | undefined {
  const parsed = parseUri(contact);
  return parsed.ok && parsed.value.kind === 'sip' ? requestUriFrom(contact, parsed.value) : undefined;
}

/** requestUriOf with the contact already parsed as `uri`. */
export function requestUriFrom(contact: string, uri: SipUri): string {
  if (uri.headers.length === 0 && !uri.params.has('method')) return contact;
  const params = new Map(uri.params);
  params.delete('method');
  return formatUri({ ...uri, params, headers: [] });
}

/** Our Contact URI on a transport (mod_snom wrote the profile's own URI): `sip:snomctl@host:port[;transport=tcp]`. */
export function ownContact(transport: SipTransport): string {
  const t = transport.protocol === 'udp' ? '' : `;transport=${transport.protocol}`;
  return `sip:snomctl@${transport.sentByHost}:${transport.localPort}${t}`;
}

/** The first transport of a protocol. */
export function transportFor(transports: readonly SipTransport[], protocol: TransportProtocol): SipTransport | undefined {
  return transports.find((t) => t.protocol === protocol);
}

/**
 * The x-buttons MESSAGE (snom-protocol.md §1.3): Request-URI `uri`, From = To = `aor` (the endpoint adds
 * the From tag, a new Call-ID, CSeq and Max-Forwards), Contact = `contact`, the body's Content-Type; no
 * Subject, no Event.
 */
export function buttonsMessage(uri: string, aor: string, contact: string | undefined, body: DeliveryBody): SipRequest {
  const headers: Array<[string, string]> = [['From', `<${aor}>`], ['To', `<${aor}>`]];
  if (contact !== undefined) headers.push(['Contact', `<${contact}>`]);
  headers.push(['Content-Type', body.contentType]);
  return createRequest({ method: 'MESSAGE', uri, headers, body: body.body });
}

/** A text/plain MESSAGE (a command's reply to a phone): From `from`, To `to`. */
export function textMessage(uri: string, from: string, to: string, contact: string | undefined, text: string): SipRequest {
  const headers: Array<[string, string]> = [['From', `<${from}>`], ['To', `<${to}>`]];
  if (contact !== undefined) headers.push(['Contact', `<${contact}>`]);
  headers.push(['Content-Type', 'text/plain; charset=utf-8']);
  return createRequest({ method: 'MESSAGE', uri, headers, body: text });
}

/** An endpoint result as a SendOutcome. */
export function toSendOutcome(result: RequestResult, destination: string): SendOutcome {
  if (result.ok) {
    return { ok: true, status: result.response.status, reason: result.response.reason, destination, latencyMs: round(result.latencyMs) };
  }
  return { ok: false, error: result.error, message: result.message, destination, latencyMs: round(result.latencyMs) };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
