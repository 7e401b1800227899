// An append-only list that keeps only its newest entries.

/** Keeps the newest `max` entries in insertion order; older ones are dropped as new ones come. */
export class BoundedLog<T> {
  readonly max: number;
  #items: T[] = [];

  constructor(max: number) {
    this.max = max;
  }

  push(item: T): void {
    this.#items.push(item);
    // Trim in batches so a full log costs amortised O(1) per push.
    if (this.#items.length > this.max + Math.max(1, this.max >> 3)) this.#items.splice(0, this.#items.length - this.max);
  }

  clear(): void {
    this.#items = [];
  }

  /** The newest `max` entries, oldest first (the live objects: copy before handing them out). */
  items(): readonly T[] {
    const excess = this.#items.length - this.max;
    return excess > 0 ? this.#items.slice(excess) : this.#items;
  }

  /** The entries (newest `max`) that match, oldest first. */
  filter(predicate: (item: T) => boolean): T[] {
    return this.items().filter(predicate);
  }
}
