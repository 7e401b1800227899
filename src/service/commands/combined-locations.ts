// Registrations and the inventory together: which phone a user spec means when both know it.
import { InvalidOptionError } from '../../util/errors.js';
import {
  LocationLookupError,
  aorKey,
  dedupeLocations,
  mergeContacts,
  type LocationSource,
  type LookupOptions,
  type PhoneLocation,
  type UserTarget,
} from './phone-location.js';

/** Options of CombinedLocationSource. */
export interface CombinedLocationOptions {
  /** Sources of registered phones (the embedded registrar, FreeSWITCH), asked together. */
  readonly registered: readonly LocationSource[];
  /** The static inventory, whose entries override registered phones of the same user@domain. */
  readonly inventory?: LocationSource;
}

/**
 * The merge rule (decided here, DESIGN.md "command" flow):
 * - every source is asked at once; results keep the registered sources' order;
 * - an inventory entry for `user@domain` **replaces** that user's registered locations in place: its
 *   static web address, scheme, credentials and TLS choice win (an administrator wrote them down; a
 *   registration only knows the source address), and the registrations are kept as its `contacts`;
 * - inventory entries of users nobody registered are appended: an unregistered phone in the inventory
 *   is still reachable (mod_snom could not reach it at all);
 * - locations with one web origin are one phone (dedupeLocations);
 * - a failed source is tolerated while others found phones; when none did and one failed, the lookup
 *   rejects with a LocationLookupError (an outage is not reported as "not registered").
 */
export class CombinedLocationSource implements LocationSource {
  readonly #registered: readonly LocationSource[];
  readonly #inventory: LocationSource | undefined;

  constructor(options: CombinedLocationOptions) {
    const list: unknown = options?.registered;
    if (!Array.isArray(list) || !list.every(isSource)) throw new InvalidOptionError('registered', 'must be a list of location sources');
    if (options.inventory !== undefined && !isSource(options.inventory)) throw new InvalidOptionError('inventory', 'must be a location source');
    this.#registered = [...list];
    this.#inventory = options.inventory;
  }

  async resolve(target: UserTarget, options?: LookupOptions): Promise<readonly PhoneLocation[]> {
    const asks = this.#registered.map((s) => s.resolve(target, options));
    const [found, inventory] = await Promise.all([settle(asks), settle(this.#inventory ? [this.#inventory.resolve(target, options)] : [])]);
    const merged = overlay(found.locations, inventory.locations, true);
    const failure = found.failure ?? inventory.failure;
    if (merged.length === 0 && failure !== undefined) throw lookupError(failure);
    return merged;
  }

  /** Registered phones only (inventory-only phones are not registered); inventory entries still override. */
  async registered(options?: LookupOptions): Promise<readonly PhoneLocation[]> {
    const found = await settle(this.#registered.filter((s) => s.registered !== undefined).map((s) => s.registered!(options)));
    if (found.locations.length === 0 && found.failure !== undefined) throw lookupError(found.failure);
    const inventory = this.#inventory;
    if (inventory === undefined) return dedupeLocations(found.locations);
    const aors = new Map<string, UserTarget>();
    for (const l of found.locations) {
      if (l.user !== undefined && l.domain !== undefined) {
        aors.set(aorKey(l.user, l.domain), { kind: 'user', profile: undefined, user: l.user, domain: l.domain, spec: `${l.user}@${l.domain}` });
      }
    }
    const entries = await settle([...aors.values()].map((t) => inventory.resolve(t, options)));
    return overlay(found.locations, entries.locations, false);
  }

  async byAddress(host: string, options?: LookupOptions): Promise<readonly PhoneLocation[]> {
    const sources = [this.#inventory, ...this.#registered].filter((s): s is LocationSource => s?.byAddress !== undefined);
    const found = await settle(sources.map((s) => s.byAddress!(host, options)));
    return dedupeLocations(found.locations);
  }
}

function isSource(s: unknown): s is LocationSource {
  return s !== null && typeof s === 'object' && typeof (s as LocationSource).resolve === 'function';
}

/** The locations of every fulfilled lookup in order, and the first failure. */
async function settle(asks: readonly Promise<readonly PhoneLocation[]>[]): Promise<{ locations: PhoneLocation[]; failure: unknown }> {
  const settled = await Promise.allSettled(asks);
  const locations: PhoneLocation[] = [];
  let failure: unknown;
  for (const s of settled) {
    if (s.status === 'fulfilled') locations.push(...s.value);
    else failure ??= s.reason ?? new Error('lookup failed');
  }
  return { locations, failure };
}

function lookupError(cause: unknown): LocationLookupError {
  return cause instanceof LocationLookupError ? cause : new LocationLookupError('a location source failed', { cause });
}

/**
 * `registered` with each user's locations replaced by that user's inventory entry (in the place of the
 * user's first location, registrations kept as contacts); inventory entries of other users appended
 * when `appendOthers`.
 */
function overlay(registered: readonly PhoneLocation[], inventory: readonly PhoneLocation[], appendOthers: boolean): PhoneLocation[] {
  const entries = new Map<string, PhoneLocation>();
  for (const e of inventory) if (e.user !== undefined && e.domain !== undefined) entries.set(aorKey(e.user, e.domain), e);
  const contactsOf = new Map<string, PhoneLocation['contacts']>();
  for (const l of registered) {
    if (l.user === undefined || l.domain === undefined) continue;
    const key = aorKey(l.user, l.domain);
    if (entries.has(key)) contactsOf.set(key, mergeContacts(contactsOf.get(key) ?? [], l.contacts));
  }
  const out: PhoneLocation[] = [];
  const placed = new Set<string>();
  for (const l of registered) {
    const key = l.user !== undefined && l.domain !== undefined ? aorKey(l.user, l.domain) : undefined;
    const entry = key === undefined ? undefined : entries.get(key);
    if (entry === undefined) {
      out.push(l);
    } else if (!placed.has(key!)) {
      placed.add(key!);
      out.push({ ...entry, contacts: mergeContacts(entry.contacts, contactsOf.get(key!) ?? []) });
    }
  }
  if (appendOthers) {
    for (const e of inventory) {
      const key = e.user !== undefined && e.domain !== undefined ? aorKey(e.user, e.domain) : undefined;
      if (key === undefined || !placed.has(key)) out.push(e);
    }
  }
  return dedupeLocations(out);
}
