// The part of better-sqlite3 (12.x) the store uses, typed here: the package ships no types and
// @types/better-sqlite3 is not a dependency. Loaded through createRequire (it is a CommonJS addon).
import { createRequire } from 'node:module';

/** Result of Statement.run. */
export interface RunResult {
  readonly changes: number;
  readonly lastInsertRowid: number | bigint;
}

/** A prepared statement; parameters are positional (`?`). */
export interface Statement<Row = Record<string, unknown>> {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): Row | undefined;
  all(...params: unknown[]): Row[];
  iterate(...params: unknown[]): IterableIterator<Row>;
  /** Rows as arrays of the column values in SELECT order (no per-row key objects); returns the statement. */
  raw(toggle?: boolean): Statement<unknown[]>;
}

/** An open database connection. */
export interface Database {
  prepare<Row = Record<string, unknown>>(sql: string): Statement<Row>;
  exec(sql: string): Database;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  /** Wraps `fn` in BEGIN/COMMIT (a SAVEPOINT when nested); rolls back when it throws. */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): ((...args: A) => R) & { immediate: (...args: A) => R };
  close(): Database;
  readonly open: boolean;
  readonly inTransaction: boolean;
  readonly name: string;
}

/** better-sqlite3's options that the store passes. */
export interface DatabaseOptions {
  readonly readonly?: boolean;
  readonly fileMustExist?: boolean;
  /** busy timeout in ms */
  readonly timeout?: number;
}

type DatabaseConstructor = new (filename: string, options?: DatabaseOptions) => Database;

const require = createRequire(import.meta.url);
let ctor: DatabaseConstructor | undefined;

/** Opens a better-sqlite3 database (throws its SqliteError or TypeError on failure). */
export function openDatabase(filename: string, options?: DatabaseOptions): Database {
  ctor ??= require('better-sqlite3') as DatabaseConstructor;
  return new ctor(filename, options);
}

/** The resolved path of the better-sqlite3 module (for a worker thread that opens its own connection). */
export function driverPath(): string {
  return require.resolve('better-sqlite3');
}
