// A per-request abort signal that costs next to nothing: an EventEmitter (undici's EventEmitter
// signal contract, used by FairLimiter waiters), plus one watcher object told first, which is how an
// exchange listens without allocating a listener per request. (An AbortController with its
// EventTarget listeners costs several µs per request, a measurable share of a keep-alive command's CPU.)
import { EventEmitter } from 'node:events';

/** What a watcher of an AbortFlag implements. */
export interface AbortWatcher {
  /** The flag was aborted (called once, before the `'abort'` listeners). */
  aborted(): void;
}

/** Aborted once, with an Error reason; the watcher, then listeners of `'abort'`, are told. */
export class AbortFlag extends EventEmitter {
  aborted = false;
  reason: Error | undefined;
  #watcher: AbortWatcher | undefined;

  /** The current watcher, if any. */
  get watcher(): AbortWatcher | undefined {
    return this.#watcher;
  }

  /** Makes `watcher` the one watcher (replacing any other); `undefined` removes it. */
  watch(watcher: AbortWatcher | undefined): void {
    this.#watcher = watcher;
  }

  /** Marks the flag aborted and tells the watcher and the listeners; later calls change nothing. */
  abort(reason: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const watcher = this.#watcher;
    this.#watcher = undefined;
    watcher?.aborted();
    this.emit('abort');
  }

  /** Throws the reason when aborted. */
  throwIfAborted(): void {
    if (this.aborted) throw this.reason ?? new Error('aborted');
  }
}
