import { SnomError } from '../util/errors.js';
import type { SipHeaders } from './headers.js';

/** What could be recovered from a message that failed to parse: enough to answer a broken request. */
export interface ParsePartial {
  readonly kind: 'request' | 'response';
  /** The request's method, when the start line began with a valid method token. */
  readonly method?: string;
  /** Every header line that could be split into a name and a value (others are left out). */
  readonly headers: SipHeaders;
}

/**
 * A message or header value that violates the SIP grammar (RFC 3261 §25) or a parse limit.
 * `status` is the response a request deserves (400, 505, 513 …); `reason` is a short fixed text safe to
 * use as a reason phrase: it never contains bytes of the input.
 */
export class SipParseError extends SnomError<'SNOM_ERR_SIP_PARSE'> {
  readonly status: number;
  readonly reason: string;
  /** Set when the start line and header lines could be split (see ParsePartial). */
  declare partial?: ParsePartial;

  constructor(status: number, reason: string, options?: { partial?: ParsePartial; cause?: unknown }) {
    super('SNOM_ERR_SIP_PARSE', `${status} ${reason}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SipParseError';
    this.status = status;
    this.reason = reason;
    if (options?.partial) this.partial = options.partial;
  }
}

/** A 400 SipParseError with this reason (internal shorthand for the grammar parsers). */
export function badRequest(reason: string): SipParseError {
  return new SipParseError(400, reason);
}
