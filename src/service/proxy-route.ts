// The proxy route: MESSAGE to `sip:user@host` through another SIP server (Kamailio, Asterisk, …), which
// looks the user up in its own location table and relays to the phone.
import type { SipEndpoint } from '../sip/transaction/endpoint.js';
import type { TransportProtocol } from '../sip/transport-types.js';
import { DigestClient } from '../util/digest-client.js';
import { aorUri, buttonsMessage, destinationText, ownContact, toSendOutcome, transportFor } from './message-request.js';
import type { DeliverOptions, DeliveryBody, KeyTarget, Route, RouteContact, RouteContacts, SendOutcome } from './route.js';

/** Where the proxy is and how to authenticate to it. */
export interface ProxySettings {
  /** IP address or host name (IPv6 with or without brackets). */
  readonly host: string;
  /** Default 5060. */
  readonly port?: number;
  /** Default udp. */
  readonly transport?: TransportProtocol;
  /** Digest credentials answered to a 401/407 (RFC 3261 §22.2–22.3). */
  readonly username?: string;
  readonly password?: string;
}

/**
 * Sends each document once to the address-of-record through the proxy: Request-URI = To = From =
 * `sip:user@host`, the destination the proxy (RFC 3261 §8.1.2 outbound proxy, without a Route header: the
 * proxy is the next hop and routes by Request-URI). A 401/407 is answered once with the credentials (the
 * DigestClient is shared, so later requests reuse the nonce). The result is the proxy's final response —
 * the phone's own when the proxy relays it.
 */
export class ProxyRoute implements Route {
  readonly kind = 'proxy' as const;
  readonly #proxy: { host: string; port: number; transport: TransportProtocol };
  readonly #destination: string;
  readonly #credentials: DigestClient | undefined;
  readonly #name: string;
  readonly #endpoint: () => SipEndpoint | undefined;

  constructor(profile: string, settings: ProxySettings, endpoint: () => SipEndpoint | undefined) {
    this.#name = profile;
    this.#proxy = { host: settings.host, port: settings.port ?? 5060, transport: settings.transport ?? 'udp' };
    this.#destination = destinationText(this.#proxy.transport, this.#proxy.host.replace(/^\[|\]$/g, ''), this.#proxy.port);
    this.#credentials = settings.username !== undefined && settings.password !== undefined
      ? new DigestClient({ username: settings.username, password: settings.password })
      : undefined;
    this.#endpoint = endpoint;
  }

  contacts(target: KeyTarget): RouteContacts {
    const uri = aorUri(target.user, target.host);
    return { contacts: [{ id: `proxy\n${this.#name}\n${uri}`, uri, destination: this.#destination }] };
  }

  async deliver(target: KeyTarget, contact: RouteContact, body: DeliveryBody, options: DeliverOptions): Promise<SendOutcome> {
    const endpoint = this.#endpoint();
    if (endpoint === undefined) return { ok: false, error: 'closed', message: 'the SIP endpoint is not running', destination: this.#destination, latencyMs: 0 };
    const transport = transportFor(endpoint.transports, this.#proxy.transport);
    const aor = aorUri(target.user, target.host);
    const request = buttonsMessage(contact.uri, aor, transport === undefined ? undefined : ownContact(transport), body);
    const result = await endpoint.request(request, {
      destination: this.#proxy,
      timeoutMs: options.timeoutMs,
      ...(this.#credentials === undefined ? {} : { credentials: this.#credentials }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    return toSendOutcome(result, this.#destination);
  }
}
