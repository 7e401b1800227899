// The embedded store: one SQLite file (better-sqlite3, synchronous) holding everything snomctl keeps.
import { InvalidOptionError } from '../util/errors.js';
import { KeyStateTable, type SkippedKeyRow } from './key-state-table.js';
import { migrate, schemaVersion } from './migrations.js';
import { PhoneTable } from './phone-table.js';
import { RegistrationTable } from './registration-table.js';
import { driverPath, openDatabase, type Database } from './sqlite-driver.js';
import { StoreError } from './store-error.js';
import { UserTable } from './user-table.js';
import { WalCheckpointer } from './wal-checkpointer.js';

/** Options of openStore. */
export interface StoreOptions {
  /** The database file, or `:memory:` (nothing survives close). Its directory must exist. */
  readonly path: string;
  /**
   * SQLite `synchronous` in WAL mode. `normal` (default): a commit survives the process being killed
   * (it is in the WAL, in the OS page cache) but not a power loss or OS crash. `full`: fsync at every
   * commit, surviving power loss, at a cost per transaction.
   */
  readonly synchronous?: 'normal' | 'full';
  /** Clock for updated-at columns (ms); default Date.now. */
  readonly now?: () => number;
  /** How long to wait for another process's lock (ms); default 5000. */
  readonly busyTimeoutMs?: number;
  /**
   * Who checkpoints the WAL into the database file. `background` (default for files): a worker thread every
   * 200 ms, so no commit on this thread waits for a checkpoint's fsyncs; SQLite's own auto-checkpoint
   * stays as a backstop at 10,000 pages. `inline`: SQLite's auto-checkpoint (every 1,000 pages), run inside
   * the commit that crosses it. Either way a commit is durable when it returns (see `synchronous`).
   */
  readonly checkpoints?: 'background' | 'inline';
  /** Told about each stored desired key that is skipped because it no longer makes a valid state (for a log). */
  readonly onSkippedRow?: (row: SkippedKeyRow) => void;
}

/** Time between background checkpoints (ms). */
const CHECKPOINT_INTERVAL_MS = 200;
/** The WAL size (pages) at which a commit checkpoints itself while background checkpoints run. */
const BACKSTOP_CHECKPOINT_PAGES = 10_000;

/**
 * The open store. Its tables are separate objects: `registrations` is the registrar's RegistrationStore,
 * `keys` the desired/delivered key state, `users` the registrar users, `phones` the phone inventory.
 * Every call is synchronous; close() when done.
 */
export class SqliteStore {
  readonly path: string;
  readonly registrations: RegistrationTable;
  readonly keys: KeyStateTable;
  readonly users: UserTable;
  readonly phones: PhoneTable;
  readonly #db: Database;
  #checkpointer: WalCheckpointer | undefined;

  /** Use openStore. */
  constructor(db: Database, path: string, now: () => number, checkpointer?: WalCheckpointer, onSkippedRow?: (row: SkippedKeyRow) => void) {
    this.#db = db;
    this.#checkpointer = checkpointer;
    this.path = path;
    this.registrations = new RegistrationTable(db);
    this.keys = new KeyStateTable(db, now, onSkippedRow);
    this.users = new UserTable(db, now);
    this.phones = new PhoneTable(db, now);
  }

  /** The schema version in the file. */
  get schemaVersion(): number {
    return schemaVersion(this.#db);
  }

  /** Whether the database is still open. */
  get open(): boolean {
    return this.#db.open;
  }

  /** The journal mode in effect (`wal` for files, `memory` for `:memory:`). */
  get journalMode(): string {
    return String(this.#db.pragma('journal_mode', { simple: true }));
  }

  /** Whether a worker thread checkpoints the WAL (see StoreOptions.checkpoints). */
  get backgroundCheckpoints(): boolean {
    return this.#checkpointer !== undefined;
  }

  /** Closes the database (a no-op when closed) and stops the background checkpoints. */
  close(): void {
    this.#checkpointer?.stop();
    this.#checkpointer = undefined;
    if (this.#db.open) this.#db.close();
  }

  toString(): string {
    return `SqliteStore(${JSON.stringify(this.path)})`;
  }
}

/**
 * Opens (creating if needed) a store and migrates it to the current schema. WAL journal, the chosen
 * `synchronous`, foreign keys on. Throws InvalidOptionError for bad options and StoreError for a file
 * that cannot be opened ('io') or has a newer schema ('schema').
 */
export function openStore(options: StoreOptions): SqliteStore {
  if (typeof options?.path !== 'string' || options.path.trim() === '') throw new InvalidOptionError('path', 'must be a file path or :memory:');
  const sync = options.synchronous ?? 'normal';
  if (sync !== 'normal' && sync !== 'full') throw new InvalidOptionError('synchronous', "must be 'normal' or 'full'");
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new InvalidOptionError('now', 'must be a function');
  const checkpoints = options.checkpoints ?? 'background';
  if (checkpoints !== 'background' && checkpoints !== 'inline') throw new InvalidOptionError('checkpoints', "must be 'background' or 'inline'");
  if (options.onSkippedRow !== undefined && typeof options.onSkippedRow !== 'function') throw new InvalidOptionError('onSkippedRow', 'must be a function');
  const timeout = options.busyTimeoutMs ?? 5000;
  if (!Number.isSafeInteger(timeout) || timeout < 0 || timeout > 0x7fffffff) throw new InvalidOptionError('busyTimeoutMs', 'must be a whole number of ms');
  let db: Database;
  try {
    db = openDatabase(options.path, { timeout });
  } catch (cause) {
    throw new StoreError('io', 'cannot open the store database', { cause });
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    migrate(db, now());
    let checkpointer: WalCheckpointer | undefined;
    if (checkpoints === 'background' && String(db.pragma('journal_mode', { simple: true })) === 'wal') {
      checkpointer = new WalCheckpointer({
        file: db.name, driver: driverPath(), intervalMs: CHECKPOINT_INTERVAL_MS, busyTimeoutMs: timeout,
        // the worker is gone: commits checkpoint themselves again
        onError: () => {
          if (db.open) db.pragma('wal_autocheckpoint = 1000');
        },
      });
      db.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
    }
    return new SqliteStore(db, options.path, now, checkpointer, options.onSkippedRow);
  } catch (cause) {
    db.close();
    if (cause instanceof StoreError) throw cause;
    throw new StoreError('io', 'cannot prepare the store database', { cause });
  }
}
