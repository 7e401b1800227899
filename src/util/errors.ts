/** The project's one error base: a stable literal `code` (`SNOM_ERR_…`) and an optional `cause`. */
export class SnomError<Code extends string = string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SnomError';
    this.code = code;
  }
}

/** A bad option passed to a constructor or factory; thrown at construction, never later. */
export class InvalidOptionError extends SnomError<'SNOM_ERR_INVALID_OPTION'> {
  /** The option's name, dotted for nested options (`timers.t1`). */
  readonly option: string;

  constructor(option: string, message: string) {
    super('SNOM_ERR_INVALID_OPTION', `invalid option ${option}: ${message}`);
    this.name = 'InvalidOptionError';
    this.option = option;
  }
}

/** A value-or-error result for expected outcomes that are not exceptions (DESIGN.md). */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

/** Wraps a success value. */
export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/** Wraps an expected failure. */
export function err<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}
