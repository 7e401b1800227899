// Bearer token comparison in constant time (over SHA-256 digests, so lengths do not leak either).
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The configured tokens; check() is constant-time per token. */
export class TokenCheck {
  readonly #digests: readonly Buffer[];

  constructor(tokens: readonly string[]) {
    this.#digests = tokens.map(digest);
  }

  /** Whether tokens are configured at all (none: the API is open, loopback only). */
  get enabled(): boolean {
    return this.#digests.length > 0;
  }

  /** Whether `given` is one of the tokens. */
  check(given: string): boolean {
    const d = digest(given);
    let found = false;
    for (const t of this.#digests) if (timingSafeEqual(t, d)) found = true;
    return found;
  }
}
