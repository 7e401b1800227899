// A per-request abort signal that costs next to nothing: an EventEmitter, which undici accepts as a
// request `signal`. (An AbortController with its EventTarget listeners costs several µs per request,
// a measurable share of a keep-alive command's CPU.)
import { EventEmitter } from 'node:events';

/** Aborted once, with an Error reason; listeners get `'abort'` (undici's EventEmitter signal contract). */
export class AbortFlag extends EventEmitter {
  aborted = false;
  reason: Error | undefined;

  /** Marks the flag aborted and tells the listeners; later calls change nothing. */
  abort(reason: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }

  /** Throws the reason when aborted. */
  throwIfAborted(): void {
    if (this.aborted) throw this.reason ?? new Error('aborted');
  }
}
