// A manual clock for driving timers in unit tests (implements src/sip/timers.ts Clock).
import type { Clock } from '../../src/sip/timers.js';

interface Pending {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/** Time only moves on advance(); due callbacks run in deadline order (ties in scheduling order). */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #pending = new Map<number, Pending>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#pending.set(id, { id, at: this.#now + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  /** Callbacks waiting to run. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Moves time forward by `ms`, running every callback that falls due on the way at its own time. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: Pending | undefined;
      for (const p of this.#pending.values()) {
        if (p.at <= end && (next === undefined || p.at < next.at || (p.at === next.at && p.id < next.id))) next = p;
      }
      if (next === undefined) break;
      this.#pending.delete(next.id);
      if (next.at > this.#now) this.#now = next.at;
      next.callback();
    }
    this.#now = end;
  }
}
