// A hand-driven clock and timers for PhoneState (options `clock` and `timers`).
import type { SimTimers } from '../../../src/sim/key-sequence-runner.js';

interface Pending {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/** Time stands still until advance() moves it, running due timers in order (equal times in creation order). */
export class FakeTime {
  now = 0;
  readonly #pending: Pending[] = [];
  #nextId = 1;

  readonly clock = (): number => this.now;

  readonly timers: SimTimers = {
    setTimeout: (fn, ms) => {
      const id = this.#nextId++;
      this.#pending.push({ id, at: this.now + Math.max(0, ms), fn });
      return id;
    },
    clearTimeout: (id) => {
      const i = this.#pending.findIndex((p) => p.id === id);
      if (i >= 0) this.#pending.splice(i, 1);
    },
  };

  /** Timers not yet run. */
  get pending(): number {
    return this.#pending.length;
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      this.#pending.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.#pending[0];
      if (!next || next.at > end) break;
      this.#pending.shift();
      this.now = next.at;
      next.fn();
    }
    this.now = end;
  }
}
