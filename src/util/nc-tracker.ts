// Replay protection for Digest nonce counts (RFC 7616 §5.5, RFC 2617 §3.2.2): a bounded LRU of nonces
// with the nc values seen for each.

/** Outcome of checking an nc: new, already used, or impossible to know (the nonce's history was dropped). */
export type NcCheck = 'fresh' | 'replayed' | 'unknown';

/**
 * How far below the highest nc a late request may still arrive: requests sent in parallel (or
 * reordered over UDP) reach the server out of order, so each nc is accepted once, not only increasing.
 */
export const NC_WINDOW = 32;

interface Entry {
  readonly issuedAt: number;
  max: number;
  /** Bit k set: nc `max - k` was used. */
  seen: number;
}

/**
 * Tracks used nc values per nonce, at most `maxEntries` nonces (least recently used dropped first).
 * An untracked nonce issued at or before the newest dropped one, or before the tracker was created, is
 * `unknown`: it may have been used, so the caller should re-challenge (stale) rather than
 * accept a possible replay.
 */
export class NcTracker {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #since: number;
  #evictedUpTo = -Infinity;

  /** `since`: untracked nonces issued before it are unknown (the server's start). */
  constructor(maxEntries: number, since: number) {
    this.#maxEntries = maxEntries;
    this.#since = since;
  }

  /** Number of tracked nonces. */
  get size(): number {
    return this.#entries.size;
  }

  /** Whether `nc` may be accepted for a nonce issued at `issuedAt`; changes nothing. */
  check(nonce: string, issuedAt: number, nc: number): NcCheck {
    const e = this.#entries.get(nonce);
    if (!e) return issuedAt < this.#since || issuedAt <= this.#evictedUpTo ? 'unknown' : 'fresh';
    if (nc > e.max) return 'fresh';
    const back = e.max - nc;
    return back < NC_WINDOW && (e.seen & (1 << back)) === 0 ? 'fresh' : 'replayed';
  }

  /** check, then record when `fresh`: one lookup instead of two. */
  use(nonce: string, issuedAt: number, nc: number): NcCheck {
    const e = this.#entries.get(nonce);
    if (!e) {
      if (issuedAt < this.#since || issuedAt <= this.#evictedUpTo) return 'unknown';
    } else if (nc <= e.max) {
      const back = e.max - nc;
      if (back >= NC_WINDOW || (e.seen & (1 << back)) !== 0) return 'replayed';
    }
    this.#record(nonce, issuedAt, nc, e);
    return 'fresh';
  }

  /** Marks `nc` used (call only after check gave `fresh` and the request was authenticated). */
  record(nonce: string, issuedAt: number, nc: number): void {
    this.#record(nonce, issuedAt, nc, this.#entries.get(nonce));
  }

  #record(nonce: string, issuedAt: number, nc: number, e: Entry | undefined): void {
    if (!e) {
      this.#entries.set(nonce, { issuedAt, max: nc, seen: 1 });
      if (this.#entries.size > this.#maxEntries) this.#evictOldest();
      return;
    }
    if (nc > e.max) {
      const shift = nc - e.max;
      e.seen = shift >= NC_WINDOW ? 1 : ((e.seen << shift) | 1) >>> 0;
      e.max = nc;
    } else {
      e.seen = (e.seen | (1 << (e.max - nc))) >>> 0;
    }
    // Re-insert: Map order is the LRU order.
    this.#entries.delete(nonce);
    this.#entries.set(nonce, e);
  }

  #evictOldest(): void {
    const oldest = this.#entries.entries().next();
    if (oldest.done) return;
    const [nonce, entry] = oldest.value;
    this.#entries.delete(nonce);
    if (entry.issuedAt > this.#evictedUpTo) this.#evictedUpTo = entry.issuedAt;
  }
}
