// Cheap timing for many virtual phones: one clock timer for every registration refresh and retry, and a
// limit on how many registrations run at once (a fleet of 10,000 phones shares one of each).
import { InvalidOptionError } from '../util/errors.js';
import { systemClock, type Clock } from '../sip/timers.js';

/** A task waiting in a SimScheduler. */
export interface ScheduledTask {
  /** The clock time (ms) it runs at. */
  readonly at: number;
  /** Stops it from running; harmless after it ran. */
  cancel(): void;
}

interface Entry extends ScheduledTask {
  readonly seq: number;
  readonly run: () => void;
  cancelled: boolean;
}

/**
 * Runs one-shot tasks at their time on a single clock timer (a binary min-heap, earliest first; equal
 * times in scheduling order). Cancelled tasks are dropped lazily. A task that throws is reported to
 * `onError` and never stops the others. After close() nothing runs and schedule() returns inert tasks.
 */
export class SimScheduler {
  readonly #clock: Clock;
  readonly #onError: (error: unknown) => void;
  readonly #heap: Entry[] = [];
  #handle: unknown;
  #armedAt = Infinity;
  #seq = 0;
  #live = 0;
  #closed = false;

  constructor(options: { clock?: Clock; onError?: (error: unknown) => void } = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#onError = options.onError ?? (() => {});
  }

  /** The clock's time in ms. */
  now(): number {
    return this.#clock.now();
  }

  /** Tasks scheduled and neither run nor cancelled. */
  get size(): number {
    return this.#live;
  }

  /** Runs `run` after `delayMs` (negative counts as 0). */
  schedule(delayMs: number, run: () => void): ScheduledTask {
    const at = this.#clock.now() + Math.max(0, Number.isFinite(delayMs) ? delayMs : 0);
    const entry: Entry = {
      at,
      seq: this.#seq++,
      run,
      cancelled: this.#closed,
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        this.#live--;
      },
    };
    if (this.#closed) return entry;
    this.#live++;
    this.#push(entry);
    if (at < this.#armedAt) this.#arm(at);
    return entry;
  }

  /** Cancels everything and stops the clock timer. */
  close(): void {
    this.#closed = true;
    for (const e of this.#heap) e.cancelled = true;
    this.#heap.length = 0;
    this.#live = 0;
    if (this.#handle !== undefined) this.#clock.clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#armedAt = Infinity;
  }

  #arm(at: number): void {
    if (this.#handle !== undefined) this.#clock.clearTimeout(this.#handle);
    this.#armedAt = at;
    this.#handle = this.#clock.setTimeout(() => this.#fire(), Math.max(1, Math.ceil(at - this.#clock.now())));
  }

  #fire(): void {
    this.#handle = undefined;
    this.#armedAt = Infinity;
    const now = this.#clock.now();
    while (!this.#closed && this.#heap.length > 0 && this.#heap[0]!.at <= now) {
      const entry = this.#pop();
      if (entry.cancelled) continue;
      entry.cancelled = true;
      this.#live--;
      try {
        entry.run();
      } catch (error) {
        this.#onError(error);
      }
    }
    while (this.#heap.length > 0 && this.#heap[0]!.cancelled) this.#pop();
    const next = this.#heap[0];
    if (!this.#closed && next !== undefined) this.#arm(next.at);
  }

  #before(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #push(entry: Entry): void {
    const h = this.#heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  #pop(): Entry {
    const h = this.#heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#before(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.#before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Runs at most `max` async jobs at once; the others wait in FIFO order. A job's rejection is passed
 * to its caller and frees its slot like a success.
 */
export class ConcurrencyLimiter {
  readonly max: number;
  readonly #waiting: (() => void)[] = [];
  #active = 0;

  constructor(max: number) {
    if (!Number.isSafeInteger(max) || max < 1) throw new InvalidOptionError('concurrency', 'must be a whole number of at least 1');
    this.max = max;
  }

  /** Jobs running now. */
  get active(): number {
    return this.#active;
  }

  /** Jobs waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `job` once a slot is free; settles as it does. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.#active >= this.max) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#active++;
    try {
      return await job();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }
}
