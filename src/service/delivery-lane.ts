// One contact's delivery queue: documents go out one at a time and in order, newer versions of a key
// replace older queued ones, and retries back off.
import type { Clock } from '../sip/timers.js';
import type { DeliveryRecord, DeliveryStatus } from '../store/key-state-table.js';
import { buildDocuments } from './document-builder.js';
import type { DeliveryCause, DeliveryEvent, DocumentOutcome, KeyVersion, QueuedKey } from './delivery-types.js';
import { isRetryable, type DeliveryBody, type KeyTarget, type Route, type RouteContact, type SendError, type SendOutcome } from './route.js';

/** What a lane needs from the deliverer that owns it. */
export interface LaneHost {
  /** Limit of one send (ms). */
  readonly attemptTimeoutMs: number;
  /** Waits before the 2nd, 3rd, … send of a document; its length + 1 sends at most. */
  readonly retryDelaysMs: readonly number[];
  /** Body size limit of one document (bytes). */
  readonly maxDocumentBytes: number;
  now(): number;
  /** Schedules the retry delays. */
  readonly timers: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
  /** Resolves true with a send slot, or false when the deliverer is closing. */
  acquire(): Promise<boolean>;
  release(): void;
  /** The AbortController of one send (possibly one an earlier send gave back). */
  controller(): AbortController;
  /** Takes back a send's controller once the route's deliver settled; only one never aborted is reused. */
  recycle(controller: AbortController): void;
  /** Records the outcome of a document's keys on this lane's contact (see DocumentMarks). */
  mark(marks: DocumentMarks): void;
  emit(event: DeliveryEvent): void;
  /** The lane has nothing queued or in flight. */
  idle(lane: DeliveryLane): void;
}

/**
 * The delivery records of some keys on one contact, all with one status and time: kept in this form until
 * they are written (markRecords). Only keys and versions are kept, not the queued entries: a re-sync's
 * 100,000s of records must not hold the documents' blocks (and the texts they were cut from) until then.
 */
export interface DocumentMarks {
  /** The contact URI the records are for. */
  readonly contact: string;
  /** The owner of every key (one object when they share it), or each key's owner. */
  readonly owners: KeyTarget | readonly KeyTarget[];
  readonly keys: readonly string[];
  readonly versions: readonly number[];
  readonly status: DeliveryStatus;
  readonly at: number;
  /** Why, for `failed`. */
  readonly reason?: string;
}

/** The DocumentMarks of `entries` (at least one) on `contact`. */
export function documentMarks(contact: string, entries: readonly QueuedKey[], status: DeliveryStatus, at: number, reason?: string): DocumentMarks {
  const n = entries.length;
  const keys = new Array<string>(n);
  const versions = new Array<number>(n);
  const first = entries[0]!.target;
  let shared = true;
  for (let i = 0; i < n; i++) {
    const e = entries[i]!;
    keys[i] = e.state.key;
    versions[i] = e.version;
    if (e.target !== first) shared = false;
  }
  const owners = shared ? first : entries.map((e) => e.target);
  return reason === undefined ? { contact, owners, keys, versions, status, at } : { contact, owners, keys, versions, status, at, reason };
}

/** The delivery records of `marks.keys[from..to)`, in order, appended to `out`; returns `out`. */
export function markRecords(marks: DocumentMarks, from = 0, to = marks.keys.length, out: DeliveryRecord[] = []): DeliveryRecord[] {
  const { contact, status, at, owners, keys, versions } = marks;
  for (let i = from; i < to; i++) {
    const { profile, user, host } = Array.isArray(owners) ? (owners as readonly KeyTarget[])[i]! : owners as KeyTarget;
    const key = keys[i]!;
    const version = versions[i]!;
    out.push(status === 'failed'
      ? { profile, user, host, key, contact, status, version, at, reason: marks.reason ?? '' }
      : { profile, user, host, key, contact, status, version, at });
  }
  return out;
}

interface Current {
  readonly entries: readonly QueuedKey[];
  readonly body: DeliveryBody;
  /** Entries a newer version replaced while this document was out: never marked delivered. */
  readonly superseded: Set<QueuedKey>;
  phase: 'waiting' | 'sending' | 'backoff';
  attempts: number;
  controller: AbortController | undefined;
  abortReason: 'superseded' | 'closed' | undefined;
}

/** The identity of a key on a lane: several profiles may share one contact. */
export function entryKey(e: { readonly target: { readonly profile: string }; readonly state: { readonly key: string } }): string {
  return `${e.target.profile}\u0000${e.state.key}`;
}

/**
 * The delivery lane of one contact. Invariants: at most one document is out (sent, waiting for a slot, or
 * backing off) — so the phone sees key versions in order; a queued key is only ever replaced by a newer
 * version, and the callers waiting for the old one follow the new one (`superseded`); an older version
 * whose newer one is queued is never marked delivered. Every caller is answered exactly once: no path
 * drops an entry without answering or moving its waiters. A document is retried after each delay of
 * `retryDelaysMs` on timeouts, transport errors, 408 and 5xx; any other final response ends it.
 */
export class DeliveryLane {
  readonly route: Route;
  readonly contact: RouteContact;
  readonly #host: LaneHost;
  /** The user and host whose AOR is the From of this lane's MESSAGEs. */
  readonly #user: string;
  readonly #domain: string;
  readonly #queued = new Map<string, QueuedKey>();
  #current: Current | undefined;
  #timer: unknown;
  #closing = false;
  #settled: Array<() => void> = [];
  #target: KeyTarget | undefined;

  constructor(host: LaneHost, route: Route, contact: RouteContact, user: string, domain: string) {
    this.#host = host;
    this.route = route;
    this.contact = contact;
    this.#user = user;
    this.#domain = domain;
  }

  /** Whether nothing is queued or out. */
  get idle(): boolean {
    return this.#current === undefined && this.#queued.size === 0;
  }

  /** Number of key versions queued (not counting the document out). */
  get queued(): number {
    return this.#queued.size;
  }

  /**
   * Queues key versions (see the class invariants) and starts sending when nothing is out. A version older
   * than the newest one on the lane is not queued: its callers follow the newer one (`superseded`); the
   * same version again (a re-sync) joins the queued or not-yet-sent entry, or is queued to go again when
   * its document is already out. After close(), entries end `closed` at once. The lane may keep the
   * array: the caller must not change it afterwards.
   */
  enqueue(entries: readonly QueuedKey[]): void {
    if (this.#closing) {
      const result = this.#failure('closed', 'the service is closing', 0);
      for (const e of entries) resolveAll(e, result);
      return;
    }
    if (this.#current === undefined && this.#queued.size === 0 && entries.length > 0 && distinctKeys(entries)) {
      // an idle lane (a re-sync of a phone): the entries are the queue as they are
      this.#start(entries);
      return;
    }
    const cur = this.#current;
    for (const e of entries) {
      const k = entryKey(e);
      const q = this.#queued.get(k);
      if (q !== undefined && q.version >= e.version) {
        moveWaiters(e, q, q.version > e.version);
        continue;
      }
      const live = cur?.entries.find((c) => !cur.superseded.has(c) && entryKey(c) === k);
      if (q === undefined && live !== undefined && (live.version > e.version || (live.version === e.version && cur!.phase === 'waiting'))) {
        moveWaiters(e, live, live.version > e.version);
        continue;
      }
      if (q !== undefined) moveWaiters(q, e, true);
      if (live !== undefined && live.version < e.version) {
        cur!.superseded.add(live);
        moveWaiters(live, e, true);
      }
      this.#queued.set(k, e);
    }
    if (cur !== undefined) this.#reconsider(cur);
    this.#pump();
  }

  /**
   * Ends everything queued, backing off or waiting for a slot with `error` (no store marks: the contact is
   * gone), and lets a document already sent finish by itself.
   */
  drop(error: SendError, message: string): void {
    const dropped = [...this.#queued.values()];
    this.#queued.clear();
    const cur = this.#current;
    if (cur !== undefined && cur.phase !== 'sending') {
      // backing off, or waiting for a send slot (#send sees it was abandoned)
      this.#clearTimer();
      this.#current = undefined;
      dropped.push(...cur.entries.filter((e) => !cur.superseded.has(e)));
    }
    for (const e of dropped) resolveAll(e, this.#failure(error, message, 0));
    this.#afterCurrent();
  }

  /** Stops taking work: queued and backing-off keys end `closed` (marked pending); resolves when nothing is out. */
  close(): Promise<void> {
    this.#closing = true;
    const pending = [...this.#queued.values()];
    this.#queued.clear();
    const cur = this.#current;
    if (cur !== undefined && cur.phase === 'backoff') {
      this.#clearTimer();
      this.#finishClosed(cur);
    }
    this.#closeEntries(pending);
    if (this.#current === undefined) return Promise.resolve();
    return new Promise((resolve) => this.#settled.push(resolve));
  }

  /** Aborts the document that is out (after close()): it ends `closed`. */
  abort(): void {
    const cur = this.#current;
    if (cur === undefined) return;
    cur.abortReason = 'closed';
    if (cur.phase === 'sending') cur.controller?.abort();
  }

  /** After enqueue: a document whose every key was replaced is abandoned; a backing-off one is merged back. */
  #reconsider(cur: Current): void {
    if (cur.phase === 'backoff') {
      // the new versions go now; the older keys still to send join them
      this.#clearTimer();
      this.#current = undefined;
      for (const e of cur.entries) {
        if (cur.superseded.has(e)) continue;
        const k = entryKey(e);
        const q = this.#queued.get(k);
        // the same version queued again (a re-sync): one entry goes, with both entries' callers
        if (q === undefined || q.version < e.version) {
          if (q !== undefined) moveWaiters(q, e, true);
          this.#queued.set(k, e);
        } else moveWaiters(e, q, q.version > e.version);
      }
      return;
    }
    if (cur.superseded.size < cur.entries.length) return;
    cur.abortReason = 'superseded';
    if (cur.phase === 'sending') cur.controller?.abort();
    else this.#current = undefined; // waiting for a slot: #send sees it was abandoned
  }

  #pump(): void {
    if (this.#current !== undefined || this.#closing) return;
    if (this.#queued.size === 0) {
      this.#host.idle(this);
      return;
    }
    const entries = [...this.#queued.values()];
    this.#queued.clear();
    this.#start(entries);
  }

  /** Sends the first document of `entries` (the queue, in order; nothing out); the others stay queued. */
  #start(entries: readonly QueuedKey[]): void {
    const docs = buildDocuments(entries, this.#host.maxDocumentBytes);
    const first = docs[0]!;
    // documents take the entries in order: the first one carries a prefix of them
    const taken = first.indexes.length;
    const chosen = taken === entries.length ? entries : entries.slice(0, taken);
    for (let i = taken; i < entries.length; i++) this.#queued.set(entryKey(entries[i]!), entries[i]!);
    const cur: Current = { entries: chosen, body: first.body, superseded: new Set(), phase: 'waiting', attempts: 0, controller: undefined, abortReason: undefined };
    this.#current = cur;
    void this.#send(cur);
  }

  async #send(cur: Current): Promise<void> {
    cur.phase = 'waiting';
    const slot = await this.#host.acquire();
    if (this.#current !== cur) {
      if (slot) this.#host.release();
      this.#pump();
      return;
    }
    if (!slot || cur.abortReason === 'closed') {
      if (slot) this.#host.release();
      this.#finishClosed(cur);
      return;
    }
    cur.phase = 'sending';
    cur.attempts++;
    const controller = this.#host.controller();
    cur.controller = controller;
    let outcome: SendOutcome;
    try {
      outcome = await this.route.deliver(this.#targetOf(cur.entries[0]!.target.profile), this.contact, cur.body, { timeoutMs: this.#host.attemptTimeoutMs, signal: controller.signal });
    } catch (error) {
      outcome = { ok: false, error: 'invalid-request', message: error instanceof Error ? error.message : 'send failed', destination: this.contact.destination, latencyMs: 0 };
    } finally {
      this.#host.release();
    }
    cur.controller = undefined;
    this.#host.recycle(controller);
    this.#settle(cur, outcome);
  }

  /** The KeyTarget of this lane's MESSAGEs under `profile` (the last one is kept: a lane seldom serves two profiles). */
  #targetOf(profile: string): KeyTarget {
    const t = this.#target;
    if (t !== undefined && t.profile === profile) return t;
    return (this.#target = { profile, user: this.#user, host: this.#domain });
  }

  #settle(cur: Current, outcome: SendOutcome): void {
    if (this.#current !== cur) return;
    if (cur.abortReason === 'closed' || (this.#closing && !outcome.ok && outcome.error === 'aborted')) {
      this.#finishClosed(cur);
      return;
    }
    const live = cur.superseded.size === 0 ? cur.entries : cur.entries.filter((e) => !cur.superseded.has(e));
    if (cur.abortReason === 'superseded' || live.length === 0) {
      this.#event(cur, 'superseded', outcome);
      this.#current = undefined;
      this.#afterCurrent();
      return;
    }
    const now = this.#host.now();
    if (outcome.ok && outcome.status >= 200 && outcome.status < 300) {
      this.#host.mark(documentMarks(this.contact.uri, live, 'delivered', now));
      const result = this.#result(outcome, cur.attempts);
      for (const e of live) resolveAll(e, result);
      this.#event(cur, 'delivered', outcome);
      this.#current = undefined;
      this.#afterCurrent();
      return;
    }
    const delays = this.#host.retryDelaysMs;
    if (!outcome.ok && outcome.error === 'unregistered') {
      // the contact is gone (its records were deleted): nothing to record
      const result = this.#result(outcome, cur.attempts);
      for (const e of live) resolveAll(e, result);
      this.#event(cur, 'failed', outcome);
      this.#current = undefined;
      this.#afterCurrent();
      return;
    }
    if (isRetryable(outcome) && this.#closing) {
      this.#finishClosed(cur);
      return;
    }
    if (isRetryable(outcome) && cur.attempts <= delays.length) {
      if (cur.attempts === 1) this.#host.mark(documentMarks(this.contact.uri, live, 'pending', now));
      this.#event(cur, 'retrying', outcome);
      cur.phase = 'backoff';
      this.#timer = this.#host.timers.setTimeout(() => {
        this.#timer = undefined;
        if (this.#current !== cur) return;
        if (cur.entries.every((e) => cur.superseded.has(e))) {
          this.#current = undefined;
          this.#afterCurrent();
        } else void this.#send(cur);
      }, delays[cur.attempts - 1] ?? 0);
      return;
    }
    const reason = failureReason(outcome, cur.attempts);
    this.#host.mark(documentMarks(this.contact.uri, live, 'failed', now, reason));
    const result = this.#result(outcome, cur.attempts);
    for (const e of live) resolveAll(e, result);
    this.#event(cur, 'failed', outcome, reason);
    this.#current = undefined;
    this.#afterCurrent();
  }

  /** Marks pending and answers `closed` for a document that could not finish. */
  #finishClosed(cur: Current): void {
    const live = cur.entries.filter((e) => !cur.superseded.has(e));
    this.#current = undefined;
    this.#closeEntries(live);
    this.#host.emit({ ...this.#eventBase(cur), status: 'closed', error: 'closed', latencyMs: 0 });
    this.#afterCurrent();
  }

  #closeEntries(entries: readonly QueuedKey[]): void {
    if (entries.length === 0) return;
    const now = this.#host.now();
    this.#host.mark(documentMarks(this.contact.uri, entries, 'pending', now));
    const result = this.#failure('closed', 'the service closed before the key was delivered', 0);
    for (const e of entries) resolveAll(e, result);
  }

  #afterCurrent(): void {
    if (this.#current !== undefined) return;
    if (this.#closing) {
      for (const resolve of this.#settled.splice(0)) resolve();
      return;
    }
    this.#pump();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#host.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #result(outcome: SendOutcome, attempts: number): DocumentOutcome {
    const contact = this.contact.uri;
    const { destination, latencyMs } = outcome;
    return outcome.ok
      ? { contact, destination, latencyMs, attempts, superseded: false, status: outcome.status, reason: outcome.reason }
      : { contact, destination, latencyMs, attempts, superseded: false, error: outcome.error, message: outcome.message };
  }

  #failure(error: SendError, message: string, attempts: number): DocumentOutcome {
    return { contact: this.contact.uri, destination: this.contact.destination, error, message, latencyMs: 0, attempts, superseded: false };
  }

  #eventBase(cur: Current): Omit<DeliveryEvent, 'status' | 'latencyMs'> {
    return {
      user: this.#user, host: this.#domain, contact: this.contact.uri, destination: this.contact.destination, keys: keyVersions(cur.entries),
      attempt: cur.attempts, cause: cur.entries[0]?.cause ?? 'bind', at: this.#host.now(),
    };
  }

  #event(cur: Current, status: DeliveryEvent['status'], outcome: SendOutcome, reason?: string): void {
    const keys = keyVersions(cur.entries);
    const cause: DeliveryCause = cur.entries[0]?.cause ?? 'bind';
    const at = this.#host.now();
    const user = this.#user;
    const host = this.#domain;
    const contact = this.contact.uri;
    const { destination, latencyMs } = outcome;
    this.#host.emit(outcome.ok
      ? { user, host, contact, destination, keys, attempt: cur.attempts, cause, at, status, latencyMs, sipStatus: outcome.status, reason: reason ?? outcome.reason }
      : { user, host, contact, destination, keys, attempt: cur.attempts, cause, at, status, latencyMs, error: outcome.error, reason: reason ?? outcome.message });
  }
}

/** Whether no two entries are the same key of the same profile (small batches only; false for large ones). */
function distinctKeys(entries: readonly QueuedKey[]): boolean {
  if (entries.length > 32) return false;
  for (let i = 1; i < entries.length; i++) {
    const a = entries[i]!;
    for (let j = 0; j < i; j++) {
      const b = entries[j]!;
      if (a.state.key === b.state.key && a.target.profile === b.target.profile) return false;
    }
  }
  return true;
}

function keyVersions(entries: readonly QueuedKey[]): KeyVersion[] {
  const keys: KeyVersion[] = new Array<KeyVersion>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    keys[i] = { profile: e.target.profile, key: e.state.key, version: e.version };
  }
  return keys;
}

/** Moves the callers waiting on `from` to `to`; with `superseded`, all of them get a superseded outcome. */
function moveWaiters(from: QueuedKey, to: QueuedKey, superseded: boolean): void {
  if (from === to) return;
  if (from.waiters !== undefined && from.waiters.length > 0) {
    (superseded ? (to.supersededWaiters ??= []) : (to.waiters ??= [])).push(...from.waiters.splice(0));
  }
  if (from.supersededWaiters !== undefined && from.supersededWaiters.length > 0) (to.supersededWaiters ??= []).push(...from.supersededWaiters.splice(0));
}

/** Answers every caller waiting on an entry: its own waiters plain, those of replaced versions `superseded`. */
function resolveAll(e: QueuedKey, outcome: DocumentOutcome): void {
  // start-up re-syncs queue 100,000s of entries nobody waits for: no arrays at all for them
  if (e.waiters !== undefined && e.waiters.length > 0) for (const w of e.waiters.splice(0)) w(outcome);
  if (e.supersededWaiters === undefined || e.supersededWaiters.length === 0) return;
  const superseded = { ...outcome, superseded: true };
  for (const w of e.supersededWaiters.splice(0)) w(superseded);
}

/** The stored reason of a failed delivery: `480 Temporarily Unavailable`, `timeout: … (after 4 attempts)`. */
function failureReason(outcome: SendOutcome, attempts: number): string {
  const text = outcome.ok ? `${outcome.status} ${outcome.reason}` : `${outcome.error}: ${outcome.message}`;
  return attempts > 1 ? `${text} (after ${attempts} attempts)` : text;
}
