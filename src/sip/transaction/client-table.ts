import { randomToken } from '../ids.js';
import { BRANCH_COOKIE } from '../via.js';

/** A slot handed out by newBranch and not yet filled by add. */
const RESERVED = Object.freeze({ key: '' });

/** Where the random part of a branch made by newBranch() starts, and its length (base64url characters). */
const RANDOM_AT = BRANCH_COOKIE.length;
const RANDOM_LENGTH = 22;
/** Per slot in #marks: the random part of the branch made for it as three numbers of ≤ 48 bits, and the deadline once retired. */
const MARK = 4;

/**
 * Client transactions by Via branch (RFC 3261 §17.1.3). Branches made by newBranch() end in `.<slot>`
 * (base 36), so inserting and finding this stack's own transactions are array accesses instead of
 * hash-map operations; any other branch (hand-made in tests) is kept in a Map. Free slots are reused.
 *
 * A finished non-INVITE transaction that only waits out Timer K (§17.1.2.2) is kept as a compact
 * Completed record instead (retire): its slot holds the CSeq method and a typed array the branch's random
 * bits (decoded once, when the branch is made) and the deadline, so the thousands of records alive at a
 * high request rate are no heap objects.
 * Records are swept in deadline order (expire); until then a record past its deadline no longer matches.
 */
export class ClientTable<T extends { readonly key: string }> {
  /** A transaction, RESERVED, a retired record (its CSeq method), or free. */
  readonly #slots: Array<T | typeof RESERVED | string | undefined> = [];
  readonly #free: number[] = [];
  readonly #others = new Map<string, T>();
  /** Per slot: the branch newBranch() made for it, until add() or release(). */
  readonly #issued: Array<string | undefined> = [];
  /** Per slot: 1 while it holds the transaction of the branch newBranch() made for it (it can be retired). */
  #own = new Uint8Array(64);
  #marks = new Float64Array(64 * MARK);
  /** Retired slots in retirement order (= deadline order, the delay being fixed): a ring. */
  #ring = new Int32Array(64);
  #ringHead = 0;
  #ringSize = 0;
  #size = 0;

  /** Transactions in the table, retired ones included. */
  get size(): number {
    return this.#size;
  }

  /** A new branch (the magic cookie, 132 random bits, a slot); add() or release() it next. */
  newBranch(): string {
    const slot = this.#free.length > 0 ? this.#free.pop()! : this.#slots.length;
    this.#slots[slot] = RESERVED;
    if ((slot + 1) * MARK > this.#marks.length) this.#growMarks(slot);
    // the random part is decoded here, from the pool's flat text: retire() then never reads the branch
    const random = randomToken(RANDOM_LENGTH);
    const m = this.#marks;
    const at = slot * MARK;
    m[at] = randomBits(random, 0, 8);
    m[at + 1] = randomBits(random, 8, 8);
    m[at + 2] = randomBits(random, 16, RANDOM_LENGTH - 16);
    const branch = `${BRANCH_COOKIE}${random}.${base36(slot)}`;
    this.#issued[slot] = branch;
    return branch;
  }

  /** Gives back a branch from newBranch() that was never added. */
  release(branch: string): void {
    const slot = slotOf(branch);
    if (slot >= 0 && this.#slots[slot] === RESERVED) {
      this.#issued[slot] = undefined;
      this.#vacate(slot);
    }
  }

  /** Adds a transaction under its key. */
  add(tx: T): void {
    const slot = slotOf(tx.key);
    if (slot >= 0 && this.#slots[slot] === RESERVED) {
      this.#slots[slot] = tx;
      this.#own[slot] = this.#issued[slot] === tx.key ? 1 : 0;
      this.#issued[slot] = undefined;
    } else this.#others.set(tx.key, tx);
    this.#size++;
  }

  /** The transaction with this branch (retired ones are not transactions any more: see isRetired). */
  get(branch: string): T | undefined {
    const slot = slotOf(branch);
    if (slot >= 0) {
      const tx = this.#slots[slot];
      if (typeof tx === 'object' && tx !== RESERVED && tx.key === branch) return tx as T;
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

  /**
   * Replaces a transaction by a retired record matching its branch and `method` until `deadline` (which
   * must not be earlier than that of any record retired before). False, with nothing changed, when the
   * transaction does not hold the slot of the branch newBranch() made for it: it then keeps its own timer.
   */
  retire(tx: T, method: string, deadline: number): boolean {
    const slot = slotOf(tx.key);
    if (slot < 0 || this.#slots[slot] !== tx || this.#own[slot] !== 1) return false;
    this.#marks[slot * MARK + 3] = deadline;
    this.#slots[slot] = method;
    if (this.#ringSize === this.#ring.length) this.#growRing();
    this.#ring[(this.#ringHead + this.#ringSize++) % this.#ring.length] = slot;
    return true;
  }

  /** Whether a retired record before its deadline (at `now`) matches this branch and CSeq method. */
  isRetired(branch: string, method: string, now: number): boolean {
    const slot = slotOf(branch);
    if (slot < 0 || this.#slots[slot] !== method || !ownBranch(branch, slot)) return false;
    const m = this.#marks;
    const at = slot * MARK;
    return now < m[at + 3]! && randomBits(branch, RANDOM_AT, 8) === m[at] && randomBits(branch, RANDOM_AT + 8, 8) === m[at + 1] &&
      randomBits(branch, RANDOM_AT + 16, RANDOM_LENGTH - 16) === m[at + 2];
  }

  /** Drops the retired records whose deadline is ≤ `now`; returns the earliest deadline left (or Infinity). */
  expire(now: number): number {
    const ring = this.#ring;
    const m = this.#marks;
    while (this.#ringSize > 0) {
      const slot = ring[this.#ringHead]!;
      const deadline = m[slot * MARK + 3]!;
      if (deadline > now) return deadline;
      this.#ringHead = (this.#ringHead + 1) % ring.length;
      this.#ringSize--;
      this.#vacate(slot);
      this.#size--;
    }
    return Infinity;
  }

  /** Drops every retired record at once. */
  clearRetired(): void {
    this.expire(Infinity);
  }

  /** A snapshot of every transaction (retired records are not included). */
  values(): T[] {
    const out: T[] = [];
    for (const tx of this.#slots) if (typeof tx === 'object' && tx !== RESERVED) out.push(tx as T);
    for (const tx of this.#others.values()) out.push(tx);
    return out;
  }

  #vacate(slot: number): void {
    this.#slots[slot] = undefined;
    this.#own[slot] = 0;
    this.#free.push(slot);
  }

  #growMarks(slot: number): void {
    let n = this.#marks.length;
    while (n < (slot + 1) * MARK) n *= 2;
    const marks = new Float64Array(n);
    marks.set(this.#marks);
    this.#marks = marks;
    const own = new Uint8Array(n / MARK);
    own.set(this.#own);
    this.#own = own;
  }

  #growRing(): void {
    const old = this.#ring;
    const ring = new Int32Array(old.length * 2);
    for (let i = 0; i < this.#ringSize; i++) ring[i] = old[(this.#ringHead + i) % old.length]!;
    this.#ring = ring;
    this.#ringHead = 0;
  }
}

/** Whether a branch has the shape newBranch() gives for this slot (cookie, random part, `.` + slot). */
function ownBranch(branch: string, slot: number): boolean {
  return branch.length === RANDOM_AT + RANDOM_LENGTH + 1 + base36Length(slot) && branch.startsWith(BRANCH_COOKIE) &&
    branch.charCodeAt(RANDOM_AT + RANDOM_LENGTH) === 46;
}

function base36Length(n: number): number {
  let len = 1;
  while (n >= 36) {
    n = Math.floor(n / 36);
    len++;
  }
  return len;
}

/** The `length` base64url characters of `text` at `at` as one number (6 bits each), or -1. */
function randomBits(text: string, at: number, length: number): number {
  let n = 0;
  for (let i = at; i < at + length; i++) {
    const c = text.charCodeAt(i);
    const d = c < 128 ? BASE64URL[c]! : -1;
    if (d < 0) return -1;
    n = n * 64 + d;
  }
  return n;
}

const BASE64URL = (() => {
  const t = new Int8Array(128).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (let i = 0; i < 64; i++) t[alphabet.charCodeAt(i)] = i;
  return t;
})();

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

/** The slot named after the last `.` of a branch (at most 7 characters after it), or -1. */
function slotOf(branch: string): number {
  // a `.` more than 8 characters from the end names no slot: only the tail is searched (no lastIndexOf call)
  const len = branch.length;
  const stop = len > 8 ? len - 8 : 0;
  let dot = len - 1;
  while (dot >= stop && branch.charCodeAt(dot) !== 46) dot--;
  if (dot < stop || dot === len - 1) return -1;
  let n = 0;
  for (let i = dot + 1; i < branch.length; i++) {
    const c = branch.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 122 ? c - 87 : -1;
    if (d < 0) return -1;
    n = n * 36 + d;
  }
  return n;
}
