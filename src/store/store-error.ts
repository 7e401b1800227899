import { SnomError } from '../util/errors.js';

/** Why a store operation failed: bad input, a schema the code does not know, or the database itself. */
export type StoreErrorReason = 'invalid' | 'schema' | 'io';

/** A store failure. Messages name fields, never their values (passwords pass through the store). */
export class StoreError extends SnomError<'SNOM_ERR_STORE'> {
  readonly reason: StoreErrorReason;

  constructor(reason: StoreErrorReason, message: string, options?: { cause?: unknown }) {
    super('SNOM_ERR_STORE', message, options);
    this.name = 'StoreError';
    this.reason = reason;
  }
}

/** Throws a StoreError('invalid') naming `field` unless `ok`. */
export function check(ok: boolean, field: string, problem: string): asserts ok {
  if (!ok) throw new StoreError('invalid', `${field} ${problem}`);
}
