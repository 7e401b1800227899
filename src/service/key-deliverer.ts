// Owns the delivery lanes: one per contact, a global limit on sends in flight, batched store marks.
import { getEventListeners } from 'node:events';
import type { Clock } from '../sip/timers.js';
import type { DeliveryRecord, KeyStateTable } from '../store/key-state-table.js';
import type { DeliveryEvent, DocumentOutcome, QueuedKey } from './delivery-types.js';
import { DeliveryLane, markRecords, type DocumentMarks, type LaneHost } from './delivery-lane.js';
import type { Route, RouteContact, SendError } from './route.js';

/** Settings of a KeyDeliverer. */
export interface KeyDelivererOptions {
  readonly keys: Pick<KeyStateTable, 'recordDeliveries'>;
  readonly attemptTimeoutMs: number;
  readonly retryDelaysMs: readonly number[];
  readonly maxDocumentBytes: number;
  /** Sends in flight at most, over all lanes. */
  readonly maxInFlight: number;
  readonly now: () => number;
  readonly emit: (event: DeliveryEvent) => void;
  /** Timers of the retry delays (default: Node's). */
  readonly timers?: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
  /** Called when writing delivery records fails (they are dropped: reconciliation repairs them later). */
  readonly onStoreError: (error: unknown) => void;
}

const NODE_TIMERS: Pick<Clock, 'setTimeout' | 'clearTimeout'> = Object.freeze({
  setTimeout: (callback: () => void, ms: number): unknown => setTimeout(callback, ms),
  clearTimeout: (handle: unknown): void => clearTimeout(handle as NodeJS.Timeout),
});

/** Delivery records wait at most this long (ms) while sends are in flight. */
const MARK_MAX_AGE_MS = 1000;
/** … and at most this many of them. */
const MARK_MAX_PENDING = 100_000;
/** Records written per store transaction (one per macrotask, so a large backlog does not stall the loop). */
const MARK_CHUNK = 512;
/** First wait before writing (ms). */
const MARK_DELAY_MS = 10;
/** Send controllers kept for reuse at most (about the sends in flight). */
const MAX_SPARE_CONTROLLERS = 1024;

/**
 * Routes key versions to per-contact lanes (see DeliveryLane), limits concurrent sends (a burst such as a
 * re-sync of thousands of phones must not overflow the peers' receive buffers), and writes delivery
 * records in the background: while sends are in flight for at most MARK_MAX_AGE_MS (or MARK_MAX_PENDING
 * records), then in store transactions of MARK_CHUNK records, one per macrotask. Records are the service's
 * memory of what a phone has; losing the last second of them in a crash only means those keys are sent
 * again at the next start. flushMarks() writes everything now (status reads and close use it).
 */
export class KeyDeliverer implements LaneHost {
  readonly attemptTimeoutMs: number;
  readonly retryDelaysMs: readonly number[];
  readonly maxDocumentBytes: number;
  readonly timers: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
  readonly #o: KeyDelivererOptions;
  readonly #lanes = new Map<string, DeliveryLane>();
  #free: number;
  readonly #waiting: Array<(ok: boolean) => void> = [];
  /** A bulk producer waiting for the slot queue to shrink (see room()). */
  #roomWaiter: { readonly below: number; readonly resolve: () => void } | undefined;
  /**
   * Delivery records to write, per document: those before #marksHead are written, and the first
   * #markOffset records of the one at #marksHead (the array is dropped once all are).
   */
  #marks: DocumentMarks[] = [];
  #marksHead = 0;
  #markOffset = 0;
  #pendingMarks = 0;
  #markTimer: NodeJS.Timeout | undefined;
  #oldestMark = 0;
  #closing = false;
  /** Controllers of finished sends, never aborted and without listeners: a re-sync makes 10,000s of sends. */
  readonly #spareControllers: AbortController[] = [];

  constructor(options: KeyDelivererOptions) {
    this.#o = options;
    this.attemptTimeoutMs = options.attemptTimeoutMs;
    this.retryDelaysMs = options.retryDelaysMs;
    this.maxDocumentBytes = options.maxDocumentBytes;
    this.timers = options.timers ?? NODE_TIMERS;
    this.#free = options.maxInFlight;
  }

  /** Whether close() was called. */
  get closing(): boolean {
    return this.#closing;
  }

  /** Lanes that have work. */
  get activeLanes(): number {
    return this.#lanes.size;
  }

  now(): number {
    return this.#o.now();
  }

  /**
   * Queues key versions for one contact of a route; each entry's waiters get the outcome of the document
   * that carried it. `user`/`domain` make the From of the MESSAGEs. After close(), entries end `closed`.
   * The lane may keep the `entries` array: do not change it afterwards.
   */
  enqueue(route: Route, contact: RouteContact, user: string, domain: string, entries: readonly QueuedKey[]): void {
    if (entries.length === 0) return;
    if (this.#closing) {
      const closed: DocumentOutcome = {
        contact: contact.uri, destination: contact.destination, error: 'closed', message: 'the service is closing', latencyMs: 0, attempts: 0, superseded: false,
      };
      for (const e of entries) for (const w of [...e.waiters?.splice(0) ?? [], ...e.supersededWaiters?.splice(0) ?? []]) w(closed);
      return;
    }
    let lane = this.#lanes.get(contact.id);
    if (lane === undefined) {
      lane = new DeliveryLane(this, route, contact, user, domain);
      this.#lanes.set(contact.id, lane);
    }
    lane.enqueue(entries);
  }

  /** Ends the queued work of a contact that went away (see DeliveryLane.drop). */
  drop(contactId: string, error: SendError, message: string): void {
    this.#lanes.get(contactId)?.drop(error, message);
  }

  /**
   * Stops: queued and backing-off work ends `closed` (marked pending in the store); documents already out
   * get `graceMs` to finish, then are aborted; the last delivery records are written.
   */
  async close(graceMs: number): Promise<void> {
    this.#closing = true;
    for (const w of this.#waiting.splice(0)) w(false);
    this.#roomWaiter?.resolve();
    this.#roomWaiter = undefined;
    const lanes = [...this.#lanes.values()];
    const done = Promise.all(lanes.map((l) => l.close()));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), graceMs);
    });
    if ((await Promise.race([done, late])) === 'late') {
      for (const l of lanes) l.abort();
      await done;
    }
    clearTimeout(timer);
    this.#lanes.clear();
    this.flushMarks();
  }

  acquire(): Promise<boolean> {
    if (this.#closing) return Promise.resolve(false);
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next(true);
    else this.#free++;
    const room = this.#roomWaiter;
    if (room !== undefined && this.#waiting.length < room.below) {
      this.#roomWaiter = undefined;
      room.resolve();
    }
  }

  /**
   * Resolves once fewer than `below` documents wait for a send slot (at once when already so, or when
   * closing): a bulk producer such as the start-up re-sync reads its next page then, so what it queued is
   * sent before more is made. One producer at a time.
   */
  room(below: number): Promise<void> {
    if (this.#closing || this.#waiting.length < below) return Promise.resolve();
    return new Promise((resolve) => {
      this.#roomWaiter?.resolve();
      this.#roomWaiter = { below, resolve };
    });
  }

  controller(): AbortController {
    return this.#spareControllers.pop() ?? new AbortController();
  }

  recycle(controller: AbortController): void {
    if (controller.signal.aborted || this.#spareControllers.length >= MAX_SPARE_CONTROLLERS) return;
    // a route that left a listener on the signal would hear a later send's abort: not reused then
    if (getEventListeners(controller.signal, 'abort').length > 0) return;
    this.#spareControllers.push(controller);
  }

  mark(marks: DocumentMarks): void {
    if (marks.keys.length === 0) return;
    if (this.#pendingMarks === 0) this.#oldestMark = performance.now();
    this.#marks.push(marks);
    this.#pendingMarks += marks.keys.length;
    this.#markTimer ??= setTimeout(() => this.#backgroundFlush(), MARK_DELAY_MS);
  }

  /** Delivery records not written yet. */
  get pendingMarks(): number {
    return this.#pendingMarks;
  }

  /** Writes every queued delivery record now. */
  flushMarks(): void {
    if (this.#markTimer !== undefined) clearTimeout(this.#markTimer);
    this.#markTimer = undefined;
    while (this.pendingMarks > 0) this.#writeChunk();
  }

  #backgroundFlush(): void {
    this.#markTimer = undefined;
    if (this.pendingMarks === 0) return;
    const busy = this.#free < this.#o.maxInFlight || this.#waiting.length > 0;
    if (busy && this.pendingMarks < MARK_MAX_PENDING && performance.now() - this.#oldestMark < MARK_MAX_AGE_MS) {
      this.#markTimer = setTimeout(() => this.#backgroundFlush(), MARK_DELAY_MS);
      return;
    }
    this.#writeChunk();
    if (this.pendingMarks > 0) this.#markTimer = setTimeout(() => this.#backgroundFlush(), 0);
  }

  #writeChunk(): void {
    const batch: DeliveryRecord[] = [];
    while (batch.length < MARK_CHUNK && this.#marksHead < this.#marks.length) {
      const m = this.#marks[this.#marksHead]!;
      const end = Math.min(m.keys.length, this.#markOffset + MARK_CHUNK - batch.length);
      markRecords(m, this.#markOffset, end, batch);
      if (end === m.keys.length) {
        this.#marksHead++;
        this.#markOffset = 0;
      } else this.#markOffset = end;
    }
    this.#pendingMarks -= batch.length;
    if (this.#marksHead === this.#marks.length) {
      this.#marks = [];
      this.#marksHead = 0;
    } else this.#oldestMark = performance.now();
    try {
      this.#o.keys.recordDeliveries(batch);
    } catch (error) {
      this.#o.onStoreError(error);
    }
  }

  emit(event: DeliveryEvent): void {
    this.#o.emit(event);
  }

  idle(lane: DeliveryLane): void {
    if (lane.idle && this.#lanes.get(lane.contact.id) === lane) this.#lanes.delete(lane.contact.id);
  }
}
