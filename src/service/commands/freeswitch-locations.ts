// Phones registered to FreeSWITCH, found the way mod_snom's snom_command found them (snom-protocol.md
// §1.4): `sofia_contact` for the user spec, then each registration's network IP from the core table.
import type { CoreRegistration } from '../../esl/core-registrations.js';
import type { FreeswitchAdapter, LocatedRegistration } from '../../esl/freeswitch-adapter.js';
import { withoutFsParams } from '../../esl/sofia-contact.js';
import { parseUri, bareHost } from '../../sip/uri.js';
import { InvalidOptionError } from '../../util/errors.js';
import { LocationLookupError, dedupeLocations, hostKey, type LocationContact, type LocationSource, type LookupOptions, type PhoneLocation, type UserTarget } from './phone-location.js';

/** What the source asks FreeSWITCH (a FreeswitchAdapter). */
export type FreeswitchLookup = Pick<FreeswitchAdapter, 'lookupRegistrations' | 'allRegistrations'>;

/** Options of FreeswitchLocationSource. */
export interface FreeswitchLocationOptions {
  readonly lookup: FreeswitchLookup;
  /** snomctl profile → sofia profile, for the profiles routed through FreeSWITCH. */
  readonly profiles: Readonly<Record<string, string>>;
  /** Scheme of the phones' web servers; default `http` (what mod_snom spoke). */
  readonly webScheme?: 'http' | 'https';
  /** Web port; default the scheme's (80/443). */
  readonly webPort?: number;
  /** Accept self-signed certificates (https). Default false. */
  readonly insecureTls?: boolean;
  /** Limit of each Event Socket command (ms); default the connection's. */
  readonly timeoutMs?: number;
}

const SOFIA_PROFILE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Resolves `*\/user`, `*\/user@domain` and `profile/user@domain` through FreeSWITCH: `*` searches every
 * sofia profile (as mod_snom's `sofia_contact *\/…`); a snomctl profile routed `freeswitch` searches its
 * sofia profile; any other profile is not this source's business (`[]`). Every registration of the user
 * is a location (mod_snom used only the first), at its network IP — the REGISTER's source — or, when the
 * core table has no row for it, the Contact's host. Not registered: `[]`; FreeSWITCH unreachable or
 * refusing: LocationLookupError.
 */
export class FreeswitchLocationSource implements LocationSource {
  readonly #lookup: FreeswitchLookup;
  readonly #profiles: ReadonlyMap<string, string>;
  readonly #scheme: 'http' | 'https';
  readonly #port: number | undefined;
  readonly #insecureTls: boolean;
  readonly #timeoutMs: number | undefined;

  constructor(options: FreeswitchLocationOptions) {
    const l = options?.lookup;
    if (l === null || typeof l !== 'object' || typeof l.lookupRegistrations !== 'function' || typeof l.allRegistrations !== 'function') {
      throw new InvalidOptionError('lookup', 'must be a FreeswitchAdapter');
    }
    const profiles = options.profiles;
    if (profiles === null || typeof profiles !== 'object') throw new InvalidOptionError('profiles', 'must be an object of profile → sofia profile');
    for (const [name, sofia] of Object.entries(profiles)) {
      if (typeof sofia !== 'string' || !SOFIA_PROFILE.test(sofia)) throw new InvalidOptionError(`profiles.${name}`, 'must be a sofia profile name');
    }
    const scheme = options.webScheme ?? 'http';
    if (scheme !== 'http' && scheme !== 'https') throw new InvalidOptionError('webScheme', "must be 'http' or 'https'");
    const port = options.webPort;
    if (port !== undefined && (!Number.isSafeInteger(port) || port < 1 || port > 65535)) throw new InvalidOptionError('webPort', 'must be a whole number from 1 to 65535');
    const t = options.timeoutMs;
    if (t !== undefined && (!Number.isSafeInteger(t) || t < 1 || t > 600_000)) throw new InvalidOptionError('timeoutMs', 'must be a whole number from 1 to 600000');
    this.#lookup = l;
    this.#profiles = new Map(Object.entries(profiles));
    this.#scheme = scheme;
    this.#port = port;
    this.#insecureTls = options.insecureTls ?? false;
    this.#timeoutMs = t;
  }

  async resolve(target: UserTarget, _options?: LookupOptions): Promise<readonly PhoneLocation[]> {
    const sofia = target.profile === undefined || target.profile === '*' ? '*' : this.#profiles.get(target.profile);
    if (sofia === undefined) return [];
    const domain = target.domain === undefined ? '' : `@${target.domain}`;
    const r = await this.#lookup.lookupRegistrations(`${sofia}/${target.user}${domain}`, this.#commandOptions());
    if (!r.ok) throw new LocationLookupError(`FreeSWITCH lookup failed: ${r.error.message}`, { cause: r.error });
    if (!r.value.registered) return [];
    const locations = r.value.registrations.map((reg) => this.#location(reg, target.user, target.domain ?? reg.realm));
    return dedupeLocations(locations.filter((l): l is PhoneLocation => l !== undefined));
  }

  /** Every registration on the sofia profiles of the configured profiles (core table). */
  async registered(_options?: LookupOptions): Promise<readonly PhoneLocation[]> {
    const r = await this.#lookup.allRegistrations(this.#commandOptions());
    if (!r.ok) throw new LocationLookupError(`FreeSWITCH lookup failed: ${r.error.message}`, { cause: r.error });
    const sofia = new Set(this.#profiles.values());
    const out: PhoneLocation[] = [];
    for (const row of r.value) {
      if (!sofia.has(row.profile)) continue;
      out.push(this.#rowLocation(row));
    }
    return dedupeLocations(out);
  }

  #commandOptions(): { timeoutMs: number } | undefined {
    return this.#timeoutMs === undefined ? undefined : { timeoutMs: this.#timeoutMs };
  }

  #location(reg: LocatedRegistration, user: string, domain: string | undefined): PhoneLocation | undefined {
    const contactHost = hostOfContact(reg.uri);
    const address = reg.networkIp ?? contactHost;
    if (address === undefined) return undefined;
    const contact: LocationContact = {
      aor: domain === undefined ? user : `${user}@${domain}`,
      contact: withoutFsParams(reg.uri),
      address,
      port: reg.networkPort ?? 5060,
      transport: reg.networkProto ?? 'udp',
      ...(reg.expires === undefined ? {} : { expiresAt: reg.expires * 1000 }),
    };
    return this.#web(address, user, domain, contact);
  }

  #rowLocation(row: CoreRegistration): PhoneLocation {
    const contact: LocationContact = {
      aor: `${row.user}@${row.realm}`,
      contact: withoutFsParams(row.url.replace(/^sofia\/[^/]+\//i, '')),
      address: row.networkIp,
      port: row.networkPort ?? 5060,
      transport: row.networkProto || 'udp',
      ...(row.expires === undefined ? {} : { expiresAt: row.expires * 1000 }),
    };
    return this.#web(row.networkIp, row.user, row.realm === '' ? undefined : row.realm, contact);
  }

  #web(address: string, user: string, domain: string | undefined, contact: LocationContact): PhoneLocation {
    return {
      host: hostKey(address),
      ...(this.#port === undefined ? {} : { port: this.#port }),
      scheme: this.#scheme,
      ...(this.#scheme === 'https' ? { insecureTls: this.#insecureTls } : {}),
      origin: 'freeswitch',
      user,
      ...(domain === undefined ? {} : { domain }),
      contacts: [contact],
    };
  }
}

/** The host of a contact URL (`sip:2000@192.0.2.10:5060;line=x`), or undefined. */
function hostOfContact(uri: string): string | undefined {
  const parsed = parseUri(withoutFsParams(uri));
  if (!parsed.ok || parsed.value.kind !== 'sip') return undefined;
  return bareHost(parsed.value.host);
}
