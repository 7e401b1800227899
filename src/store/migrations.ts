// Versioned schema migrations: each runs once, in its own transaction, recorded in schema_migrations.
import { storedBlock } from './key-state-table.js';
import type { Database } from './sqlite-driver.js';
import { StoreError } from './store-error.js';

/**
 * One schema step. `sql` may hold several statements; `run`, a data step, runs after it in the same
 * transaction. Never edit a released migration: add one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly run?: (db: Database) => void;
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

// Each desired key's x-buttons block (encodeXButtonsBlock) beside its JSON state, so a re-sync sends stored
// text. A write of `state` that does not come with its block (another program, a hand edit) clears the
// block: the state is then read, validated and encoded as before, and a corrupt one is skipped.
const V2 = `
ALTER TABLE desired_keys ADD COLUMN block TEXT;
CREATE TRIGGER desired_keys_state_written AFTER UPDATE OF state ON desired_keys
BEGIN
  UPDATE desired_keys SET block = NULL
    WHERE profile = NEW.profile AND user = NEW.user AND host = NEW.host AND key = NEW.key;
END;
`;

/** V2's data step: the blocks of the existing rows (a row whose state is not valid keeps none). */
function fillBlocks(db: Database): void {
  const rows = db.prepare<{ profile: string; user: string; host: string; key: string; state: string }>(
    'SELECT profile, user, host, key, state FROM desired_keys WHERE block IS NULL').all();
  const set = db.prepare('UPDATE desired_keys SET block = ? WHERE profile = ? AND user = ? AND host = ? AND key = ?');
  for (const r of rows) {
    const block = storedBlock(r.state);
    if (block !== undefined) set.run(block, r.profile, r.user, r.host, r.key);
  }
}

/** The project's migrations, in version order. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  { version: 1, name: 'registrations, desired keys, key deliveries, users, phones', sql: V1 },
  { version: 2, name: 'encoded x-buttons block of each desired key', sql: V2, run: fillBlocks },
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
      m.run?.(db);
      record.run(m.version, m.name, now);
    }).immediate();
  }
  return migrations.length;
}
