// Delays between reconnection attempts: exponential from a minimum to a maximum, with ±20 % jitter so
// several snomctl instances do not reconnect to a restarted FreeSWITCH in lockstep.

/** Reconnect delay bounds. */
export interface BackoffOptions {
  readonly minMs: number;
  readonly maxMs: number;
  /** A number in [0, 1); Math.random by default (tests pass a constant). */
  readonly random?: () => number;
}

/** Counts failed attempts and gives the next delay; reset() after a success. */
export class Backoff {
  readonly #min: number;
  readonly #max: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions) {
    this.#min = options.minMs;
    this.#max = options.maxMs;
    this.#random = options.random ?? Math.random;
  }

  /** Failed attempts since the last reset. */
  get attempts(): number {
    return this.#attempt;
  }

  /** The delay before the next attempt: min·2ⁿ capped at max, times a factor in [0.8, 1.2], within [min, max]. */
  next(): number {
    const base = Math.min(this.#max, this.#min * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    const r = this.#random();
    const factor = 0.8 + 0.4 * (Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0.5);
    return Math.round(Math.min(this.#max, Math.max(this.#min, base * factor)));
  }

  /** Starts over from the minimum. */
  reset(): void {
    this.#attempt = 0;
  }
}
