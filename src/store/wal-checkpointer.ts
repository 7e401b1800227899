// WAL checkpoints on a worker thread: their fsyncs (5–20 ms each on this machine) never stall the event loop.
import { Worker } from 'node:worker_threads';

/** Options of a WalCheckpointer. */
export interface WalCheckpointerOptions {
  /** The database file (in WAL mode). */
  readonly file: string;
  /** better-sqlite3's module path (driverPath()). */
  readonly driver: string;
  /** Time between PASSIVE checkpoints (ms). */
  readonly intervalMs: number;
  readonly busyTimeoutMs: number;
  /** Called when the worker fails (the main connection's own auto-checkpoint then takes over). */
  readonly onError?: (error: unknown) => void;
}

/** The worker: its own connection, a PASSIVE checkpoint every interval (never blocks the writer), `stop` closes. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true, timeout: workerData.busyTimeoutMs });
db.pragma('wal_autocheckpoint = 0');
let timer;
const run = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: error && error.message ? String(error.message) : 'checkpoint failed' });
  }
  timer = setTimeout(run, workerData.intervalMs);
};
timer = setTimeout(run, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Runs `PRAGMA wal_checkpoint(PASSIVE)` on a second connection in a worker thread every `intervalMs`. A
 * PASSIVE checkpoint copies committed WAL frames into the database file without taking the writer's lock,
 * so commits on the main connection go on meanwhile. Durability is unchanged: a commit is durable once it
 * is in the WAL (see StoreOptions.synchronous); checkpoints only move it into the main file. The worker is
 * unref'd; stop() lets it close its connection.
 */
export class WalCheckpointer {
  readonly #worker: Worker;
  #stopped = false;

  constructor(options: WalCheckpointerOptions) {
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file: options.file, driver: options.driver, intervalMs: options.intervalMs, busyTimeoutMs: options.busyTimeoutMs },
    });
    this.#worker.unref();
    const fail = (error: unknown): void => {
      if (!this.#stopped) options.onError?.(error);
    };
    this.#worker.on('error', fail);
    this.#worker.on('message', (m: { error?: string }) => fail(new Error(m.error ?? 'checkpoint failed')));
  }

  /** Stops the checkpoints; the worker closes its connection (a no-op when stopped). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#worker.postMessage('stop');
  }
}
