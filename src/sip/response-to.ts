import { checkedField, InvalidHeaderError, SipHeaders, type HeaderField } from './headers.js';
import { cachedField } from './parsed-cache.js';
import { isToken } from './chars.js';
import { createResponse, type SipRequest, type SipResponse } from './message.js';
import { parseNameAddr } from './name-addr.js';
import type { ParsePartial, SipParseError } from './parse-error.js';
import { newTag } from './ids.js';

/** Options of responseTo. */
export interface ResponseToOptions {
  /** The To tag to add when the request's To has none (default: a new random tag). */
  readonly toTag?: string;
  /** Extra headers appended after the copied ones (validated as by SipHeaders.append). */
  readonly headers?: Iterable<readonly [string, string]>;
  /** Copy Record-Route too (a response that establishes a dialog, §12.1.1). */
  readonly copyRecordRoute?: boolean;
  readonly body?: Buffer | string;
}

const COPIED = new Set(['via', 'from', 'call-id', 'cseq']);

/**
 * Builds a response to a request (RFC 3261 §8.2.6.2): copies every Via value in order, From, To, Call-ID
 * and CSeq; adds a To tag when the To has none and the status is above 100; copies Timestamp into a 100
 * (§8.2.6.1). Works from a full request or from a parse error's `partial` (copying what exists). Copied
 * fields are reused as they are: they came from the parser, so they are safe to write.
 */
export function responseTo(
  req: SipRequest | ParsePartial | SipParseError,
  status: number,
  reason: string,
  options?: ResponseToOptions,
): SipResponse {
  const source = 'status' in req ? req.partial?.headers : req.headers;
  const fields: HeaderField[] = [];
  const copyRecordRoute = options?.copyRecordRoute === true;
  if (source !== undefined) {
    for (const f of source) {
      const key = f.key;
      if (COPIED.has(key) || (status === 100 && key === 'timestamp') || (copyRecordRoute && key === 'record-route')) {
        fields.push(f);
      } else if (key === 'to') {
        fields.push(status > 100 ? withTag(source, f, options?.toTag) : f);
      }
    }
  }
  const extra = options?.headers;
  if (extra) for (const [name, value] of extra) fields.push(checkedField(name, String(value)));
  const headers = SipHeaders.adopt(fields, undefined);
  return createResponse({ status, reason, headers, body: options?.body });
}

function withTag(source: SipHeaders, field: HeaderField, toTag: string | undefined): HeaderField {
  // parsed already when the request came from parseMessage
  const to = cachedField(source, field, parseNameAddr);
  // an unparseable To (a 400 for a broken request) is copied unchanged
  if (!to.ok || to.value.params.has('tag')) return field;
  const tag = toTag ?? newTag();
  if (!isToken(tag)) throw new InvalidHeaderError('To tag is not a token');
  return { name: field.name, key: 'to', value: `${field.value};tag=${tag}` };
}
