// Versioned schema migrations: each runs once, in its own transaction, recorded in schema_migrations.
import type { Database } from './sqlite-driver.js';
import { StoreError } from './store-error.js';

/** One schema step. `sql` may hold several statements. Never edit a released migration: add one. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const V1 = `
CREATE TABLE registrations (
  aor TEXT NOT NULL,
  contact TEXT NOT NULL,
  instance TEXT NOT NULL DEFAULT '',
  reg_id INTEGER NOT NULL DEFAULT 0,
  user TEXT NOT NULL,
  domain TEXT NOT NULL,
  call_id TEXT NOT NULL,
  cseq INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  q REAL,
  transport TEXT NOT NULL,
  address TEXT NOT NULL,
  port INTEGER NOT NULL,
  local_address TEXT,
  local_port INTEGER,
  user_agent TEXT,
  first_registered INTEGER NOT NULL,
  last_refreshed INTEGER NOT NULL,
  PRIMARY KEY (aor, contact, instance, reg_id)
) WITHOUT ROWID;

CREATE TABLE desired_keys (
  profile TEXT NOT NULL,
  user TEXT NOT NULL,
  host TEXT NOT NULL,
  key TEXT NOT NULL,
  version INTEGER NOT NULL,
  state TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (profile, user, host, key)
) WITHOUT ROWID;

CREATE TABLE key_deliveries (
  profile TEXT NOT NULL,
  user TEXT NOT NULL,
  host TEXT NOT NULL,
  key TEXT NOT NULL,
  contact TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  version INTEGER NOT NULL,
  at INTEGER NOT NULL,
  reason TEXT,
  PRIMARY KEY (profile, user, host, key, contact)
) WITHOUT ROWID;
CREATE INDEX key_deliveries_pending ON key_deliveries (at) WHERE status = 'pending';

CREATE TABLE counters (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters (name, value) VALUES ('key_version', 0);

CREATE TABLE users (
  user TEXT NOT NULL,
  domain TEXT NOT NULL,
  password TEXT,
  ha1_md5 TEXT,
  ha1_sha256 TEXT,
  trusted_networks TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user, domain)
) WITHOUT ROWID;

CREATE TABLE phones (
  user TEXT NOT NULL,
  domain TEXT NOT NULL,
  web_address TEXT NOT NULL,
  scheme TEXT NOT NULL CHECK (scheme IN ('http', 'https')),
  username TEXT,
  password TEXT,
  insecure_tls INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user, domain)
) WITHOUT ROWID;
`;

/** The project's migrations, in version order. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  { version: 1, name: 'registrations, desired keys, key deliveries, users, phones', sql: V1 },
]);

/** The schema version of a database (0 when it has no migrations table yet). */
export function schemaVersion(db: Database): number {
  const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (table === undefined) return 0;
  const row = db.prepare<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations').get();
  return row?.v ?? 0;
}

/**
 * Brings a database up to the newest migration; returns the resulting version. Each migration runs in
 * its own transaction together with its schema_migrations row, so a failed one leaves the previous
 * version intact. A database newer than `migrations` is refused (StoreError 'schema').
 */
export function migrate(db: Database, now: number, migrations: readonly Migration[] = MIGRATIONS): number {
  for (let i = 0; i < migrations.length; i++) {
    if (migrations[i]!.version !== i + 1) throw new StoreError('schema', 'migrations must be numbered 1, 2, 3, … in order');
  }
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const current = schemaVersion(db);
  if (current > migrations.length) {
    throw new StoreError('schema', `the database has schema version ${current}; this program knows up to ${migrations.length}`);
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of migrations.slice(current)) {
    db.transaction(() => {
      // another process may have applied it since `current` was read
      if (schemaVersion(db) >= m.version) return;
      db.exec(m.sql);
      record.run(m.version, m.name, now);
    }).immediate();
  }
  return migrations.length;
}
