// An ordered header list with FreeSWITCH's lookup rule: names compare case-insensitively
// (switch_event_get_header hashes and compares names ignoring ASCII case).

/** One header as it arrived. */
export interface EslHeader {
  readonly name: string;
  readonly value: string;
}

/** Read-only ordered headers; `get` returns the first value whose name matches ignoring ASCII case. */
export class EslHeaders implements Iterable<EslHeader> {
  readonly #list: readonly EslHeader[];
  readonly #index = new Map<string, string>();

  constructor(list: readonly EslHeader[]) {
    this.#list = Object.freeze(list.map((h) => Object.freeze({ name: h.name, value: h.value })));
    for (const h of this.#list) {
      const key = asciiLower(h.name);
      if (!this.#index.has(key)) this.#index.set(key, h.value);
    }
  }

  /** The first value of `name` (any ASCII case), or undefined. */
  get(name: string): string | undefined {
    return this.#index.get(asciiLower(name));
  }

  /** Whether a header of that name (any ASCII case) exists. */
  has(name: string): boolean {
    return this.#index.has(asciiLower(name));
  }

  /** Every value of `name`, in order. */
  getAll(name: string): string[] {
    const key = asciiLower(name);
    return this.#list.filter((h) => asciiLower(h.name) === key).map((h) => h.value);
  }

  /** Number of headers (duplicates counted). */
  get size(): number {
    return this.#list.length;
  }

  /** The headers in arrival order. */
  toArray(): EslHeader[] {
    return [...this.#list];
  }

  /** A prototype-less object of first values by name as written (for logs and JSON). */
  toObject(): Record<string, string> {
    const out = Object.create(null) as Record<string, string>;
    for (const h of this.#list) if (!Object.hasOwn(out, h.name)) out[h.name] = h.value;
    return out;
  }

  [Symbol.iterator](): Iterator<EslHeader> {
    return this.#list[Symbol.iterator]();
  }
}

/** Lower-cases A–Z only, as FreeSWITCH's strcasecmp does (no Unicode folding). */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}
