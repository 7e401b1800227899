// Desired key states (what each key should show) and their per-contact delivery state.
import { NO_LENGTH_LIMITS, validateKeyState, type KeyState } from '../snom/key-state.js';
import { encodeXButtonsBlock, isXButtonsBlock } from '../snom/x-buttons.js';
import { err, type Result } from '../util/errors.js';
import { CONTROL_CHARS } from '../util/text.js';
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

/** An owner's desired keys (natural key order) and, per contact, the versions it confirmed (status delivered). */
export interface OwnerKeySet extends KeyOwner {
  readonly keys: readonly DesiredKey[];
  /** contact URI → key → delivered version */
  readonly delivered: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

/** A desired key as its stored x-buttons block (encodeXButtonsBlock's CRLF lines). */
export interface EncodedDesiredKey {
  readonly key: string;
  readonly version: number;
  readonly block: string;
}

/** An owner's desired keys as blocks (natural key order) and, per contact, the versions it confirmed. */
export interface EncodedKeySet extends KeyOwner {
  readonly keys: readonly EncodedDesiredKey[];
  /** contact URI → key → delivered version */
  readonly delivered: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

/** A stored desired key that was skipped on read: its JSON or its state is not valid (the row is left as is). */
export interface SkippedKeyRow extends KeyOwner {
  readonly key: string;
  readonly problem: string;
}

interface DesiredRow { profile: string; user: string; host: string; key: string; version: number; state: string; updated_at: number }
interface DeliveryRow { profile: string; user: string; host: string; key: string; contact: string; status: string; version: number; at: number; reason: string | null }
type PendingRow = DeliveryRow & { desired_version: number; state: string };
interface OwnerRow { user: string; host: string; keys: string | null; delivered: string | null }

const NOTHING_DELIVERED: ReadonlyMap<string, ReadonlyMap<string, number>> = new Map();

/** Rows per multi-row upsert statement of recordDeliveries (9 parameters each). */
const MARK_ROWS = 32;
const MARK_COLUMNS = '(profile, user, host, key, contact, status, version, at, reason)';
const MARK_UPSERT = `ON CONFLICT (profile, user, host, key, contact) DO UPDATE SET
        status = excluded.status, version = excluded.version, at = excluded.at, reason = excluded.reason
      WHERE excluded.version >= key_deliveries.version`;

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
  readonly #owners: Statement<OwnerRow>;
  readonly #ownerBlocks: Statement<OwnerRow>;
  readonly #markRows: Statement;
  readonly #db: Database;
  readonly #markStatements = new Map<number, Statement>();
  readonly #putAll: (owner: KeyOwner, states: readonly KeyState[], now: number) => number[];
  readonly #markAll: (marks: readonly DeliveryRecord[]) => boolean[];
  readonly #deleteAll: (owner: KeyOwner, keys: readonly string[] | undefined) => number;
  readonly #recordAll: (marks: readonly DeliveryRecord[]) => void;

  readonly #onSkipped: ((row: SkippedKeyRow) => void) | undefined;

  /** `onSkipped` hears of every stored state that is skipped on read (a corrupt row never stops a read). */
  constructor(db: Database, now: () => number, onSkipped?: (row: SkippedKeyRow) => void) {
    this.#now = now;
    this.#onSkipped = onSkipped;
    this.#db = db;
    this.#nextVersion = db.prepare<{ value: number }>("UPDATE counters SET value = value + 1 WHERE name = 'key_version' RETURNING value");
    this.#putDesired = db.prepare('INSERT OR REPLACE INTO desired_keys (profile, user, host, key, version, state, block, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.#desired = db.prepare<DesiredRow>('SELECT * FROM desired_keys WHERE profile = ? AND user = ? AND host = ?');
    this.#deleteDesired = db.prepare('DELETE FROM desired_keys WHERE profile = ? AND user = ? AND host = ? AND key = ?');
    this.#deleteDeliveriesOfKey = db.prepare('DELETE FROM key_deliveries WHERE profile = ? AND user = ? AND host = ? AND key = ?');
    this.#mark = db.prepare(`INSERT INTO key_deliveries ${MARK_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ${MARK_UPSERT}`);
    this.#markRows = this.#markStatement(MARK_ROWS);
    this.#deliveries = db.prepare<DeliveryRow>('SELECT * FROM key_deliveries WHERE profile = ? AND user = ? AND host = ?');
    this.#deleteDeliveries = db.prepare('DELETE FROM key_deliveries WHERE profile = ? AND user = ? AND host = ? AND contact = ?');
    this.#pending = db.prepare<PendingRow>(`SELECT d.*, k.version AS desired_version, k.state AS state
      FROM key_deliveries d JOIN desired_keys k
        ON k.profile = d.profile AND k.user = d.user AND k.host = d.host AND k.key = d.key
      WHERE d.status = 'pending' ORDER BY d.at`);
    // one row per owner, keys and confirmations joined by SQLite (a re-sync reads 100,000s of keys): fields
    // are separated by US (0x1f) and entries by RS (0x1e), which no key, contact or state JSON text holds
    this.#owners = db.prepare<OwnerRow>(`SELECT k.user AS user, k.host AS host,
        group_concat(k.key || char(31) || k.version || char(31) || k.updated_at || char(31) || k.state, char(30)) AS keys,
        (SELECT group_concat(d.contact || char(31) || d.key || char(31) || d.version, char(30)) FROM key_deliveries d
          WHERE d.profile = k.profile AND d.user = k.user AND d.host = k.host AND d.status = 'delivered') AS delivered
      FROM desired_keys k
      WHERE k.profile = ? AND (k.user, k.host) > (?, ?)
      GROUP BY k.user, k.host ORDER BY k.user, k.host LIMIT ?`);
    // the same with each key's stored block (`b…`), or its state (`s…`) when the block was cleared
    this.#ownerBlocks = db.prepare<OwnerRow>(`SELECT k.user AS user, k.host AS host,
        group_concat(k.key || char(31) || k.version || char(31) || coalesce('b' || k.block, 's' || k.state), char(30)) AS keys,
        (SELECT group_concat(d.contact || char(31) || d.key || char(31) || d.version, char(30)) FROM key_deliveries d
          WHERE d.profile = k.profile AND d.user = k.user AND d.host = k.host AND d.status = 'delivered') AS delivered
      FROM desired_keys k
      WHERE k.profile = ? AND (k.user, k.host) > (?, ?)
      GROUP BY k.user, k.host ORDER BY k.user, k.host LIMIT ?`);
    this.#putAll = db.transaction((owner: KeyOwner, states: readonly KeyState[], at: number) => states.map((s) => {
      const version = this.#nextVersion.get()!.value;
      this.#putDesired.run(owner.profile, owner.user, owner.host, s.key, version, JSON.stringify(s), encodeXButtonsBlock(s), at);
      return version;
    }));
    this.#markAll = db.transaction((marks: readonly DeliveryRecord[]) => marks.map((m) =>
      this.#mark.run(m.profile, m.user, m.host, m.key, m.contact, m.status, m.version, m.at, m.status === 'failed' ? m.reason ?? '' : null).changes > 0));
    this.#recordAll = db.transaction((marks: readonly DeliveryRecord[]) => {
      const params: unknown[] = [];
      let i = 0;
      for (; i + MARK_ROWS <= marks.length; i += MARK_ROWS) {
        params.length = 0;
        for (let j = i; j < i + MARK_ROWS; j++) pushMark(params, marks[j]!);
        this.#markRows.run(...params);
      }
      const rest = marks.length - i;
      if (rest === 0) return;
      params.length = 0;
      for (let j = i; j < marks.length; j++) pushMark(params, marks[j]!);
      (rest === 1 ? this.#mark : this.#markStatement(rest)).run(...params);
    });
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
      const state = this.#state(r.state, r);
      if (state !== undefined) out.push({ profile: r.profile, user: r.user, host: r.host, key: r.key, version: r.version, state, updatedAt: r.updated_at });
    }
    return sortKeys(out);
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

  /**
   * markDeliveries without the per-record answers, for large batches (a re-sync records 100,000s): one
   * transaction, several records per statement. Same validation and the same never-older rule.
   */
  recordDeliveries(marks: readonly DeliveryRecord[]): void {
    const clean = marks.map((m, i) => checkMark(m, i));
    if (clean.length > 0) this.#recordAll(clean);
  }

  /**
   * The key sets of a profile's owners in (user, host) order, at most `limit` owners, starting after
   * `after` (a page; pass the last owner of the previous page). Each owner's keys are in natural order;
   * `delivered` holds its delivered records. Rows that do not make a valid state are skipped.
   */
  ownerKeySets(profile: string, after: { readonly user: string; readonly host: string } | undefined, limit: number): OwnerKeySet[] {
    const out: OwnerKeySet[] = [];
    for (const r of this.#owners.all(profile, after?.user ?? '', after?.host ?? '', limit)) {
      const keys: DesiredKey[] = [];
      const text = r.keys;
      eachEntry(text, 4, (at, end) => {
        const a = SEPARATORS[0]!;
        const b = SEPARATORS[1]!;
        const c = SEPARATORS[2]!;
        const key = text!.slice(at, a);
        const version = Number(text!.slice(a + 1, b));
        const updatedAt = Number(text!.slice(b + 1, c));
        const state = this.#state(text!.slice(c + 1, end), { profile, user: r.user, host: r.host, key });
        if (state !== undefined && Number.isSafeInteger(version) && Number.isSafeInteger(updatedAt)) {
          keys.push({ profile, user: r.user, host: r.host, key, version, state, updatedAt });
        }
      });
      sortKeys(keys);
      out.push({ profile, user: r.user, host: r.host, keys, delivered: deliveredVersions(r.delivered) });
    }
    return out;
  }

  /**
   * ownerKeySets with each key as its stored x-buttons block, for a re-sync that sends them as they are.
   * A stored block is checked with isXButtonsBlock; a key whose block was cleared (its state written
   * without one) is read from its state as ownerKeySets does. Keys whose block or state is not valid are
   * skipped and reported.
   */
  encodedKeySets(profile: string, after: { readonly user: string; readonly host: string } | undefined, limit: number): EncodedKeySet[] {
    const out: EncodedKeySet[] = [];
    for (const r of this.#ownerBlocks.all(profile, after?.user ?? '', after?.host ?? '', limit)) {
      const keys: EncodedDesiredKey[] = [];
      // the last field is `b<block>`, or `s<state>` when the block was cleared
      const text = r.keys;
      eachEntry(text, 3, (at, end) => {
        const a = SEPARATORS[0]!;
        const b = SEPARATORS[1]!;
        if (b + 1 >= end) return;
        const key = text!.slice(at, a);
        const version = Number(text!.slice(a + 1, b));
        const stored = text!.slice(b + 2, end);
        let block: string | undefined;
        if (text!.charCodeAt(b + 1) !== 0x62) {
          const state = this.#state(stored, { profile, user: r.user, host: r.host, key });
          if (state !== undefined) block = encodeXButtonsBlock(state);
        } else if (isXButtonsBlock(stored, key)) block = stored;
        else this.#skip({ profile, user: r.user, host: r.host, key }, 'the stored x-buttons block is not well formed');
        if (block !== undefined && Number.isSafeInteger(version)) keys.push({ key, version, block });
      });
      sortKeys(keys);
      out.push({ profile, user: r.user, host: r.host, keys, delivered: deliveredVersions(r.delivered) });
    }
    return out;
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
      const state = this.#state(r.state, r);
      if (state === undefined) continue;
      out.push({ ...toDelivery(r), status: 'pending', desiredVersion: r.desired_version, state });
    }
    return out;
  }

  /** A stored state, or undefined (reported to onSkipped) when the text is not JSON of a valid state. */
  #state(text: string, row: { readonly profile: string; readonly user: string; readonly host: string; readonly key: string }): KeyState | undefined {
    const r = parseState(text);
    if (r.ok) return r.value;
    this.#skip(row, r.error);
    return undefined;
  }

  #skip(row: { readonly profile: string; readonly user: string; readonly host: string; readonly key: string }, problem: string): void {
    try {
      this.#onSkipped?.({ profile: row.profile, user: row.user, host: row.host, key: row.key, problem });
    } catch {
      // a failing listener must not stop the read
    }
  }

  #markStatement(rows: number): Statement {
    const known = this.#markStatements.get(rows);
    if (known !== undefined) return known;
    const values = Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
    const statement = this.#db.prepare(`INSERT INTO key_deliveries ${MARK_COLUMNS} VALUES ${values} ${MARK_UPSERT}`);
    this.#markStatements.set(rows, statement);
    return statement;
  }
}

function pushMark(params: unknown[], m: DeliveryRecord): void {
  params.push(m.profile, m.user, m.host, m.key, m.contact, m.status, m.version, m.at, m.status === 'failed' ? m.reason ?? '' : null);
}

function checkOwner(profile: string, user: string, host: string): KeyOwner {
  checkName(profile, 'profile');
  checkName(user, 'user');
  checkName(host, 'host');
  return { profile, user, host: host.toLowerCase() };
}

/** Natural key order (`2` before `10`); plain numbers, the usual keys, are compared without the collator. */
function sortKeys<T extends { readonly key: string }>(keys: T[]): T[] {
  if (keys.length > 32) return keys.sort(compareKeys);
  // an owner's few keys: an insertion sort in place (Array#sort allocates a work array per call)
  for (let i = 1; i < keys.length; i++) {
    const item = keys[i]!;
    let j = i - 1;
    while (j >= 0 && compareKeys(keys[j]!, item) > 0) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = item;
  }
  return keys;
}

function compareKeys(a: { readonly key: string }, b: { readonly key: string }): number {
  const x = a.key;
  const y = b.key;
  if (isPlainNumber(x) && isPlainNumber(y)) return x.length - y.length || (x < y ? -1 : x > y ? 1 : 0);
  return KEY_ORDER.compare(x, y);
}

/** `0`, or 1 to 15 digits without a leading zero (checked without a regex: sorting compares 100,000s of keys). */
function isPlainNumber(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 15) return false;
  const first = s.charCodeAt(0);
  if (first === 0x30) return n === 1;
  if (first < 0x31 || first > 0x39) return false;
  for (let i = 1; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function isName(value: unknown, max: number): boolean {
  return typeof value === 'string' && value.length > 0 && value.length <= max && !CONTROL_CHARS.test(value);
}

function checkMark(m: DeliveryRecord, i: number): DeliveryRecord {
  checkName(m.profile, 'profile');
  checkName(m.user, 'user');
  checkName(m.host, 'host');
  // field names with the index are built only for a failure
  if (!isName(m.key, 64)) checkName(m.key, `marks[${i}].key`, 64);
  if (!isName(m.contact, 4096)) checkName(m.contact, `marks[${i}].contact`, 4096);
  if (m.status !== 'pending' && m.status !== 'delivered' && m.status !== 'failed') check(false, `marks[${i}].status`, 'must be pending, delivered or failed');
  if (!Number.isSafeInteger(m.version) || m.version < 0) check(false, `marks[${i}].version`, 'must be a non-negative whole number');
  if (!Number.isSafeInteger(m.at)) check(false, `marks[${i}].at`, 'must be a time in ms');
  const host = m.host.toLowerCase();
  if (m.status !== 'failed' && host === m.host && m.reason === undefined) return m;
  const base = { profile: m.profile, user: m.user, host, key: m.key, contact: m.contact, status: m.status, version: m.version, at: m.at };
  if (m.status !== 'failed') return base;
  if (typeof m.reason !== 'string') check(false, `marks[${i}].reason`, 'is required for failed');
  return { ...base, reason: m.reason.slice(0, MAX_REASON) };
}

function toDelivery(r: DeliveryRow): DeliveryRecord {
  const status: DeliveryStatus = r.status === 'delivered' ? 'delivered' : r.status === 'failed' ? 'failed' : 'pending';
  const base = { profile: r.profile, user: r.user, host: r.host, key: r.key, contact: r.contact, status, version: r.version, at: r.at };
  return status === 'failed' ? { ...base, reason: r.reason ?? '' } : base;
}

/** Where eachEntry puts the positions of an entry's field separators (read them inside the callback). */
const SEPARATORS = new Int32Array(4);

/**
 * Calls `each(start, end)` for every entry of a group_concat column (entries split by U+001E, fields by
 * U+001F) that has at least `count` fields, with SEPARATORS[0 … count-2] holding the positions of its first
 * count-1 field separators (the last field runs to `end`); other entries are ignored. No allocation per
 * entry: a re-sync reads 100,000s.
 */
function eachEntry(text: string | null, count: number, each: (start: number, end: number) => void): void {
  if (text === null) return;
  for (let at = 0; at < text.length;) {
    let end = text.indexOf('\x1e', at);
    if (end < 0) end = text.length;
    let found = 0;
    for (let from = at; found < count - 1; found++) {
      const sep = text.indexOf('\x1f', from);
      if (sep < 0 || sep >= end) break;
      SEPARATORS[found] = sep;
      from = sep + 1;
    }
    if (found === count - 1) each(at, end);
    at = end + 1;
  }
}

/** contact → key → version from the `delivered` column of an owner row. */
function deliveredVersions(text: string | null): ReadonlyMap<string, ReadonlyMap<string, number>> {
  if (text === null) return NOTHING_DELIVERED;
  const delivered = new Map<string, Map<string, number>>();
  eachEntry(text, 3, (at, end) => {
    const a = SEPARATORS[0]!;
    const b = SEPARATORS[1]!;
    const version = Number(text.slice(b + 1, end));
    if (!Number.isSafeInteger(version)) return;
    const contact = text.slice(at, a);
    let m = delivered.get(contact);
    if (m === undefined) delivered.set(contact, (m = new Map<string, number>()));
    m.set(text.slice(a + 1, b), version);
  });
  return delivered;
}

/** The block stored beside a state's JSON text (the V2 migration fills existing rows with it); undefined when the text is not a valid state. */
export function storedBlock(text: string): string | undefined {
  const r = parseState(text);
  return r.ok ? encodeXButtonsBlock(r.value) : undefined;
}

/** Stored JSON text as a state, revalidated (cheap: validateKeyState is built for this); else why not. */
function parseState(text: string): Result<KeyState, string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return err('not valid JSON');
  }
  const r = validateKeyState(value, NO_LENGTH_LIMITS);
  return r.ok ? r : err(r.error.message);
}
