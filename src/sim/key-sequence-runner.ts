// Runs key sequences in real time, one after another like a single keypad: press, hold, release, pause.

/** Timer functions (injectable, so tests can drive time by hand). */
export interface SimTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The global timers. */
export const REAL_TIMERS: SimTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** One timed press. */
export interface TimedStep {
  readonly holdMs: number;
  readonly pauseMs: number;
}

/** How a sequence ended. */
export type SequenceOutcome = 'done' | 'cancelled';

/** Called as the runner goes; `down` returns what `up`/`cancelled` later receive. */
export interface SequenceHandlers<S extends TimedStep, P> {
  down(step: S, sequenceId: number): P;
  up(pressed: P): void;
  /** A sequence was cancelled while this press was held down. */
  cancelled(pressed: P): void;
}

interface Job<S> {
  readonly id: number;
  readonly steps: readonly S[];
  readonly resolve: (outcome: SequenceOutcome) => void;
}

/**
 * A FIFO of key sequences. A queued sequence starts on a timer (never synchronously, so an HTTP answer
 * goes out first); each step is pressed, released after `holdMs`, and the next step (or the next
 * sequence) starts `pauseMs` later. cancelAll() stops everything and resolves every sequence `cancelled`.
 */
export class KeySequenceRunner<S extends TimedStep, P> {
  readonly #timers: SimTimers;
  readonly #handlers: SequenceHandlers<S, P>;
  /** Waiting jobs are #queue[#head…]; a head index keeps dequeuing O(1) however long the queue grows. */
  readonly #queue: Array<Job<S> | undefined> = [];
  #head = 0;
  #current: Job<S> | undefined;
  #held: P | undefined;
  #timer: unknown;
  #nextId = 1;

  constructor(timers: SimTimers, handlers: SequenceHandlers<S, P>) {
    this.#timers = timers;
    this.#handlers = handlers;
  }

  /** Sequences queued or running. */
  get pending(): number {
    return this.#queue.length - this.#head + (this.#current ? 1 : 0);
  }

  /** Queues a sequence; `done` resolves when it has run or was cancelled (never rejects). */
  enqueue(steps: readonly S[]): { id: number; done: Promise<SequenceOutcome> } {
    const id = this.#nextId++;
    let resolve!: (outcome: SequenceOutcome) => void;
    const done = new Promise<SequenceOutcome>((r) => (resolve = r));
    this.#queue.push({ id, steps: [...steps], resolve });
    if (!this.#current && this.#timer === undefined) this.#schedule(0, () => this.#startNext());
    return { id, done };
  }

  /** Stops the running sequence (a held key is reported to `cancelled`) and drops the queue. */
  cancelAll(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    const held = this.#held;
    this.#held = undefined;
    const waiting = this.#queue.slice(this.#head) as Job<S>[];
    const jobs = this.#current ? [this.#current, ...waiting] : waiting;
    this.#current = undefined;
    this.#queue.length = 0;
    this.#head = 0;
    if (held !== undefined) this.#handlers.cancelled(held);
    for (const job of jobs) job.resolve('cancelled');
  }

  #schedule(ms: number, fn: () => void): void {
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      fn();
    }, ms);
  }

  #startNext(): void {
    let job: Job<S> | undefined;
    if (this.#head < this.#queue.length) {
      job = this.#queue[this.#head];
      this.#queue[this.#head++] = undefined;
      if (this.#head === this.#queue.length) {
        this.#queue.length = 0;
        this.#head = 0;
      } else if (this.#head > 1024 && 2 * this.#head > this.#queue.length) {
        this.#queue.splice(0, this.#head);
        this.#head = 0;
      }
    }
    this.#current = job;
    if (job) this.#step(job, 0);
  }

  #step(job: Job<S>, index: number): void {
    const step = job.steps[index];
    if (step === undefined) {
      this.#current = undefined;
      job.resolve('done');
      this.#startNext();
      return;
    }
    const pressed = this.#handlers.down(step, job.id);
    // down() may have cancelled everything (a listener calling reboot()): this press ends there too.
    if (this.#current !== job) {
      this.#handlers.cancelled(pressed);
      return;
    }
    this.#held = pressed;
    this.#schedule(step.holdMs, () => {
      const held = this.#held as P;
      this.#held = undefined;
      this.#handlers.up(held);
      if (this.#current !== job) return;
      this.#schedule(step.pauseMs, () => this.#step(job, index + 1));
    });
  }
}
