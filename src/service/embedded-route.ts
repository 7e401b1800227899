// The embedded route: MESSAGE straight to every contact registered with our own registrar.
import { deliveryTarget, type Binding, type DeliveryTarget } from '../registrar/binding.js';
import { domainKey } from '../registrar/registrar-options.js';
import type { Registrar } from '../registrar/registrar.js';
import type { SipEndpoint } from '../sip/transaction/endpoint.js';
import { bareHost, parseUri } from '../sip/uri.js';
import { aorUri, buttonsMessage, destinationText, ownContact, requestUriOf, toSendOutcome, transportFor } from './message-request.js';
import type { DeliverOptions, DeliveryBody, KeyTarget, Route, RouteContact, RouteContacts, SendOutcome } from './route.js';

/**
 * Where MESSAGEs to a binding go. `auto`: the registrar's deliveryTarget — the REGISTER's source address
 * when it differs from the Contact (NAT, or a TCP connection to reuse). `contact`: always the Contact URI's
 * host, port and transport (third-party registrations, where the registering client is not the phone).
 */
export type DestinationMode = 'auto' | 'contact';

/** A RouteContact of the embedded route: remembers the binding it came from. */
interface BindingContact extends RouteContact {
  readonly user: string;
  readonly domain: string;
  /** The contact as registered (the binding's identity together with user and domain). */
  readonly registered: string;
}

/**
 * Delivers to the registrar's bindings (snom-protocol.md §1.3): one MESSAGE per contact, Request-URI =
 * the contact as registered (`;line=` kept), sent to deliveryTarget(binding) — the REGISTER's source when
 * the phone is behind NAT or registered over TCP (the connection is reused) — from our listener of that
 * transport. The binding is looked up again at every send, so a refreshed NAT mapping is followed.
 */
export class EmbeddedRoute implements Route {
  readonly kind = 'embedded' as const;
  readonly #registrar: Registrar;
  readonly #domains: ReadonlySet<string>;
  readonly #endpoint: () => SipEndpoint | undefined;
  readonly #mode: DestinationMode;

  constructor(registrar: Registrar, domains: readonly string[], endpoint: () => SipEndpoint | undefined, mode: DestinationMode = 'auto') {
    this.#registrar = registrar;
    this.#mode = mode;
    this.#domains = new Set(domains.map(domainKey));
    this.#endpoint = endpoint;
  }

  /** Whether `host` is one of the registrar's domains. */
  isDomain(host: string): boolean {
    return this.#domains.has(domainKey(host));
  }

  contacts(target: KeyTarget): RouteContacts {
    if (!this.isDomain(target.host)) return { contacts: [], reason: 'not a domain of this registrar' };
    const bindings = this.#registrar.contactsOf(target.user, target.host);
    if (bindings.length === 0) return { contacts: [], reason: 'not registered' };
    const out: RouteContact[] = [];
    for (const b of bindings) {
      const c = this.contactOf(b);
      if (c !== undefined) out.push(c);
    }
    return out.length > 0 ? { contacts: out } : { contacts: [], reason: 'no usable contact' };
  }

  /** The RouteContact of a binding; undefined when its contact is not a SIP URI we can address. */
  contactOf(b: Binding): RouteContact | undefined {
    const uri = requestUriOf(b.contact);
    if (uri === undefined) return undefined;
    const t = this.targetOf(b);
    const contact: BindingContact = {
      id: `embedded\n${b.aor}\n${b.contact}`,
      uri,
      destination: destinationText(t.transport, t.address, t.port),
      user: b.user,
      domain: b.domain,
      registered: b.contact,
    };
    return contact;
  }

  /** Where requests to a binding go under the configured DestinationMode. */
  targetOf(b: Binding): DeliveryTarget {
    const auto = deliveryTarget(b);
    if (this.#mode === 'auto' || !auto.viaSource) return auto;
    const parsed = parseUri(b.contact);
    if (!parsed.ok || parsed.value.kind !== 'sip' || parsed.value.scheme !== 'sip') return auto;
    const transport = parsed.value.params.get('transport')?.toLowerCase() ?? 'udp';
    if (transport !== 'udp' && transport !== 'tcp') return auto;
    return {
      transport, address: bareHost(parsed.value.host), port: parsed.value.port ?? 5060, viaSource: false,
      localAddress: b.localAddress, localPort: b.localPort,
    };
  }

  async deliver(target: KeyTarget, contact: RouteContact, body: DeliveryBody, options: DeliverOptions): Promise<SendOutcome> {
    const c = contact as BindingContact;
    const endpoint = this.#endpoint();
    if (endpoint === undefined) return { ok: false, error: 'closed', message: 'the SIP endpoint is not running', destination: contact.destination, latencyMs: 0 };
    const binding = this.#registrar.contactsOf(c.user, c.domain).find((b) => b.contact === c.registered);
    if (binding === undefined) {
      return { ok: false, error: 'unregistered', message: 'the contact is no longer registered', destination: contact.destination, latencyMs: 0 };
    }
    const t = this.targetOf(binding);
    const destination = destinationText(t.transport, t.address, t.port);
    const transport = transportFor(endpoint.transports, t.transport);
    const request = buttonsMessage(c.uri, aorUri(target.user, target.host), transport === undefined ? undefined : ownContact(transport), body);
    const result = await endpoint.request(request, {
      destination: { transport: t.transport, host: t.address, port: t.port },
      timeoutMs: options.timeoutMs,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    return toSendOutcome(result, destination);
  }
}
