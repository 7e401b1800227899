// The embedded route: MESSAGE straight to every contact registered with our own registrar.
import { deliveryTargetOf, type Binding, type DeliveryTarget } from '../registrar/binding.js';
import { domainKey } from '../registrar/registrar-options.js';
import type { Registrar } from '../registrar/registrar.js';
import type { SipEndpoint } from '../sip/transaction/endpoint.js';
import type { Destination } from '../sip/transaction/endpoint-types.js';
import type { SipTransport } from '../sip/transport-types.js';
import { bareHost, parseUri, type SipUri } from '../sip/uri.js';
import { aorUri, buttonsMessage, destinationText, ownContact, requestUriFrom, toSendOutcome, transportFor } from './message-request.js';
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
  /** The binding it was made from and that binding's target: reused while the registrar holds that very binding. */
  readonly binding: Binding;
  readonly target: DeliveryTarget;
  /** `sip:user@domain`, made at the first send. */
  aor: string | undefined;
  /** The endpoint's Destination for `target`, made at the first send. */
  sendTo: Destination | undefined;
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
  readonly #contacts = new WeakMap<SipTransport, string>();

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
    const parsed = parseUri(b.contact);
    if (!parsed.ok || parsed.value.kind !== 'sip') return undefined;
    const t = this.#targetFrom(b, parsed.value);
    const contact: BindingContact = {
      id: `embedded\n${b.aor}\n${b.contact}`,
      uri: requestUriFrom(b.contact, parsed.value),
      destination: destinationText(t.transport, t.address, t.port),
      user: b.user,
      domain: b.domain,
      registered: b.contact,
      binding: b,
      target: t,
      aor: undefined,
      sendTo: undefined,
    };
    return contact;
  }

  /** Where requests to a binding go under the configured DestinationMode. */
  targetOf(b: Binding): DeliveryTarget {
    const parsed = parseUri(b.contact);
    return this.#targetFrom(b, parsed.ok && parsed.value.kind === 'sip' ? parsed.value : undefined);
  }

  #targetFrom(b: Binding, uri: SipUri | undefined): DeliveryTarget {
    const auto = deliveryTargetOf(b, uri);
    if (this.#mode === 'auto' || !auto.viaSource) return auto;
    if (uri === undefined || uri.scheme !== 'sip') return auto;
    const transport = uri.params.get('transport')?.toLowerCase() ?? 'udp';
    if (transport !== 'udp' && transport !== 'tcp') return auto;
    return {
      transport, address: bareHost(uri.host), port: uri.port ?? 5060, viaSource: false,
      localAddress: b.localAddress, localPort: b.localPort,
    };
  }

  /** ownContact per transport object (one string per listener, not per MESSAGE). */
  #ownContact(transport: SipTransport): string {
    let text = this.#contacts.get(transport);
    if (text === undefined) this.#contacts.set(transport, (text = ownContact(transport)));
    return text;
  }

  async deliver(target: KeyTarget, contact: RouteContact, body: DeliveryBody, options: DeliverOptions): Promise<SendOutcome> {
    const c = contact as BindingContact;
    const endpoint = this.#endpoint();
    if (endpoint === undefined) return { ok: false, error: 'closed', message: 'the SIP endpoint is not running', destination: contact.destination, latencyMs: 0 };
    const binding = this.#registrar.contactsOf(c.user, c.domain).find((b) => b.contact === c.registered);
    if (binding === undefined) {
      return { ok: false, error: 'unregistered', message: 'the contact is no longer registered', destination: contact.destination, latencyMs: 0 };
    }
    // the same binding object (not refreshed since): its target and destination text are known
    const same = binding === c.binding;
    const t = same ? c.target : this.targetOf(binding);
    const destination = same ? c.destination : destinationText(t.transport, t.address, t.port);
    const transport = transportFor(endpoint.transports, t.transport);
    const aor = target.user === c.user && target.host === c.domain ? (c.aor ??= aorUri(target.user, target.host)) : aorUri(target.user, target.host);
    const request = buttonsMessage(c.uri, aor, transport === undefined ? undefined : this.#ownContact(transport), body);
    const to = same ? (c.sendTo ??= destinationOf(t)) : destinationOf(t);
    const { timeoutMs, signal } = options;
    const result = await endpoint.request(request, signal === undefined ? { destination: to, timeoutMs } : { destination: to, timeoutMs, signal });
    return toSendOutcome(result, destination);
  }
}

function destinationOf(t: DeliveryTarget): Destination {
  return { transport: t.transport, host: t.address, port: t.port };
}
