import type { Result } from '../util/errors.js';
import {
  isCallId, parseContactList, parseCSeq, parseExpires, parseMaxForwards, type ContactEntry, type CSeq,
} from './header-values.js';
import type { HeaderField } from './headers.js';
import type { SipMessage, SipRequest } from './message.js';
import { parseNameAddr, type NameAddr } from './name-addr.js';
import type { SipParseError } from './parse-error.js';
import { cachedField, cachedRequestUri } from './parsed-cache.js';
import { parseUri, type Uri } from './uri.js';
import { parseVia, type Via } from './via.js';

// Typed getters over a message's headers. Each returns the parsed value, or undefined when the header is
// absent or malformed. Results are cached per header field (parseMessage pre-fills the cache for the
// headers it validates), so repeated calls are cheap.

function first(msg: SipMessage, name: string): HeaderField | undefined {
  for (const f of msg.headers) if (f.key === name) return f;
  return undefined;
}

function firstParsed<T>(msg: SipMessage, key: string, parse: (v: string) => Result<T, SipParseError>): T | undefined {
  const f = first(msg, key);
  if (f === undefined) return undefined;
  const r = cachedField(msg.headers, f, parse);
  return r.ok ? r.value : undefined;
}

/** Every Via value in order, across all Via fields (§20.42); [] when absent, undefined if one is malformed. */
export function getVias(msg: SipMessage): readonly Via[] | undefined {
  let out: Via[] | undefined;
  let only: Via[] | undefined;
  for (const f of msg.headers) {
    if (f.key !== 'via') continue;
    const r = cachedField(msg.headers, f, parseVia);
    if (!r.ok) return undefined;
    if (only === undefined && out === undefined) only = r.value;
    else {
      out ??= [...only!];
      out.push(...r.value);
    }
  }
  return out ?? only ?? [];
}

/** The topmost Via value: the one a response is routed by (§18.2.2) and transactions match on (§17.2.3). */
export function getTopVia(msg: SipMessage): Via | undefined {
  const f = first(msg, 'via');
  if (f === undefined) return undefined;
  const r = cachedField(msg.headers, f, parseVia);
  return r.ok ? r.value[0] : undefined;
}

/** The CSeq of the first CSeq field (§20.16). */
export function getCSeq(msg: SipMessage): CSeq | undefined {
  return firstParsed(msg, 'cseq', parseCSeq);
}

/** The Call-ID (§20.8), when present and well-formed. */
export function getCallId(msg: SipMessage): string | undefined {
  const f = first(msg, 'call-id');
  return f !== undefined && isCallId(f.value) ? f.value : undefined;
}

/** The From header (§20.20). */
export function getFrom(msg: SipMessage): NameAddr | undefined {
  return firstParsed(msg, 'from', parseNameAddr);
}

/** The To header (§20.39). */
export function getTo(msg: SipMessage): NameAddr | undefined {
  return firstParsed(msg, 'to', parseNameAddr);
}

/**
 * All Contact values across Contact fields (§20.10): `'*'` when the only Contact is the wildcard, [] when
 * absent, undefined when one is malformed or `*` is mixed with other contacts.
 */
export function getContacts(msg: SipMessage): '*' | readonly ContactEntry[] | undefined {
  const out: ContactEntry[] = [];
  let star = false;
  let count = 0;
  for (const f of msg.headers) {
    if (f.key !== 'contact') continue;
    count++;
    const r = cachedField(msg.headers, f, parseContactList);
    if (!r.ok) return undefined;
    if (r.value === '*') star = true;
    else out.push(...r.value);
  }
  if (star) return count === 1 ? '*' : undefined;
  return out;
}

/** The Expires header as delta-seconds (§20.19); undefined when absent or malformed. */
export function getExpires(msg: SipMessage): number | undefined {
  return firstParsed(msg, 'expires', parseExpires);
}

/** Max-Forwards (§20.22); undefined when absent (RFC 2543 peers) or malformed. */
export function getMaxForwards(msg: SipMessage): number | undefined {
  return firstParsed(msg, 'max-forwards', parseMaxForwards);
}

/** The parsed Request-URI; undefined when it does not parse (cached while `uri` is unchanged). */
export function getRequestUri(req: SipRequest): Uri | undefined {
  const r = cachedRequestUri(req, parseUri);
  return r.ok ? r.value : undefined;
}
