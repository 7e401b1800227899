// Deadlines of many requests on one timer. A Node timer per request (setTimeout + clearTimeout) costs
// microseconds, a measurable share of a keep-alive command; here adding and removing a deadline is a
// linked-list append and unlink. Entries with the same duration are queued in start order, so each
// duration's list is sorted by deadline: the one timer waits for the earliest head and, when it fires,
// expires the due heads. Most requests share the client's timeout, so there are few lists.

/** An entry: a deadline on the `performance.now()` clock and what to do when it passes. */
export interface DeadlineEntry {
  /** Set by DeadlineQueue.add. */
  deadline: number;
  /** Links of the list the entry is in, managed by DeadlineQueue (initially undefined). */
  deadlinePrev: DeadlineEntry | undefined;
  deadlineNext: DeadlineEntry | undefined;
  deadlineList: DeadlineList | undefined;
  /** Called once, when the deadline has passed while the entry was queued (after its removal). */
  expire(): void;
}

/** Entries of one duration, oldest first (opaque outside DeadlineQueue). */
export class DeadlineList {
  head: DeadlineEntry | undefined = undefined;
  tail: DeadlineEntry | undefined = undefined;

  constructor(readonly durationMs: number) {}
}

/** The longest delay a Node timer takes (2^31 - 1 ms). */
const MAX_DELAY = 2_147_483_647;

/**
 * Calls each entry's expire() once its deadline has passed, unless it was removed before. One timer,
 * referenced (keeping the process alive) only while entries are queued.
 */
export class DeadlineQueue {
  readonly #lists = new Map<number, DeadlineList>();
  #size = 0;
  #timer: NodeJS.Timeout | undefined;
  /** When the timer fires (performance.now() clock); Infinity when unarmed. */
  #armedFor = Infinity;
  #referenced = false;
  readonly #onTimer = (): void => this.#fire();

  /** Entries queued. */
  get size(): number {
    return this.#size;
  }

  /** Queues `entry` to expire `durationMs` after `now`; an entry is in at most one queue at a time. */
  add(entry: DeadlineEntry, durationMs: number, now: number): void {
    let list = this.#lists.get(durationMs);
    if (list === undefined) {
      list = new DeadlineList(durationMs);
      this.#lists.set(durationMs, list);
    }
    const deadline = now + durationMs;
    // `now` may be older than the list's tail (a caller that took it earlier): keep the order anyway.
    entry.deadline = list.tail !== undefined && list.tail.deadline > deadline ? list.tail.deadline : deadline;
    entry.deadlineList = list;
    entry.deadlinePrev = list.tail;
    entry.deadlineNext = undefined;
    if (list.tail === undefined) list.head = entry;
    else list.tail.deadlineNext = entry;
    list.tail = entry;
    if (this.#size++ === 0) this.#ref(true);
    if (entry.deadline < this.#armedFor) this.#arm(entry.deadline, now);
  }

  /** Removes `entry` (its expire() will not be called); nothing when it is not queued. */
  remove(entry: DeadlineEntry): void {
    const list = entry.deadlineList;
    if (list === undefined) return;
    if (entry.deadlinePrev === undefined) list.head = entry.deadlineNext;
    else entry.deadlinePrev.deadlineNext = entry.deadlineNext;
    if (entry.deadlineNext === undefined) list.tail = entry.deadlinePrev;
    else entry.deadlineNext.deadlinePrev = entry.deadlinePrev;
    entry.deadlinePrev = undefined;
    entry.deadlineNext = undefined;
    entry.deadlineList = undefined;
    // The timer stays armed: it finds nothing due then and re-arms for the next head, if any.
    if (--this.#size === 0) this.#ref(false);
  }

  /** The queued entries (a snapshot: removing or expiring them while iterating is safe). */
  entries(): DeadlineEntry[] {
    const all: DeadlineEntry[] = [];
    for (const list of this.#lists.values()) {
      for (let e = list.head; e !== undefined; e = e.deadlineNext) all.push(e);
    }
    return all;
  }

  #arm(deadline: number, now: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedFor = deadline;
    // Node timers may fire up to a millisecond early against performance.now(), and wait at most
    // MAX_DELAY (a longer delay would fire at once): #fire re-arms then.
    this.#timer = setTimeout(this.#onTimer, Math.min(MAX_DELAY, Math.max(1, Math.ceil(deadline - now))));
    if (!this.#referenced) this.#timer.unref();
  }

  #ref(on: boolean): void {
    this.#referenced = on;
    if (this.#timer === undefined) return;
    if (on) this.#timer.ref();
    else this.#timer.unref();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const now = performance.now();
    const due: DeadlineEntry[] = [];
    let next = Infinity;
    for (const [duration, list] of this.#lists) {
      let entry = list.head;
      while (entry !== undefined && entry.deadline <= now) {
        const following: DeadlineEntry | undefined = entry.deadlineNext;
        this.remove(entry);
        due.push(entry);
        entry = following;
      }
      if (entry === undefined) this.#lists.delete(duration);
      else if (entry.deadline < next) next = entry.deadline;
    }
    if (next !== Infinity) this.#arm(next, now);
    // Expired after the bookkeeping: an expire() may add or remove entries.
    for (const entry of due) entry.expire();
  }
}
