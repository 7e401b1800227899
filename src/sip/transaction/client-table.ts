import { newBranch } from '../ids.js';

/** A slot handed out by newBranch and not yet filled by add. */
const RESERVED = Object.freeze({ key: '' });

/**
 * Client transactions by Via branch (RFC 3261 §17.1.3). Branches made by newBranch() end in `.<slot>`
 * (base 36), so inserting and finding this stack's own transactions are array accesses instead of
 * hash-map operations on a table that holds every transaction still in Timer K; any other branch
 * (hand-made in tests) is kept in a Map. Free slots are reused.
 */
export class ClientTable<T extends { readonly key: string }> {
  readonly #slots: Array<T | typeof RESERVED | undefined> = [];
  readonly #free: number[] = [];
  readonly #others = new Map<string, T>();
  #size = 0;

  /** Transactions in the table. */
  get size(): number {
    return this.#size;
  }

  /** A new branch (the magic cookie, 132 random bits, a slot); add() or release() it next. */
  newBranch(): string {
    const slot = this.#free.length > 0 ? this.#free.pop()! : this.#slots.length;
    this.#slots[slot] = RESERVED;
    return `${newBranch()}.${base36(slot)}`;
  }

  /** Gives back a branch from newBranch() that was never added. */
  release(branch: string): void {
    const slot = slotOf(branch);
    if (slot >= 0 && this.#slots[slot] === RESERVED) this.#vacate(slot);
  }

  /** Adds a transaction under its key. */
  add(tx: T): void {
    const slot = slotOf(tx.key);
    if (slot >= 0 && this.#slots[slot] === RESERVED) this.#slots[slot] = tx;
    else this.#others.set(tx.key, tx);
    this.#size++;
  }

  /** The transaction with this branch. */
  get(branch: string): T | undefined {
    const slot = slotOf(branch);
    if (slot >= 0) {
      const tx = this.#slots[slot];
      if (tx !== undefined && tx !== RESERVED && tx.key === branch) return tx as T;
    }
    return this.#others.size === 0 ? undefined : this.#others.get(branch);
  }

  /** Removes this transaction (nothing when another one holds its key). */
  delete(tx: T): void {
    const slot = slotOf(tx.key);
    if (slot >= 0 && this.#slots[slot] === tx) {
      this.#vacate(slot);
      this.#size--;
    } else if (this.#others.get(tx.key) === tx) {
      this.#others.delete(tx.key);
      this.#size--;
    }
  }

  /** A snapshot of every transaction. */
  values(): T[] {
    const out: T[] = [];
    for (const tx of this.#slots) if (tx !== undefined && tx !== RESERVED) out.push(tx as T);
    for (const tx of this.#others.values()) out.push(tx);
    return out;
  }

  #vacate(slot: number): void {
    this.#slots[slot] = undefined;
    this.#free.push(slot);
  }
}

/** `n.toString(36)` for a slot number, without the runtime call that Number#toString makes for radix 36. */
function base36(n: number): string {
  if (n < 36) return DIGITS36[n]!;
  const d = DIGIT_CODES36;
  if (n < 1296) return String.fromCharCode(d[(n / 36) | 0]!, d[n % 36]!);
  if (n < 46656) return String.fromCharCode(d[(n / 1296) | 0]!, d[((n / 36) | 0) % 36]!, d[n % 36]!);
  if (n < 1679616) return String.fromCharCode(d[(n / 46656) | 0]!, d[((n / 1296) | 0) % 36]!, d[((n / 36) | 0) % 36]!, d[n % 36]!);
  return n.toString(36);
}

const DIGITS36 = Array.from({ length: 36 }, (_, i) => i.toString(36));
const DIGIT_CODES36 = DIGITS36.map((d) => d.charCodeAt(0));

/** The slot named after the last `.` of a branch, or -1. */
function slotOf(branch: string): number {
  const dot = branch.lastIndexOf('.');
  if (dot < 0 || dot === branch.length - 1 || branch.length - dot > 8) return -1;
  let n = 0;
  for (let i = dot + 1; i < branch.length; i++) {
    const c = branch.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 122 ? c - 87 : -1;
    if (d < 0) return -1;
    n = n * 36 + d;
  }
  return n;
}
