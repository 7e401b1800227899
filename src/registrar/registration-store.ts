// The persistence the registrar needs; src/store implements it (SQLite), tests may use memory.
import type { Binding } from './binding.js';

/**
 * One write: store a binding (insert or replace), or delete one. A binding is identified by
 * (aor, contact, instance, regId): the registrar never holds two live bindings with the same four.
 */
export type BindingChange =
  | { readonly kind: 'put'; readonly binding: Binding }
  | { readonly kind: 'delete'; readonly binding: Binding };

/**
 * Where bindings survive restarts. The registrar awaits applyBindingChanges before it answers 200, so a
 * binding that was acknowledged is never lost by a process crash (as far as the store's own durability goes).
 */
export interface RegistrationStore {
  /** Every binding with `expiresAt > now`. */
  loadBindings(now: number): Iterable<Binding> | Promise<Iterable<Binding>>;
  /** Applies the changes in order, all or none (one transaction); throws or rejects on failure. */
  applyBindingChanges(changes: readonly BindingChange[]): void | Promise<void>;
  /** Deletes every binding with `expiresAt <= now`; returns how many. */
  deleteExpiredBindings(now: number): number | Promise<number>;
}

/** The identity of a binding in a store: the four fields of BindingChange's contract, joined. */
export function bindingKey(b: Pick<Binding, 'aor' | 'contact' | 'instance' | 'regId'>): string {
  return `${b.aor}\n${b.contact}\n${b.instance ?? ''}\n${b.regId ?? ''}`;
}

/** A RegistrationStore in a Map: for tests and for running without persistence. */
export class MemoryRegistrationStore implements RegistrationStore {
  readonly #rows = new Map<string, Binding>();

  /** Number of stored bindings, expired ones included. */
  get size(): number {
    return this.#rows.size;
  }

  loadBindings(now: number): Binding[] {
    return [...this.#rows.values()].filter((b) => b.expiresAt > now);
  }

  applyBindingChanges(changes: readonly BindingChange[]): void {
    for (const c of changes) {
      if (c.kind === 'put') this.#rows.set(bindingKey(c.binding), c.binding);
      else this.#rows.delete(bindingKey(c.binding));
    }
  }

  deleteExpiredBindings(now: number): number {
    let n = 0;
    for (const [k, b] of this.#rows) {
      if (b.expiresAt <= now) {
        this.#rows.delete(k);
        n++;
      }
    }
    return n;
  }
}
