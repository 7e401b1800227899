// Where a command goes: a phone's web server as a location source found it (snom-protocol.md §1.4).
import { isIPv6 } from 'node:net';
import type { CommandTarget } from '../../snom/command-target.js';
import { SnomError } from '../../util/errors.js';

/** A `snom_command` user spec: `*\/user`, `*\/user@domain`, `profile/user@domain`, `user`. */
export type UserTarget = Extract<CommandTarget, { kind: 'user' }>;

/** Who found the phone: a registration, the static inventory, FreeSWITCH, or an IP/host target itself. */
export type LocationOrigin = 'registrar' | 'inventory' | 'freeswitch' | 'direct';

/** A registration behind a location (informational: never used to build the request). */
export interface LocationContact {
  /** `user@domain`. */
  readonly aor: string;
  /** The Contact URI as registered. */
  readonly contact: string;
  /** The REGISTER's source: the phone's network IP as mod_snom used it. */
  readonly address: string;
  readonly port: number;
  readonly transport: string;
  readonly userAgent?: string;
  /** ms since the epoch. */
  readonly expiresAt?: number;
}

/** Web-server login for a phone. Never logged, never in a result or message. */
export interface LocationCredentials {
  readonly username: string;
  readonly password: string;
}

/** One phone's web server, as a LocationSource found it. */
export interface PhoneLocation {
  /** IP literal (IPv6 without brackets) or host name. */
  readonly host: string;
  /** Absent: the scheme's default (80/443). */
  readonly port?: number;
  readonly scheme: 'http' | 'https';
  readonly credentials?: LocationCredentials;
  /** Accept any certificate from this phone (self-signed). */
  readonly insecureTls?: boolean;
  readonly origin: LocationOrigin;
  /** The user and domain the phone was found for, when it was found for one. */
  readonly user?: string;
  readonly domain?: string;
  /** The registrations that led here (empty for inventory-only and direct phones). */
  readonly contacts: readonly LocationContact[];
}

/**
 * Finds phones' web servers. Implementations: RegistrarLocationSource, InventoryLocationSource,
 * CombinedLocationSource; a FreeSWITCH one (sofia_contact over ESL) plugs in the same way. A lookup that
 * cannot be made (a peer down) rejects with a LocationLookupError; "nobody registered" is `[]`.
 */
export interface LocationSource {
  /** The phones of a user spec, in a stable order. */
  resolve(target: UserTarget, options?: LookupOptions): Promise<readonly PhoneLocation[]>;
  /** Every phone registered now (bulk `'all-registered'`); static sources omit it. */
  registered?(options?: LookupOptions): Promise<readonly PhoneLocation[]>;
  /** Known phones whose web host is `host` (an IP/host target's port, scheme and credentials). */
  byAddress?(host: string, options?: LookupOptions): Promise<readonly PhoneLocation[]>;
}

/** Options of a lookup. */
export interface LookupOptions {
  readonly signal?: AbortSignal;
}

/** A lookup that could not be made; the message names the source, never a credential. */
export class LocationLookupError extends SnomError<'SNOM_ERR_LOCATION_LOOKUP'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SNOM_ERR_LOCATION_LOOKUP', message, options);
    this.name = 'LocationLookupError';
  }
}

/** `user@domain` with the domain lowercased: how locations of one user are matched across sources. */
export function aorKey(user: string, domain: string): string {
  return `${user}@${domain.toLowerCase()}`;
}

/** `scheme://host:port` with the port always written: two locations with one key are one phone. */
export function locationKey(location: Pick<PhoneLocation, 'scheme' | 'host' | 'port'>): string {
  const host = hostKey(location.host);
  const port = location.port ?? (location.scheme === 'https' ? 443 : 80);
  return `${location.scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`;
}

/** A host compared case-insensitively, IPv6 brackets dropped, `::ffff:a.b.c.d` as `a.b.c.d`. */
export function hostKey(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const lower = bare.toLowerCase();
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/.test(lower) ? lower.slice(7) : lower;
}

/**
 * Merges locations that are one phone (same locationKey): the first keeps its place and fields, and
 * gains the later ones' contacts (duplicates by contact URI and address dropped).
 */
export function dedupeLocations(locations: readonly PhoneLocation[]): PhoneLocation[] {
  const out: PhoneLocation[] = [];
  const index = new Map<string, number>();
  for (const location of locations) {
    const key = locationKey(location);
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, out.length);
      out.push(location);
    } else {
      const first = out[at]!;
      out[at] = { ...first, contacts: mergeContacts(first.contacts, location.contacts) };
    }
  }
  return out;
}

/** `a` followed by the contacts of `b` not already in it. */
export function mergeContacts(a: readonly LocationContact[], b: readonly LocationContact[]): LocationContact[] {
  const seen = new Set(a.map(contactKey));
  const out = [...a];
  for (const c of b) {
    const key = contactKey(c);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(c);
    }
  }
  return out;
}

function contactKey(c: LocationContact): string {
  return `${c.aor}\n${c.contact}\n${c.address}\n${c.port}\n${c.transport}`;
}
