import type { Clock } from '../timers.js';

/**
 * A node of a TimerQueue: a one-shot timer that is restarted from state to state. Long-lived owners
 * (transactions) extend it so that a timer costs no allocation of its own.
 */
export abstract class TimerNode {
  /** @internal */ timerDeadline = 0;
  /** @internal */ timerPrev: TimerNode | null = null;
  /** @internal */ timerNext: TimerNode | null = null;
  /** @internal */ timerList: TimerList | null = null;

  /** Whether the timer is waiting to fire. */
  get timerActive(): boolean {
    return this.timerList !== null;
  }

  /** Called by the queue when the timer expires. */
  abstract onTimer(): void;
}

/** What a Timer calls when it expires. */
export interface TimerTarget {
  onTimer(timer: Timer): void;
}

/** A stand-alone TimerNode that calls its target. */
export class Timer extends TimerNode {
  constructor(readonly target: TimerTarget) {
    super();
  }

  /** Whether the timer is waiting to fire. */
  get active(): boolean {
    return this.timerActive;
  }

  onTimer(): void {
    this.target.onTimer(this);
  }
}

/** @internal Timers that share one delay: deadlines are non-decreasing from head to tail. */
class TimerList {
  head: TimerNode | null = null;
  tail: TimerNode | null = null;
  constructor(readonly delay: number) {}
}

/**
 * Many timers on one underlying clock timer. Timers are kept in one FIFO list per distinct delay (their
 * deadlines grow with insertion order), so start and stop are O(1) and allocation-free, and the clock is
 * re-armed only when the earliest deadline moves forward. Exceptions thrown by targets are passed to
 * `onError` and never stop the queue.
 */
export class TimerQueue {
  readonly #clock: Clock;
  readonly #onError: (error: unknown) => void;
  readonly #lists = new Map<number, TimerList>();
  #armedAt = Infinity;
  #handle: unknown = undefined;
  #size = 0;
  #closed = false;
  readonly #fire = (): void => this.#run();

  constructor(clock: Clock, onError: (error: unknown) => void = () => {}) {
    this.#clock = clock;
    this.#onError = onError;
  }

  /** The clock's current time. */
  now(): number {
    return this.#clock.now();
  }

  /** Number of active timers. */
  get size(): number {
    return this.#size;
  }

  /** (Re)starts a timer to fire after `delayMs` (≥ 0). Ignored after close(). */
  start(timer: TimerNode, delayMs: number): void {
    this.startFrom(timer, delayMs, this.#clock.now());
  }

  /** start() with the clock's time already read by the caller (`now`, from now()): saves a clock read. */
  startFrom(timer: TimerNode, delayMs: number, now: number): void {
    if (this.#closed) return;
    if (timer.timerList !== null) this.#unlink(timer);
    const delay = delayMs > 0 ? delayMs : 0;
    let list = this.#lists.get(delay);
    if (list === undefined) {
      list = new TimerList(delay);
      this.#lists.set(delay, list);
    }
    const deadline = now + delay;
    timer.timerDeadline = deadline;
    timer.timerList = list;
    timer.timerPrev = list.tail;
    timer.timerNext = null;
    if (list.tail === null) list.head = timer;
    else list.tail.timerNext = timer;
    list.tail = timer;
    this.#size++;
    if (deadline < this.#armedAt) this.#arm(deadline);
  }

  /** Stops a timer; a timer that is not active is ignored. */
  stop(timer: TimerNode): void {
    if (timer.timerList !== null) this.#unlink(timer);
  }

  /** Stops every timer and the underlying clock timer; later starts are ignored. */
  close(): void {
    this.#closed = true;
    if (this.#handle !== undefined) this.#clock.clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#armedAt = Infinity;
    for (const list of this.#lists.values()) {
      while (list.head !== null) this.#unlink(list.head);
    }
    this.#lists.clear();
  }

  #unlink(timer: TimerNode): void {
    const list = timer.timerList!;
    if (timer.timerPrev === null) list.head = timer.timerNext;
    else timer.timerPrev.timerNext = timer.timerNext;
    if (timer.timerNext === null) list.tail = timer.timerPrev;
    else timer.timerNext.timerPrev = timer.timerPrev;
    timer.timerPrev = timer.timerNext = timer.timerList = null;
    this.#size--;
    if (list.head === null) this.#lists.delete(list.delay);
  }

  #arm(deadline: number): void {
    if (this.#handle !== undefined) this.#clock.clearTimeout(this.#handle);
    this.#armedAt = deadline;
    const wait = Math.ceil(deadline - this.#clock.now());
    this.#handle = this.#clock.setTimeout(this.#fire, wait > 1 ? wait : 1);
  }

  #run(): void {
    this.#handle = undefined;
    this.#armedAt = Infinity;
    const now = this.#clock.now();
    for (const list of this.#lists.values()) {
      let t = list.head;
      while (t !== null && t.timerDeadline <= now && !this.#closed) {
        this.#unlink(t);
        try {
          t.onTimer();
        } catch (error) {
          this.#onError(error);
        }
        t = list.head;
      }
    }
    if (this.#closed) return;
    let earliest = Infinity;
    for (const list of this.#lists.values()) {
      if (list.head !== null && list.head.timerDeadline < earliest) earliest = list.head.timerDeadline;
    }
    if (earliest < Infinity && earliest < this.#armedAt) this.#arm(earliest);
  }
}
