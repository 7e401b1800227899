// Registrar users: who may register, with a password, HA1 hashes or trusted networks.
import { parseCidr } from '../registrar/cidr.js';
import type { RegistrarUser, UserDirectory } from '../registrar/register-auth.js';
import { findControlChar } from '../util/text.js';
import type { Database, Statement } from './sqlite-driver.js';
import { check } from './store-error.js';

/**
 * A registrar user as stored. The password is kept as given (Digest needs it, or its HA1) — the store
 * file is as secret as a password file. `ha1` values are hex, computed with the registrar's realm.
 */
export interface StoredUser extends RegistrarUser {
  readonly user: string;
  /** Lowercased on write. */
  readonly domain: string;
  readonly updatedAt?: number;
}

interface Row {
  user: string;
  domain: string;
  password: string | null;
  ha1_md5: string | null;
  ha1_sha256: string | null;
  trusted_networks: string | null;
  updated_at: number;
}

/** Checks a name-like field: a non-empty string without control characters, at most `max` long. */
export function checkName(value: unknown, field: string, max = 256): asserts value is string {
  // messages are built only on failure: the store checks every delivery record it writes
  if (typeof value !== 'string' || value.length === 0 || value.length > max) check(false, field, `must be a string of 1..${max} characters`);
  if (findControlChar(value) !== undefined) check(false, field, 'must not contain control characters');
}

/** Users (and unknown names) remembered by get (a few hundred bytes each); a full cache starts over. */
const CACHE_ENTRIES = 50_000;

/**
 * The users table; `directory()` is what the Registrar's `users` option takes. get answers from a
 * cache of recent lookups (frozen objects), emptied by every put and delete here and whenever another
 * connection committed to the database (SQLite's data_version), so a change is seen by the next get.
 */
export class UserTable {
  readonly #db: Database;
  readonly #now: () => number;
  readonly #get: Statement<Row>;
  readonly #put: Statement;
  readonly #delete: Statement;
  readonly #list: Statement<Row>;
  readonly #dataVersion: Statement<{ data_version: number }>;
  readonly #cache = new Map<string, StoredUser | null>();
  #version = -1;

  constructor(db: Database, now: () => number) {
    this.#db = db;
    this.#now = now;
    this.#dataVersion = db.prepare<{ data_version: number }>('PRAGMA data_version');
    this.#get = db.prepare<Row>('SELECT * FROM users WHERE user = ? AND domain = ?');
    this.#put = db.prepare('INSERT OR REPLACE INTO users (user, domain, password, ha1_md5, ha1_sha256, trusted_networks, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.#delete = db.prepare('DELETE FROM users WHERE user = ? AND domain = ?');
    this.#list = db.prepare<Row>('SELECT * FROM users ORDER BY domain, user');
  }

  /** The user, or undefined. */
  get(user: string, domain: string): StoredUser | undefined {
    const d = domain.toLowerCase();
    // inside a transaction the rows may still be rolled back: not cached
    if (this.#db.inTransaction) return this.#read(user, d);
    const version = this.#dataVersion.get()?.data_version ?? -1;
    if (version !== this.#version) {
      this.#cache.clear();
      this.#version = version;
    }
    const key = `${user}\n${d}`;
    const hit = this.#cache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const found = this.#read(user, d);
    if (this.#cache.size >= CACHE_ENTRIES) this.#cache.clear();
    this.#cache.set(key, found === undefined ? null : freeze(found));
    return found;
  }

  #read(user: string, domain: string): StoredUser | undefined {
    const r = this.#get.get(user, domain);
    return r === undefined ? undefined : toUser(r);
  }

  /**
   * Creates or replaces a user. Throws StoreError('invalid') unless it has a password, an HA1 or trusted
   * networks; HA1s must be 32 (MD5) / 64 (SHA-256) hex digits; networks must parse (parseCidr).
   */
  put(u: StoredUser): StoredUser {
    checkName(u.user, 'user');
    checkName(u.domain, 'domain');
    if (u.password !== undefined) check(typeof u.password === 'string' && u.password.length <= 1024, 'password', 'must be a string of at most 1024 characters');
    const md5 = u.ha1?.MD5;
    const sha = u.ha1?.['SHA-256'];
    if (md5 !== undefined) check(typeof md5 === 'string' && /^[0-9a-f]{32}$/i.test(md5), 'ha1.MD5', 'must be 32 hex digits');
    if (sha !== undefined) check(typeof sha === 'string' && /^[0-9a-f]{64}$/i.test(sha), 'ha1.SHA-256', 'must be 64 hex digits');
    const nets = u.trustedNetworks;
    if (nets !== undefined) {
      check(Array.isArray(nets) && nets.length <= 100, 'trustedNetworks', 'must be an array of at most 100 networks');
      for (const n of nets) check(typeof n === 'string' && parseCidr(n) !== undefined, 'trustedNetworks', 'must hold CIDR networks such as 10.0.0.0/8');
    }
    const hasNets = nets !== undefined && nets.length > 0;
    check(u.password !== undefined || md5 !== undefined || sha !== undefined || hasNets, 'user', 'needs a password, an HA1 or trusted networks');
    const updatedAt = this.#now();
    const domain = u.domain.toLowerCase();
    this.#cache.clear();
    this.#put.run(u.user, domain, u.password ?? null, md5?.toLowerCase() ?? null, sha?.toLowerCase() ?? null,
      hasNets ? JSON.stringify(nets) : null, updatedAt);
    return this.#read(u.user, domain)!;
  }

  /** Deletes a user; returns whether it existed. */
  delete(user: string, domain: string): boolean {
    this.#cache.clear();
    return this.#delete.run(user, domain.toLowerCase()).changes > 0;
  }

  /** Every user, by domain then user. */
  list(): StoredUser[] {
    return this.#list.all().map(toUser);
  }

  /** A UserDirectory over this table for the Registrar (one indexed lookup per REGISTER). */
  directory(): UserDirectory {
    return (user, domain) => this.get(user, domain);
  }
}

/** A cached user: shared between callers, so nobody can change it. */
function freeze(u: StoredUser): StoredUser {
  if (u.ha1 !== undefined) Object.freeze(u.ha1);
  if (u.trustedNetworks !== undefined) Object.freeze(u.trustedNetworks);
  return Object.freeze(u);
}

function toUser(r: Row): StoredUser {
  const ha1: { MD5?: string; 'SHA-256'?: string } = {};
  if (r.ha1_md5 !== null) ha1.MD5 = r.ha1_md5;
  if (r.ha1_sha256 !== null) ha1['SHA-256'] = r.ha1_sha256;
  const out: { -readonly [K in keyof StoredUser]: StoredUser[K] } = { user: r.user, domain: r.domain, updatedAt: r.updated_at };
  if (r.password !== null) out.password = r.password;
  if (r.ha1_md5 !== null || r.ha1_sha256 !== null) out.ha1 = ha1;
  const nets = parseNetworks(r.trusted_networks);
  if (nets !== undefined) out.trustedNetworks = nets;
  return out;
}

function parseNetworks(text: string | null): string[] | undefined {
  if (text === null) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((n) => typeof n === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}
