// The registration slots of the virtual phone's identities (lines 1..n), filled in by the SIP side.
import { CommandRequestError } from '../snom/command-request.js';
import { defined } from './defined.js';
import type { RegistrationSlot, RegistrationStatus, RegistrationUpdate } from './phone-state-types.js';

/** One slot per identity, all `unregistered` at first and after resetAll(). */
export class RegistrationTable {
  readonly lines: number;
  readonly #now: () => number;
  readonly #slots: RegistrationSlot[] = [];

  constructor(lines: number, now: () => number) {
    this.lines = lines;
    this.#now = now;
    this.resetAll();
  }

  /** Undefined for a line 1..lines; else the error to return. */
  checkLine(line: number): CommandRequestError | undefined {
    return Number.isSafeInteger(line) && line >= 1 && line <= this.lines
      ? undefined
      : new CommandRequestError('line', `must be a whole number from 1 to ${this.lines}`);
  }

  get(line: number): RegistrationSlot | undefined {
    const slot = this.#slots[line - 1];
    return slot && { ...slot };
  }

  /** Merges `update` (undefined properties ignored) into a checked line's slot; returns it and the previous status. */
  update(line: number, update: RegistrationUpdate): { slot: RegistrationSlot; previous: RegistrationStatus } {
    const old = this.#slots[line - 1]!;
    const slot: RegistrationSlot = { ...old, ...defined({ ...update }), line, updatedAt: this.#now() };
    this.#slots[line - 1] = slot;
    return { slot: { ...slot }, previous: old.status };
  }

  resetAll(): void {
    const at = this.#now();
    for (let line = 1; line <= this.lines; line++) this.#slots[line - 1] = { line, status: 'unregistered', updatedAt: at };
  }

  snapshot(): RegistrationSlot[] {
    return this.#slots.map((s) => ({ ...s }));
  }
}
