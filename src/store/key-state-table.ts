// Desired key states (what each key should show) and their per-contact delivery state.
import { NO_LENGTH_LIMITS, validateKeyState, type KeyState } from '../snom/key-state.js';
import type { Database, Statement } from './sqlite-driver.js';
import { check, StoreError } from './store-error.js';
import { checkName } from './user-table.js';

/** The keys of one phone line: mod_snom's `<profile> <user> <host>` (host lowercased on write). */
export interface KeyOwner {
  readonly profile: string;
  readonly user: string;
  readonly host: string;
}

/** A key's desired state. `version` grows with every write of any key (one counter for the store). */
export interface DesiredKey extends KeyOwner {
  readonly key: string;
  readonly version: number;
  readonly state: KeyState;
  readonly updatedAt: number;
}

/** Where a key's delivery to one contact stands. */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** The delivery of a key version to a contact (the binding's contact URI). `reason` only for `failed`. */
export interface DeliveryRecord extends KeyOwner {
  readonly key: string;
  readonly contact: string;
  readonly status: DeliveryStatus;
  readonly version: number;
  readonly at: number;
  readonly reason?: string;
}

/** A pending delivery with the key's current desired state (which may be newer than the pending version). */
export interface PendingKey extends DeliveryRecord {
  readonly status: 'pending';
  readonly desiredVersion: number;
  readonly state: KeyState;
}

interface DesiredRow { profile: string; user: string; host: string; key: string; version: number; state: string; updated_at: number }
interface DeliveryRow { profile: string; user: string; host: string; key: string; contact: string; status: string; version: number; at: number; reason: string | null }
type PendingRow = DeliveryRow & { desired_version: number; state: string };

const MAX_REASON = 1000;
const KEY_ORDER = new Intl.Collator('en', { numeric: true });

/**
 * The desired_keys and key_deliveries tables. putDesiredKeys writes a whole set in one transaction;
 * markDelivery never lets an older version overwrite a newer one.
 */
export class KeyStateTable {
  readonly #now: () => number;
  readonly #nextVersion: Statement<{ value: number }>;
  readonly #putDesired: Statement;
  readonly #desired: Statement<DesiredRow>;
  readonly #deleteDesired: Statement;
  readonly #deleteDeliveriesOfKey: Statement;
  readonly #mark: Statement;
  readonly #deliveries: Statement<DeliveryRow>;
  readonly #deleteDeliveries: Statement;
  readonly #pending: Statement<PendingRow>;
  readonly #putAll: (owner: KeyOwner, states: readonly KeyState[], now: number) => number[];
  readonly #markAll: (marks: readonly DeliveryRecord[]) => boolean[];
  readonly #deleteAll: (owner: KeyOwner, keys: readonly string[] | undefined) => number;

  constructor(db: Database, now: () => number) {
    this.#now = now;
    this.#nextVersion = db.prepare<{ value: number }>("UPDATE counters SET value = value + 1 WHERE name = 'key_version' RETURNING value");
    this.#putDesired = db.prepare('INSERT OR REPLACE INTO desired_keys (profile, user, host, key, version, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.#desired = db.prepare<DesiredRow>('SELECT * FROM desired_keys WHERE profile = ? AND user = ? AND host = ?');
    this.#deleteDesired = db.prepare('DELETE FROM desired_keys WHERE profile = ? AND user = ? AND host = ? AND key = ?');
    this.#deleteDeliveriesOfKey = db.prepare('DELETE FROM key_deliveries WHERE profile = ? AND user = ? AND host = ? AND key = ?');
    this.#mark = db.prepare(`INSERT INTO key_deliveries (profile, user, host, key, contact, status, version, at, reason)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (profile, user, host, key, contact) DO UPDATE SET
        status = excluded.status, version = excluded.version, at = excluded.at, reason = excluded.reason
      WHERE excluded.version >= key_deliveries.version`);
    this.#deliveries = db.prepare<DeliveryRow>('SELECT * FROM key_deliveries WHERE profile = ? AND user = ? AND host = ?');
    this.#deleteDeliveries = db.prepare('DELETE FROM key_deliveries WHERE profile = ? AND user = ? AND host = ? AND contact = ?');
    this.#pending = db.prepare<PendingRow>(`SELECT d.*, k.version AS desired_version, k.state AS state
      FROM key_deliveries d JOIN desired_keys k
        ON k.profile = d.profile AND k.user = d.user AND k.host = d.host AND k.key = d.key
      WHERE d.status = 'pending' ORDER BY d.at`);
    this.#putAll = db.transaction((owner: KeyOwner, states: readonly KeyState[], at: number) => states.map((s) => {
      const version = this.#nextVersion.get()!.value;
      this.#putDesired.run(owner.profile, owner.user, owner.host, s.key, version, JSON.stringify(s), at);
      return version;
    }));
    this.#markAll = db.transaction((marks: readonly DeliveryRecord[]) => marks.map((m) =>
      this.#mark.run(m.profile, m.user, m.host, m.key, m.contact, m.status, m.version, m.at, m.status === 'failed' ? m.reason ?? '' : null).changes > 0));
    this.#deleteAll = db.transaction((owner: KeyOwner, keys: readonly string[] | undefined) => {
      const targets = keys ?? this.#desired.all(owner.profile, owner.user, owner.host).map((r) => r.key);
      let n = 0;
      for (const k of targets) {
        n += this.#deleteDesired.run(owner.profile, owner.user, owner.host, k).changes;
        this.#deleteDeliveriesOfKey.run(owner.profile, owner.user, owner.host, k);
      }
      return n;
    });
  }

  /**
   * Stores the desired state of several keys of one owner in ONE transaction and returns each key's new
   * version, in input order. Every state must pass validateKeyState (without length limits: those are the
   * caller's policy) and keys must be distinct; else StoreError('invalid') and nothing is written.
   */
  putDesiredKeys(profile: string, user: string, host: string, states: readonly KeyState[]): number[] {
    const owner = checkOwner(profile, user, host);
    check(Array.isArray(states), 'states', 'must be an array');
    const clean: KeyState[] = [];
    const seen = new Set<string>();
    for (const [i, s] of states.entries()) {
      const r = validateKeyState(s, NO_LENGTH_LIMITS);
      if (!r.ok) throw new StoreError('invalid', `states[${i}]: ${r.error.message}`);
      check(!seen.has(r.value.key), `states[${i}].key`, 'repeats a key of the same request');
      seen.add(r.value.key);
      clean.push(r.value);
    }
    return this.#putAll(owner, clean, this.#now());
  }

  /** The desired keys of an owner, in natural key order (`2` before `10`). */
  desiredKeys(profile: string, user: string, host: string): DesiredKey[] {
    const out: DesiredKey[] = [];
    for (const r of this.#desired.all(profile, user, host.toLowerCase())) {
      const state = parseState(r.state);
      if (state !== undefined) out.push({ profile: r.profile, user: r.user, host: r.host, key: r.key, version: r.version, state, updatedAt: r.updated_at });
    }
    return out.sort((a, b) => KEY_ORDER.compare(a.key, b.key));
  }

  /** Forgets desired keys (all of the owner's when `keys` is omitted) and their deliveries; returns how many. */
  deleteDesiredKeys(profile: string, user: string, host: string, keys?: readonly string[]): number {
    return this.#deleteAll(checkOwner(profile, user, host), keys);
  }

  /**
   * Records a delivery outcome; returns false (and changes nothing) when a newer version is already
   * recorded for that key and contact. Equal versions overwrite (a retry of the same version).
   */
  markDelivery(mark: DeliveryRecord): boolean {
    return this.markDeliveries([mark])[0]!;
  }

  /** markDelivery for several records in one transaction. */
  markDeliveries(marks: readonly DeliveryRecord[]): boolean[] {
    const clean = marks.map((m, i) => checkMark(m, i));
    return this.#markAll(clean);
  }

  /** The delivery records of an owner. */
  deliveries(profile: string, user: string, host: string): DeliveryRecord[] {
    return this.#deliveries.all(profile, user, host.toLowerCase()).map(toDelivery);
  }

  /** Forgets the delivery records of a contact that is gone; returns how many. */
  deleteDeliveries(profile: string, user: string, host: string, contact: string): number {
    return this.#deleteDeliveries.run(profile, user, host.toLowerCase(), contact).changes;
  }

  /** Every pending delivery whose key is still desired, oldest first, with the current desired state. */
  pendingKeys(): PendingKey[] {
    const out: PendingKey[] = [];
    for (const r of this.#pending.all()) {
      const state = parseState(r.state);
      if (state === undefined) continue;
      out.push({ ...toDelivery(r), status: 'pending', desiredVersion: r.desired_version, state });
    }
    return out;
  }
}

function checkOwner(profile: string, user: string, host: string): KeyOwner {
  checkName(profile, 'profile');
  checkName(user, 'user');
  checkName(host, 'host');
  return { profile, user, host: host.toLowerCase() };
}

function checkMark(m: DeliveryRecord, i: number): DeliveryRecord {
  const owner = checkOwner(m.profile, m.user, m.host);
  checkName(m.key, `marks[${i}].key`, 64);
  checkName(m.contact, `marks[${i}].contact`, 4096);
  check(m.status === 'pending' || m.status === 'delivered' || m.status === 'failed', `marks[${i}].status`, 'must be pending, delivered or failed');
  check(Number.isSafeInteger(m.version) && m.version >= 0, `marks[${i}].version`, 'must be a non-negative whole number');
  check(Number.isSafeInteger(m.at), `marks[${i}].at`, 'must be a time in ms');
  let reason: string | undefined;
  if (m.status === 'failed') {
    check(typeof m.reason === 'string', `marks[${i}].reason`, 'is required for failed');
    reason = m.reason.slice(0, MAX_REASON);
  }
  return { ...owner, key: m.key, contact: m.contact, status: m.status, version: m.version, at: m.at, ...(reason === undefined ? {} : { reason }) };
}

function toDelivery(r: DeliveryRow): DeliveryRecord {
  const status: DeliveryStatus = r.status === 'delivered' ? 'delivered' : r.status === 'failed' ? 'failed' : 'pending';
  const base = { profile: r.profile, user: r.user, host: r.host, key: r.key, contact: r.contact, status, version: r.version, at: r.at };
  return status === 'failed' ? { ...base, reason: r.reason ?? '' } : base;
}

function parseState(text: string): KeyState | undefined {
  try {
    const r = validateKeyState(JSON.parse(text), NO_LENGTH_LIMITS);
    return r.ok ? r.value : undefined;
  } catch {
    return undefined;
  }
}
