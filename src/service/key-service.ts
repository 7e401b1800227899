// The bind-key use case: validate, persist the desired state, deliver through the profile's route; and the
// re-sync of a phone's whole key set when it (re-)registers or the service starts.
import type { Binding } from '../registrar/binding.js';
import { validateXButtonsDocument, type KeyState, type KeyStateValidationOptions } from '../snom/key-state.js';
import { scanHost } from '../sip/uri.js';
import type { DesiredKey, KeyStateTable } from '../store/key-state-table.js';
import { findControlChar } from '../util/text.js';
import type { BodyFormat, EncodedKeyState } from './document-builder.js';
import type { BindKeyResult, ContactResult, DeliveryCause, DocumentOutcome, QueuedKey } from './delivery-types.js';
import type { EmbeddedRoute } from './embedded-route.js';
import type { KeyDeliverer } from './key-deliverer.js';
import { aorUri, hostForUri } from './message-request.js';
import type { KeyTarget, Route, RouteContact, RouteContacts } from './route.js';
import { InvalidBindRequestError, UnknownProfileError } from './service-errors.js';
import type { KeysEvent } from './service-events.js';

/** A profile as the service runs it. */
export interface RunningProfile {
  readonly name: string;
  readonly route: Route;
  readonly format: BodyFormat;
  /** Whether its route is the service's own registrar (these profiles are re-synced on registration). */
  readonly embedded: boolean;
}

/** A bindKey request: the keys of `user@host` under `profile`. */
export interface BindKeyRequest {
  readonly profile: string;
  readonly user: string;
  readonly host: string;
  readonly keys: readonly KeyState[];
  /** Wait for the contacts' answers (default); false returns once the state is persisted and queued. */
  readonly wait?: boolean;
}

/** Owners remembered by the has-keys cache (cleared when full). */
const MAX_CACHED_OWNERS = 100_000;

/** Owners whose keys are read per query (and queued per event-loop turn) at start. */
const RECONCILE_PAGE = 256;

/** Keys one bindKey may set. */
export const MAX_KEYS_PER_BIND = 100;

/** What KeyService needs. */
export interface KeyServiceParts {
  readonly keys: KeyStateTable;
  readonly profiles: ReadonlyMap<string, RunningProfile>;
  readonly embedded: EmbeddedRoute;
  readonly deliverer: KeyDeliverer;
  readonly limits: KeyStateValidationOptions | undefined;
  readonly now: () => number;
  readonly emitKeys: (event: KeysEvent) => void;
}

/**
 * bindKey and the re-syncs. The desired state is written (one transaction) before anything is sent, so a
 * crash after the write loses nothing: the start-up reconciliation sends what was not delivered.
 */
export class KeyService {
  readonly #p: KeyServiceParts;
  /**
   * `user\nhost` → whether it may have desired keys in an embedded profile. `false` is only cached after a
   * query found none (and is cleared by bindKey), so a REGISTER of a user without keys costs no query.
   */
  readonly #hasKeys = new Map<string, boolean>();

  constructor(parts: KeyServiceParts) {
    this.#p = parts;
  }

  /** See Service.bindKey. Throws KeyStateError, InvalidBindRequestError, UnknownProfileError; nothing persisted then. */
  async bindKey(req: BindKeyRequest): Promise<BindKeyResult> {
    const profile = this.#p.profiles.get(req?.profile);
    if (profile === undefined) throw new UnknownProfileError(String(req?.profile));
    checkUser(req.user);
    const host = checkHost(req.host);
    if (!Array.isArray(req.keys) || req.keys.length === 0) throw new InvalidBindRequestError('keys', 'must hold at least one key state');
    if (req.keys.length > MAX_KEYS_PER_BIND) throw new InvalidBindRequestError('keys', `must hold at most ${MAX_KEYS_PER_BIND} key states`);
    const valid = validateXButtonsDocument(req.keys, this.#p.limits);
    if (!valid.ok) throw valid.error;
    const states = valid.value;
    const seen = new Set<string>();
    states.forEach((s, i) => {
      if (seen.has(s.key)) throw new InvalidBindRequestError(`keys[${i}].key`, `repeats key ${JSON.stringify(s.key)}`);
      seen.add(s.key);
    });

    const target: KeyTarget = { profile: profile.name, user: req.user, host };
    const versions = this.#p.keys.putDesiredKeys(target.profile, target.user, target.host, states);
    if (profile.embedded) this.#hasKeys.delete(`${target.user}\n${target.host}`);
    this.#p.emitKeys({ ...target, keys: states.map((state, i) => ({ key: state.key, version: versions[i]!, state })), at: this.#p.now() });

    return this.#deliver(profile, target, () => states.map((state, i) => ({ state, version: versions[i]! })), 'bind', req.wait !== false);
  }

  /**
   * Pushes the desired keys of `target` under its profile again at their current versions (cause
   * `resync`; nothing is re-versioned) to every contact the profile's route has for it — every registered
   * contact on the embedded route — and resolves with each contact's answer like bindKey (`pending` when
   * there is none). `keys` is empty and nothing is sent when nothing is desired. Throws
   * UnknownProfileError, InvalidBindRequestError.
   */
  async resyncTarget(target: KeyTarget): Promise<BindKeyResult> {
    const profile = this.#p.profiles.get(target?.profile);
    if (profile === undefined) throw new UnknownProfileError(String(target?.profile));
    const t: KeyTarget = { profile: profile.name, user: String(target.user), host: String(target.host).toLowerCase() };
    const desired = (): DesiredKey[] => this.#p.keys.desiredKeys(t.profile, t.user, t.host);
    if (desired().length === 0) return { ...t, keys: [], delivered: false, pending: false, reason: 'no desired keys', contacts: [] };
    checkUser(t.user);
    checkHost(t.host);
    // read again after the contacts lookup: a bind meanwhile must not be followed by its older version
    return this.#deliver(profile, t, desired, 'resync', true);
  }

  /** Queues `items()` (read once the contacts are known) on every contact of the target; waits for the answers. */
  async #deliver(
    profile: RunningProfile, target: KeyTarget, items: () => ReadonlyArray<{ readonly state: KeyState; readonly version: number }>, cause: DeliveryCause, wait: boolean,
  ): Promise<BindKeyResult> {
    let found: RouteContacts;
    try {
      found = await profile.route.contacts(target);
    } catch (error) {
      found = { contacts: [], reason: `route error: ${error instanceof Error ? error.message : 'unknown'}` };
    }
    const list = items();
    const keys = list.map((d) => ({ key: d.state.key, version: d.version }));
    if (found.contacts.length === 0) {
      return { ...target, keys, delivered: false, pending: true, reason: found.reason ?? 'not registered', contacts: [] };
    }
    const perContact: Array<Promise<DocumentOutcome[]>> = [];
    for (const contact of found.contacts) {
      const waits: Array<Promise<DocumentOutcome>> = [];
      const entries = list.map((d): QueuedKey => {
        const entry = this.#entry(target, d.state, d.version, profile.format, cause);
        waits.push(new Promise((resolve) => (entry.waiters ??= []).push(resolve)));
        return entry;
      });
      this.#p.deliverer.enqueue(profile.route, contact, target.user, target.host, entries);
      perContact.push(Promise.all(waits));
    }
    if (!wait) {
      return { ...target, keys, delivered: false, pending: true, reason: 'queued', contacts: [] };
    }
    const contacts = (await Promise.all(perContact)).map(contactResult);
    return { ...target, keys, delivered: contacts.every((c) => c.delivered), pending: false, contacts };
  }

  /** Pushes the whole desired key set of a binding's user (every embedded profile) to that contact. */
  resync(binding: Binding, cause: DeliveryCause = 'resync'): number {
    const owner = `${binding.user}\n${binding.domain}`;
    if (this.#hasKeys.get(owner) === false) return 0;
    const entries: QueuedKey[] = [];
    for (const profile of this.#p.profiles.values()) {
      if (!profile.embedded) continue;
      for (const d of this.#p.keys.desiredKeys(profile.name, binding.user, binding.domain)) entries.push(this.#fromDesired(d, profile, cause));
    }
    if (this.#hasKeys.size >= MAX_CACHED_OWNERS) this.#hasKeys.clear();
    this.#hasKeys.set(owner, entries.length > 0);
    const contact = entries.length === 0 ? undefined : this.#p.embedded.contactOf(binding);
    if (contact === undefined) return 0;
    this.#p.deliverer.enqueue(this.#p.embedded, contact, binding.user, binding.domain, entries);
    return entries.length;
  }

  /**
   * At start: for every loaded binding, sends the desired keys of the embedded profiles that the contact
   * has not confirmed at their current version; for the other routes, re-sends the keys still pending.
   * The embedded profiles' keys are read in pages of RECONCILE_PAGE owners (one query each, in key order);
   * each page is queued, and the next one read only when fewer than RECONCILE_PAGE documents wait for a
   * send slot: the first phones are served while the later ones are read, and a re-sync of 100,000s of
   * phones never holds all their keys at once. Stops reading when the deliverer closes. Returns how many
   * key versions were queued.
   */
  async reconcile(bindings: Iterable<Binding>): Promise<number> {
    let queued = 0;
    // contacts are made when their owner's page is read (null: not addressable), so the first pages go out
    // before every binding's URI has been parsed
    const byOwner = new Map<string, Array<{ readonly binding: Binding; contact: RouteContact | null | undefined }>>();
    for (const b of bindings) {
      const id = `${b.user}\n${b.domain.toLowerCase()}`;
      const list = byOwner.get(id);
      if (list === undefined) byOwner.set(id, [{ binding: b, contact: undefined }]);
      else list.push({ binding: b, contact: undefined });
    }
    const embedded = [...this.#p.profiles.values()].filter((p) => p.embedded);
    // with several embedded profiles, a contact's keys of all of them go in one queueing (one document)
    const held = new Map<string, { readonly binding: Binding; readonly contact: RouteContact; readonly entries: QueuedKey[] }>();
    for (const [index, profile] of embedded.entries()) {
      const last = index === embedded.length - 1;
      let after: { user: string; host: string } | undefined;
      for (;;) {
        // the keys as their stored blocks: sent as they are (no JSON, validation or encoding per key)
        if (this.#p.deliverer.closing) return queued;
        const page = this.#p.keys.encodedKeySets(profile.name, after, RECONCILE_PAGE);
        for (const set of page) {
          const owners = byOwner.get(`${set.user}\n${set.host}`);
          if (owners === undefined) continue;
          // one target object for all of the owner's entries (a re-sync queues 100,000s of them)
          const target: KeyTarget = { profile: set.profile, user: set.user, host: set.host };
          for (const owner of owners) {
            if (owner.contact === undefined) owner.contact = this.#p.embedded.contactOf(owner.binding) ?? null;
            const { binding, contact } = owner;
            if (contact === null) continue;
            const done = set.delivered.get(contact.uri);
            const earlier = held.get(contact.id);
            // an earlier profile's keys read pages ago: a bind meanwhile must not be followed by its older version
            const entries = earlier === undefined ? [] : last ? this.#stillDesired(earlier.entries) : earlier.entries;
            for (const d of set.keys) {
              if ((done?.get(d.key) ?? -1) < d.version) entries.push(this.#entry(target, d, d.version, profile.format, 'startup'));
            }
            if (!last) {
              if (earlier === undefined && entries.length > 0) held.set(contact.id, { binding, contact, entries });
              continue;
            }
            held.delete(contact.id);
            this.#p.deliverer.enqueue(this.#p.embedded, contact, binding.user, binding.domain, entries);
            queued += entries.length;
          }
        }
        if (page.length < RECONCILE_PAGE) break;
        after = page[page.length - 1]!;
        // the next page is read when this one's documents are mostly out (they would only wait, and live longer)
        await new Promise((resolve) => setImmediate(resolve));
        await this.#p.deliverer.room(RECONCILE_PAGE);
      }
    }
    for (const h of held.values()) {
      const entries = this.#stillDesired(h.entries);
      this.#p.deliverer.enqueue(this.#p.embedded, h.contact, h.binding.user, h.binding.domain, entries);
      queued += entries.length;
    }
    const others = new Map<string, { profile: RunningProfile; target: KeyTarget; entries: QueuedKey[]; contact: string }>();
    for (const p of this.#p.keys.pendingKeys()) {
      const profile = this.#p.profiles.get(p.profile);
      if (profile === undefined || profile.embedded) continue;
      const id = `${p.profile}\n${p.user}\n${p.host}`;
      let group = others.get(id);
      if (group === undefined) others.set(id, (group = { profile, target: { profile: p.profile, user: p.user, host: p.host }, entries: [], contact: p.contact }));
      if (!group.entries.some((e) => e.state.key === p.key)) {
        group.entries.push(this.#entry(group.target, p.state, p.desiredVersion, profile.format, 'startup'));
      }
    }
    for (const g of others.values()) {
      let found: RouteContacts;
      try {
        found = await g.profile.route.contacts(g.target);
      } catch {
        continue;
      }
      if (found.contacts.length === 0) continue;
      // a bind during the lookup: send the current versions, never an older one after it
      const current = new Map(this.#p.keys.desiredKeys(g.target.profile, g.target.user, g.target.host).map((d) => [d.key, d]));
      const send = g.entries.flatMap((e) => current.get(e.state.key) ?? []);
      for (const c of found.contacts) {
        this.#p.deliverer.enqueue(g.profile.route, c, g.target.user, g.target.host, send.map((d) => this.#fromDesired(d, g.profile, 'startup')));
        queued += send.length;
      }
    }
    return queued;
  }

  /** The lane id of a binding's contact (for dropping its queue when it goes away). */
  contactOf(binding: Binding): RouteContact | undefined {
    return this.#p.embedded.contactOf(binding);
  }

  /** The entries (of one owner) whose version is still the desired one: another is newer, or the key is gone. */
  #stillDesired(entries: readonly QueuedKey[]): QueuedKey[] {
    const current = new Map<string, number>();
    for (const profile of new Set(entries.map((e) => e.target.profile))) {
      const { user, host } = entries[0]!.target;
      for (const d of this.#p.keys.desiredKeys(profile, user, host)) current.set(`${profile}\n${d.key}`, d.version);
    }
    return entries.filter((e) => current.get(`${e.target.profile}\n${e.state.key}`) === e.version);
  }

  #fromDesired(d: DesiredKey, profile: RunningProfile, cause: DeliveryCause): QueuedKey {
    return this.#entry({ profile: d.profile, user: d.user, host: d.host }, d.state, d.version, profile.format, cause);
  }

  #entry(target: KeyTarget, state: KeyState | EncodedKeyState, version: number, format: BodyFormat, cause: DeliveryCause): QueuedKey {
    return { target, state, version, format, cause };
  }
}

/** One contact's result from the outcomes of its keys: the first failure, else the last success. */
function contactResult(outcomes: readonly DocumentOutcome[]): ContactResult {
  const pick = outcomes.find((o) => o.status === undefined || o.status < 200 || o.status >= 300) ?? outcomes[outcomes.length - 1]!;
  const superseded = outcomes.some((o) => o.superseded);
  const base = { contact: pick.contact, destination: pick.destination, latencyMs: pick.latencyMs, attempts: pick.attempts, superseded };
  if (pick.status !== undefined) {
    return { ...base, delivered: pick.status >= 200 && pick.status < 300, status: pick.status, reason: pick.reason ?? '' };
  }
  return { ...base, delivered: false, error: pick.error ?? 'transport', message: pick.message ?? '' };
}

function checkUser(user: unknown): asserts user is string {
  if (typeof user !== 'string' || user.length === 0 || user.length > 256) throw new InvalidBindRequestError('user', 'must be a string of 1..256 characters');
  const c = findControlChar(user);
  if (c) throw new InvalidBindRequestError('user', `contains a control character (${c.name})`);
  if (/[\s@]/u.test(user)) throw new InvalidBindRequestError('user', 'must not contain blanks or @');
}

/** The host lowercased; it must be a host name or IP address (it goes into `sip:user@host`). */
function checkHost(host: unknown): string {
  if (typeof host !== 'string' || host.length === 0 || host.length > 256) throw new InvalidBindRequestError('host', 'must be a string of 1..256 characters');
  const c = findControlChar(host);
  if (c) throw new InvalidBindRequestError('host', `contains a control character (${c.name})`);
  const h = hostForUri(host.toLowerCase());
  if (scanHost(h, 0, h.length) !== h.length) throw new InvalidBindRequestError('host', 'must be a host name or IP address');
  try {
    aorUri('x', h);
  } catch {
    throw new InvalidBindRequestError('host', 'must be a host name or IP address');
  }
  return host.toLowerCase();
}
