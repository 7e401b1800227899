// Groups the registrar's store writes of one event-loop turn into one store transaction.
import type { BindingChange, RegistrationStore } from './registration-store.js';

interface Write {
  readonly changes: readonly BindingChange[];
  /** Reverts the in-memory change this write persists (called only when the write fails). */
  readonly undo: (() => void) | undefined;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * Collects writes and commits them with one applyBindingChanges call per event-loop turn (setImmediate),
 * in the order they were queued; a write's promise settles once its batch is committed. When a batch
 * fails, that batch and every write queued behind it (which may build on it) fail too: their `undo`
 * callbacks run newest first, so each restores exactly the state it replaced, then their promises reject.
 */
export class WriteBatcher {
  readonly #store: RegistrationStore;
  #queue: Write[] = [];
  #scheduled = false;
  #running: Promise<void> | undefined;

  constructor(store: RegistrationStore) {
    this.#store = store;
  }

  /** Queues changes; resolves once they are committed, rejects (after `undo`) when the commit fails. */
  write(changes: readonly BindingChange[], undo?: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ changes, undo, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves once everything queued so far is committed or has failed. */
  async drain(): Promise<void> {
    while (this.#queue.length > 0 || this.#scheduled || this.#running !== undefined) {
      // a queued write always has a run scheduled or running (#run never rejects)
      if (this.#running !== undefined) await this.#running;
      else await new Promise<void>((r) => setImmediate(r));
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#running !== undefined) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#running = this.#run().finally(() => {
        this.#running = undefined;
        if (this.#queue.length > 0) this.#schedule();
      });
    });
  }

  async #run(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    const changes: BindingChange[] = [];
    for (const w of batch) for (const c of w.changes) changes.push(c);
    try {
      if (changes.length > 0) {
        const r = this.#store.applyBindingChanges(changes);
        if (isThenable(r)) await r;
      }
    } catch (e) {
      const failed = batch.concat(this.#queue);
      this.#queue = [];
      for (let i = failed.length - 1; i >= 0; i--) failed[i]!.undo?.();
      for (const w of failed) w.reject(e);
      return;
    }
    for (const w of batch) w.resolve();
  }
}
