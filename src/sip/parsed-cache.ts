import type { Result } from '../util/errors.js';
import type { HeaderField, SipHeaders } from './headers.js';
import type { SipRequest } from './message.js';
import type { SipParseError } from './parse-error.js';
import type { Uri } from './uri.js';

// Parse results live in the SipHeaders object they belong to, keyed by field object. HeaderField objects
// are never mutated (SipHeaders replaces them), so a cached result stays valid while the field is there.
// (A WeakMap per field was measured: its ephemeron bookkeeping tripled the parser's GC time.)

const REQUEST_URI = {};

/** Records the parse result of a header field (the parser does this for the headers it validates). */
export function cacheField(headers: SipHeaders, field: HeaderField, result: Result<unknown, SipParseError>): void {
  headers.cacheParse(field, result);
}

/** The cached parse result of a field, computing it with `parse` on a miss. */
export function cachedField<T>(
  headers: SipHeaders,
  field: HeaderField,
  parse: (value: string) => Result<T, SipParseError>,
): Result<T, SipParseError> {
  let r = headers.cachedParse(field) as Result<T, SipParseError> | undefined;
  if (r === undefined) {
    r = parse(field.value);
    headers.cacheParse(field, r);
  }
  return r;
}

/** Records the parsed Request-URI of a request. */
export function cacheRequestUri(req: SipRequest, result: Result<Uri, SipParseError>): void {
  req.headers.cacheParse(REQUEST_URI, { raw: req.uri, result });
}

/** Appends the Request-URI's cache entry to a cacheParse list for SipHeaders.adopt (the parser's way). */
export function pushRequestUri(parsed: unknown[], raw: string, result: Result<Uri, SipParseError>): void {
  parsed.push(REQUEST_URI, { raw, result });
}

/** The cached parsed Request-URI of a request, computing it with `parse` on a miss or after `uri` changed. */
export function cachedRequestUri(req: SipRequest, parse: (s: string) => Result<Uri, SipParseError>): Result<Uri, SipParseError> {
  const c = req.headers.cachedParse(REQUEST_URI) as { raw: string; result: Result<Uri, SipParseError> } | undefined;
  if (c !== undefined && c.raw === req.uri) return c.result;
  const result = parse(req.uri);
  req.headers.cacheParse(REQUEST_URI, { raw: req.uri, result });
  return result;
}
