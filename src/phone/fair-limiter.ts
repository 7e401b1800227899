// A concurrency cap per key (a phone) and overall, with fair queueing: waiters of one key are served
// in arrival order, and keys with waiters take turns (round robin) for free overall slots, so one busy
// phone cannot starve the others.
import { InvalidOptionError } from '../util/errors.js';
import type { AbortFlag } from './abort-flag.js';

/** Options of a FairLimiter. */
export interface FairLimiterOptions {
  /** Slots per key; a positive whole number. */
  readonly perKey: number;
  /** Slots overall; a positive whole number. */
  readonly total: number;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (reason: Error) => void;
  readonly signal: AbortFlag | undefined;
  readonly onAbort: () => void;
}

interface Group {
  active: number;
  readonly waiters: Waiter[];
}

function abortError(signal: AbortFlag | undefined): Error {
  return signal?.reason ?? new Error('aborted');
}

function positive(name: string, value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) throw new InvalidOptionError(name, 'must be a positive whole number');
  return value as number;
}

/**
 * Grants at most `perKey` slots per key and `total` overall. Use `tryAcquire` first (no allocation
 * when a slot is free), else `wait`; every grant is given back with exactly one `release(key)`.
 */
export class FairLimiter {
  readonly perKey: number;
  readonly total: number;
  readonly #groups = new Map<string, Group>();
  /** Keys with waiters and a free per-key slot, in turn order (Map keeps insertion order). */
  readonly #ready = new Map<string, Group>();
  #active = 0;
  #queued = 0;

  constructor(options: FairLimiterOptions) {
    this.perKey = positive('perKey', options.perKey);
    this.total = positive('total', options.total);
  }

  /** Slots in use overall. */
  get active(): number {
    return this.#active;
  }

  /** Waiters overall. */
  get queued(): number {
    return this.#queued;
  }

  /** Keys with slots in use or waiters (bounded by activity: idle keys are forgotten). */
  get keys(): number {
    return this.#groups.size;
  }

  /** Slots in use for a key. */
  activeFor(key: string): number {
    return this.#groups.get(key)?.active ?? 0;
  }

  /** Takes a slot now if one is free and nobody of this key waits; false otherwise. */
  tryAcquire(key: string): boolean {
    if (this.#active >= this.total) return false;
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = { active: 0, waiters: [] };
      this.#groups.set(key, group);
    } else if (group.active >= this.perKey || group.waiters.length > 0) {
      return false;
    }
    group.active++;
    this.#active++;
    return true;
  }

  /** Resolves once a slot is granted; rejects with the flag's reason if it aborts first (no slot is held then). */
  wait(key: string, signal?: AbortFlag): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = { active: 0, waiters: [] };
      this.#groups.set(key, group);
    }
    const g = group;
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => this.#cancel(key, g, waiter),
      };
      signal?.once('abort', waiter.onAbort);
      g.waiters.push(waiter);
      this.#queued++;
      if (g.active < this.perKey && !this.#ready.has(key)) this.#ready.set(key, g);
      this.#dispatch();
    });
  }

  /** Gives back a slot of `key`, then grants free slots to waiters. */
  release(key: string): void {
    const group = this.#groups.get(key);
    if (group === undefined || group.active === 0) return;
    group.active--;
    this.#active--;
    if (group.waiters.length > 0) {
      if (!this.#ready.has(key)) this.#ready.set(key, group);
    } else if (group.active === 0) {
      this.#groups.delete(key);
    }
    this.#dispatch();
  }

  /** Rejects every waiter with `reason` (the owner is closing). */
  rejectAll(reason: Error): void {
    for (const [key, group] of this.#groups) {
      for (const waiter of group.waiters.splice(0)) {
        this.#queued--;
        waiter.signal?.removeListener('abort', waiter.onAbort);
        waiter.reject(reason);
      }
      if (group.active === 0) this.#groups.delete(key);
    }
    this.#ready.clear();
  }

  #dispatch(): void {
    while (this.#active < this.total && this.#ready.size > 0) {
      const [key, group] = this.#ready.entries().next().value as [string, Group];
      this.#ready.delete(key);
      const waiter = group.waiters.shift();
      if (waiter === undefined) continue;
      this.#queued--;
      group.active++;
      this.#active++;
      waiter.signal?.removeListener('abort', waiter.onAbort);
      // Round robin: the key goes to the back of the turn order.
      if (group.waiters.length > 0 && group.active < this.perKey) this.#ready.set(key, group);
      waiter.resolve();
    }
  }

  #cancel(key: string, group: Group, waiter: Waiter): void {
    const i = group.waiters.indexOf(waiter);
    if (i < 0) return;
    group.waiters.splice(i, 1);
    this.#queued--;
    if (group.waiters.length === 0) {
      this.#ready.delete(key);
      if (group.active === 0) this.#groups.delete(key);
    }
    waiter.reject(abortError(waiter.signal));
  }
}
