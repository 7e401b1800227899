// The phone inventory: how to reach each user's phone web server (snom_command without a registration).
import type { Database, Statement } from './sqlite-driver.js';
import { check } from './store-error.js';
import { checkName } from './user-table.js';

/**
 * A phone's web server for `user@domain`. `webAddress` is `host` or `host:port` (IPv6 in brackets).
 * `password` is kept as given: the phone's web login needs it.
 */
export interface PhoneRecord {
  readonly user: string;
  /** Lowercased on write. */
  readonly domain: string;
  readonly webAddress: string;
  readonly scheme: 'http' | 'https';
  readonly username?: string;
  readonly password?: string;
  /** Accept the phone's self-signed certificate (https only). */
  readonly insecureTls: boolean;
  readonly updatedAt?: number;
}

interface Row {
  user: string;
  domain: string;
  web_address: string;
  scheme: string;
  username: string | null;
  password: string | null;
  insecure_tls: number;
  updated_at: number;
}

/** `host` or `host:port`: a name or IPv4 address, or a bracketed IPv6 address; nothing that could end the authority. */
const WEB_ADDRESS = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** The phones table. */
export class PhoneTable {
  readonly #now: () => number;
  readonly #get: Statement<Row>;
  readonly #put: Statement;
  readonly #delete: Statement;
  readonly #list: Statement<Row>;

  constructor(db: Database, now: () => number) {
    this.#now = now;
    this.#get = db.prepare<Row>('SELECT * FROM phones WHERE user = ? AND domain = ?');
    this.#put = db.prepare('INSERT OR REPLACE INTO phones (user, domain, web_address, scheme, username, password, insecure_tls, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.#delete = db.prepare('DELETE FROM phones WHERE user = ? AND domain = ?');
    this.#list = db.prepare<Row>('SELECT * FROM phones ORDER BY domain, user');
  }

  /** The phone of `user@domain`, or undefined. */
  get(user: string, domain: string): PhoneRecord | undefined {
    const r = this.#get.get(user, domain.toLowerCase());
    return r === undefined ? undefined : toPhone(r);
  }

  /** Creates or replaces a phone; throws StoreError('invalid') for a bad field. */
  put(p: PhoneRecord): PhoneRecord {
    checkName(p.user, 'user');
    checkName(p.domain, 'domain');
    check(typeof p.webAddress === 'string' && WEB_ADDRESS.test(p.webAddress) && portOk(p.webAddress), 'webAddress', 'must be host or host:port');
    check(p.scheme === 'http' || p.scheme === 'https', 'scheme', "must be 'http' or 'https'");
    if (p.username !== undefined) checkName(p.username, 'username');
    if (p.password !== undefined) check(typeof p.password === 'string' && p.password.length <= 1024, 'password', 'must be a string of at most 1024 characters');
    check(typeof p.insecureTls === 'boolean', 'insecureTls', 'must be a boolean');
    const domain = p.domain.toLowerCase();
    this.#put.run(p.user, domain, p.webAddress, p.scheme, p.username ?? null, p.password ?? null, p.insecureTls ? 1 : 0, this.#now());
    return this.get(p.user, domain)!;
  }

  /** Deletes a phone; returns whether it existed. */
  delete(user: string, domain: string): boolean {
    return this.#delete.run(user, domain.toLowerCase()).changes > 0;
  }

  /** Every phone, by domain then user. */
  list(): PhoneRecord[] {
    return this.#list.all().map(toPhone);
  }
}

function portOk(address: string): boolean {
  const m = /:(\d{1,5})$/.exec(address.endsWith(']') ? '' : address);
  return m === null || (Number(m[1]) >= 1 && Number(m[1]) <= 65535);
}

function toPhone(r: Row): PhoneRecord {
  const out: { -readonly [K in keyof PhoneRecord]: PhoneRecord[K] } = {
    user: r.user,
    domain: r.domain,
    webAddress: r.web_address,
    scheme: r.scheme === 'https' ? 'https' : 'http',
    insecureTls: r.insecure_tls === 1,
    updatedAt: r.updated_at,
  };
  if (r.username !== null) out.username = r.username;
  if (r.password !== null) out.password = r.password;
  return out;
}
