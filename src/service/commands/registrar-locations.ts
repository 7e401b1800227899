// Phones found through the embedded registrar's bindings (snom-protocol.md §1.4: the network IP).
import type { Binding } from '../../registrar/binding.js';
import type { Registrar } from '../../registrar/registrar.js';
import { InvalidOptionError } from '../../util/errors.js';
import { dedupeLocations, hostKey, type LocationContact, type PhoneLocation, type UserTarget } from './phone-location.js';
import type { LocationSource } from './phone-location.js';

/** How a profile (mod_snom's `<profile>` argument) reaches phones (DESIGN.md "the flows"). */
export type ProfileRoute = 'embedded' | 'proxy' | 'freeswitch';

/** What the source reads from the registrar. */
export type RegistrarView = Pick<Registrar, 'contactsOf' | 'byUser' | 'bindings'>;

/** Options of RegistrarLocationSource. */
export interface RegistrarLocationOptions {
  readonly registrar: RegistrarView;
  /**
   * Profile name → route. Profiles routed `embedded` all share this registrar; a profile with another
   * route (or none) is another source's business and resolves to nothing here. Default `{ embedded: 'embedded' }`.
   */
  readonly profiles?: Readonly<Record<string, ProfileRoute>>;
  /** Scheme of the phones' web servers; default `http` (what mod_snom spoke). */
  readonly webScheme?: 'http' | 'https';
  /** Web port; default the scheme's (80/443). */
  readonly webPort?: number;
  /** Accept self-signed certificates (https). Default false. */
  readonly insecureTls?: boolean;
}

/** The default profile table: one profile, `embedded`, on the embedded registrar. */
export const DEFAULT_PROFILES: Readonly<Record<string, ProfileRoute>> = Object.freeze({ embedded: 'embedded' });

const ROUTES: readonly ProfileRoute[] = ['embedded', 'proxy', 'freeswitch'];

/**
 * Resolves user specs to the web servers of the registered phones: the host is each binding's REGISTER
 * source address (the NAT-mapped "network IP" mod_snom used), never the Contact URI's host; the port
 * and scheme are the configured web ones. `*\/user` and `user` (no domain) match the user in every
 * domain; `…@domain` only there. Bindings of one user from one address are one phone.
 */
export class RegistrarLocationSource implements LocationSource {
  readonly #registrar: RegistrarView;
  readonly #profiles: ReadonlyMap<string, ProfileRoute>;
  readonly #scheme: 'http' | 'https';
  readonly #port: number | undefined;
  readonly #insecureTls: boolean;

  constructor(options: RegistrarLocationOptions) {
    const r = options?.registrar;
    if (r === null || typeof r !== 'object' || typeof r.contactsOf !== 'function' || typeof r.byUser !== 'function' || typeof r.bindings !== 'function') {
      throw new InvalidOptionError('registrar', 'must be a Registrar');
    }
    const profiles = options.profiles ?? DEFAULT_PROFILES;
    if (profiles === null || typeof profiles !== 'object') throw new InvalidOptionError('profiles', 'must be an object of profile → route');
    for (const [name, route] of Object.entries(profiles)) {
      if (!ROUTES.includes(route)) throw new InvalidOptionError(`profiles.${name}`, `must be one of ${ROUTES.join(', ')}`);
    }
    const scheme = options.webScheme ?? 'http';
    if (scheme !== 'http' && scheme !== 'https') throw new InvalidOptionError('webScheme', "must be 'http' or 'https'");
    const port = options.webPort;
    if (port !== undefined && (!Number.isSafeInteger(port) || port < 1 || port > 65535)) {
      throw new InvalidOptionError('webPort', 'must be a whole number from 1 to 65535');
    }
    const insecureTls = options.insecureTls ?? false;
    if (typeof insecureTls !== 'boolean') throw new InvalidOptionError('insecureTls', 'must be a boolean');
    this.#registrar = r;
    this.#profiles = new Map(Object.entries(profiles));
    this.#scheme = scheme;
    this.#port = port;
    this.#insecureTls = insecureTls;
  }

  /** Whether this source answers for `profile` (`'*'` and no profile: always). */
  servesProfile(profile: string | undefined): boolean {
    return profile === undefined || profile === '*' || this.#profiles.get(profile) === 'embedded';
  }

  resolve(target: UserTarget): Promise<readonly PhoneLocation[]> {
    if (!this.servesProfile(target.profile)) return Promise.resolve([]);
    const bindings = target.domain === undefined ? this.#registrar.byUser(target.user) : this.#registrar.contactsOf(target.user, target.domain);
    return Promise.resolve(this.#locations(bindings));
  }

  registered(): Promise<readonly PhoneLocation[]> {
    return Promise.resolve(this.#locations([...this.#registrar.bindings()]));
  }

  #locations(bindings: readonly Binding[]): PhoneLocation[] {
    // Same user on one address: one phone. Other users on that address stay separate locations here;
    // the service dedupes by web origin where a command must not be sent twice.
    const byAor = new Map<string, PhoneLocation[]>();
    for (const b of bindings) {
      const list = byAor.get(b.aor) ?? [];
      list.push(this.#location(b));
      byAor.set(b.aor, list);
    }
    return [...byAor.values()].flatMap((list) => dedupeLocations(list));
  }

  #location(b: Binding): PhoneLocation {
    const contact: LocationContact = {
      aor: b.aor,
      contact: b.contact,
      address: b.address,
      port: b.port,
      transport: b.transport,
      expiresAt: b.expiresAt,
      ...(b.userAgent === undefined ? {} : { userAgent: b.userAgent }),
    };
    return {
      host: hostKey(b.address),
      ...(this.#port === undefined ? {} : { port: this.#port }),
      scheme: this.#scheme,
      ...(this.#scheme === 'https' ? { insecureTls: this.#insecureTls } : {}),
      origin: 'registrar',
      user: b.user,
      domain: b.domain,
      contacts: [contact],
    };
  }
}

/**
 * Who sent an Action URL: the first registered user whose REGISTER came from `address` (for
 * ActionUrlReceiver's `identify`). Scans every binding: fine for the registrar's sizes.
 */
export function identifyByRegistration(registrar: Pick<Registrar, 'bindings'>): (address: string) => { user: string; domain: string } | undefined {
  return (address) => {
    const key = hostKey(address);
    for (const b of registrar.bindings()) if (hostKey(b.address) === key) return { user: b.user, domain: b.domain };
    return undefined;
  };
}
