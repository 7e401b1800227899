/** Size limits applied while parsing; exceeding one gives a SipParseError with status 513. */
export interface ParseLimits {
  /** Header section plus body (Content-Length), in bytes. */
  readonly maxMessageBytes: number;
  /** Header fields (after unfolding). */
  readonly maxHeaders: number;
  /** One start line or unfolded header field, measured in decoded characters (at most its bytes). */
  readonly maxLineBytes: number;
}

/**
 * Defaults: 65535 bytes (the largest UDP payload; RFC 3261 §18.1.1 expects far smaller messages), 256
 * header fields, 16384 bytes per line. Exceeding any of them answers 513 Message Too Large (§21.5.14:
 * "the message length exceeded its capabilities").
 */
export const DEFAULT_PARSE_LIMITS: Readonly<ParseLimits> = Object.freeze({
  maxMessageBytes: 65535,
  maxHeaders: 256,
  maxLineBytes: 16384,
});

/** Merges partial limits over the defaults, ignoring values that are not positive integers. */
export function resolveLimits(limits?: Partial<ParseLimits>): ParseLimits {
  if (!limits) return DEFAULT_PARSE_LIMITS;
  const pick = (v: number | undefined, d: number): number => (Number.isInteger(v) && v! > 0 ? v! : d);
  return {
    maxMessageBytes: pick(limits.maxMessageBytes, DEFAULT_PARSE_LIMITS.maxMessageBytes),
    maxHeaders: pick(limits.maxHeaders, DEFAULT_PARSE_LIMITS.maxHeaders),
    maxLineBytes: pick(limits.maxLineBytes, DEFAULT_PARSE_LIMITS.maxLineBytes),
  };
}
