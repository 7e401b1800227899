// Refuses requests cheaply once a source has failed authentication too often (password guessing).

/** Options of AuthFailureLimiter. */
export interface AuthFailureLimiterOptions {
  /** Failed answers allowed per source address and user within `windowMs`; 0 disables the limiter. */
  readonly maxFailures: number;
  readonly windowMs: number;
  /** Entries kept at most (the oldest are forgotten first). */
  readonly maxEntries: number;
  readonly now: () => number;
}

/** Defaults of AuthFailureLimiterOptions (besides `now`). */
export const AUTH_LIMITER_DEFAULTS = Object.freeze({ maxFailures: 20, windowMs: 60_000, maxEntries: 10_000 });

interface Entry {
  failures: number;
  since: number;
}

/**
 * Counts failed Digest answers (a request with credentials that was challenged again) per source address
 * and user. Once a key exceeds `maxFailures` within `windowMs`, `blocked()` holds until the window ends,
 * so the caller can answer 403 without the Digest work (hashes, a new nonce) — a guessing storm then costs
 * little and a phone's own registration is not starved. Keyed by address and user, so other phones behind
 * the same NAT address are not locked out by a neighbour. Memory is bounded by `maxEntries`.
 */
export class AuthFailureLimiter {
  readonly #o: AuthFailureLimiterOptions;
  readonly #entries = new Map<string, Entry>();

  constructor(options: AuthFailureLimiterOptions) {
    this.#o = options;
  }

  /** Keys currently tracked. */
  get size(): number {
    return this.#entries.size;
  }

  /** Whether requests from `address` for `user` are refused now. */
  blocked(address: string, user: string): boolean {
    if (this.#o.maxFailures === 0 || this.#entries.size === 0) return false;
    const e = this.#entries.get(key(address, user));
    if (e === undefined) return false;
    if (this.#o.now() - e.since >= this.#o.windowMs) {
      this.#entries.delete(key(address, user));
      return false;
    }
    return e.failures > this.#o.maxFailures;
  }

  /** Records one failed answer. */
  failed(address: string, user: string): void {
    if (this.#o.maxFailures === 0) return;
    const k = key(address, user);
    const now = this.#o.now();
    const e = this.#entries.get(k);
    if (e !== undefined && now - e.since < this.#o.windowMs) {
      e.failures++;
      return;
    }
    if (e !== undefined) this.#entries.delete(k);
    else if (this.#entries.size >= this.#o.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(k, { failures: 1, since: now });
  }

  /** Forgets the failures of a key (a successful authentication). */
  succeeded(address: string, user: string): void {
    if (this.#entries.size > 0) this.#entries.delete(key(address, user));
  }
}

function key(address: string, user: string): string {
  return `${address}\n${user}`;
}
