// A registration binding (RFC 3261 §10.3) and what the service needs to reach its phone.
import { bareHost, parseUri, type SipUri } from '../sip/uri.js';

/** The transports the registrar hears REGISTERs on. */
export type SipTransportName = 'udp' | 'tcp';

/** Where a REGISTER came from: the transport's view of the packet or connection. */
export interface RegisterSource {
  readonly transport: SipTransportName;
  /** The source address (the phone's "network IP", NAT-aware: snom-protocol.md §1.4). */
  readonly address: string;
  readonly port: number;
  /** The local listener the request arrived on. */
  readonly localAddress?: string;
  readonly localPort?: number;
}

/**
 * One contact bound to an address-of-record. Immutable: every change makes a new object, so events may
 * hold on to them. Times are ms since the epoch.
 */
export interface Binding {
  /** `user@domain`: user as registered (case-sensitive), domain lowercase. */
  readonly aor: string;
  readonly user: string;
  readonly domain: string;
  /** The contact URI as registered, parameters and URI headers kept (`sip:200@192.0.2.5:5060;line=x`). */
  readonly contact: string;
  readonly callId: string;
  readonly cseq: number;
  readonly expiresAt: number;
  /** The `q` contact parameter (0..1), when given. */
  readonly q: number | undefined;
  /** The REGISTER's source (transport, address, port): the NAT-mapped address to send to. */
  readonly transport: SipTransportName;
  readonly address: string;
  readonly port: number;
  /** The listener the REGISTER arrived on (send from it, so NAT pinholes match). */
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
  readonly userAgent: string | undefined;
  /** The `+sip.instance` contact parameter, unquoted (`<urn:uuid:…>`; RFC 5626 §4.1). */
  readonly instance: string | undefined;
  /** The `reg-id` contact parameter (RFC 5626 §4.2). */
  readonly regId: number | undefined;
  readonly firstRegistered: number;
  readonly lastRefreshed: number;
}

/**
 * What happened to a binding. `registered`: a new contact. `refreshed`: the same registration (same
 * Call-ID) renewed; `previous` is the binding before. `restarted`: a contact that matches a binding (same
 * `+sip.instance`/`reg-id`, or the same URI) arrived with a new Call-ID — the phone rebooted; it replaces
 * `previous`. `unregistered`: removed by expires 0 or `Contact: *`. `expired`: removed by the sweeper.
 */
export type RegistrarEvent =
  | { readonly type: 'registered'; readonly binding: Binding }
  | { readonly type: 'refreshed'; readonly binding: Binding; readonly previous: Binding }
  | { readonly type: 'restarted'; readonly binding: Binding; readonly previous: Binding }
  | { readonly type: 'unregistered'; readonly binding: Binding }
  | { readonly type: 'expired'; readonly binding: Binding };

/** The AOR key of a user in a domain (domain lowercased; the user may itself hold `@`, so split at the last one). */
export function aorOf(user: string, domain: string): string {
  return `${user}@${domain.toLowerCase()}`;
}

/** Where to send requests for a binding. */
export interface DeliveryTarget {
  readonly transport: SipTransportName;
  /** An IP address or host name (IPv6 without brackets). */
  readonly address: string;
  readonly port: number;
  /** Whether this is the REGISTER's source rather than the Contact's host (NAT, or a connection to reuse). */
  readonly viaSource: boolean;
  /** The listener to send from, when known. */
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
}

/**
 * The address to send a binding's requests to: the REGISTER's source (transport, address, port) when it
 * differs from the Contact URI's host, port or transport — the phone is behind NAT, or registered over a
 * connection that must be reused — else the Contact's own. The Request-URI stays the contact URI either
 * way (snom-protocol.md §1.3–1.4: mod_snom used the registration's network IP).
 */
export function deliveryTarget(binding: Binding): DeliveryTarget {
  const parsed = parseUri(binding.contact);
  return deliveryTargetOf(binding, parsed.ok && parsed.value.kind === 'sip' ? parsed.value : undefined);
}

/** deliveryTarget with the binding's contact already parsed (undefined: not a SIP URI). */
export function deliveryTargetOf(binding: Binding, uri: SipUri | undefined): DeliveryTarget {
  const { localAddress, localPort } = binding;
  const source: DeliveryTarget = {
    transport: binding.transport, address: binding.address, port: binding.port, viaSource: true, localAddress, localPort,
  };
  if (uri === undefined) return source;
  const param = uri.params.get('transport')?.toLowerCase();
  // sips means TLS, which the registrar's transports do not speak: the source is the only way back
  const transport = uri.scheme === 'sips' ? 'tls' : param ?? 'udp';
  if (transport !== 'udp' && transport !== 'tcp') return source;
  const port = uri.port ?? 5060;
  const host = bareHost(uri.host);
  if (binding.transport === 'tcp' || transport !== binding.transport || port !== binding.port || !sameAddress(host, binding.address)) {
    return source;
  }
  return { transport, address: host, port, viaSource: false, localAddress, localPort };
}

/** Whether two address strings name the same IP (case-insensitive; `::ffff:a.b.c.d` equals `a.b.c.d`). */
function sameAddress(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x === y || unmap(x) === unmap(y);
}

function unmap(a: string): string {
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
