import { SipParseError } from './parse-error.js';
import { resolveLimits, type ParseLimits } from './parse-limits.js';

/**
 * What frameStreamMessage found at the start of a stream buffer. `keepalive` of length 4 is a CRLF
 * ping (RFC 5626 §3.5.1: answer with one CRLF); length 2 is a lone CRLF (a pong, or the CRLF RFC 3261
 * §7.5 allows before a start line): consume it silently. `error` means the stream cannot be framed any
 * more: close the connection.
 */
export type StreamFrame =
  /** `resumeAt`: pass it as `searchFrom` on the next call with the same (grown) buffer. */
  | { readonly kind: 'incomplete'; readonly resumeAt?: number }
  | { readonly kind: 'keepalive'; readonly length: number }
  | { readonly kind: 'message'; readonly length: number }
  | { readonly kind: 'error'; readonly error: SipParseError };

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');
const INCOMPLETE: StreamFrame = Object.freeze({ kind: 'incomplete' });
const CONTENT_LENGTH = Buffer.from('content-length', 'latin1');

function fail(status: number, reason: string): StreamFrame {
  return { kind: 'error', error: new SipParseError(status, reason) };
}

/**
 * Finds the next message in a stream buffer (RFC 3261 §18.3): the end of the header section plus the
 * mandatory Content-Length. Limits are enforced while waiting, so a peer cannot make the buffer grow
 * without bound. Only framing is checked here; parse the framed bytes with parseMessage({ stream: true }).
 * `searchFrom` (optional) is where to start looking for the empty line: pass the `resumeAt` of the previous
 * `incomplete` result for the same buffer, so a peer sending one byte at a time costs linear, not
 * quadratic, time.
 */
export function frameStreamMessage(buf: Buffer, limits?: Partial<ParseLimits>, searchFrom = 0): StreamFrame {
  const len = buf.length;
  if (len === 0) return INCOMPLETE;
  if (buf[0] === 13) {
    if (len < 2) return INCOMPLETE;
    if (buf[1] !== 10) return fail(400, 'Invalid start line');
    if (len === 2 || (len === 3 && buf[2] === 13)) return INCOMPLETE;
    return buf[2] === 13 && buf[3] === 10 ? { kind: 'keepalive', length: 4 } : { kind: 'keepalive', length: 2 };
  }
  const lim = resolveLimits(limits);
  const max = lim.maxMessageBytes;
  const headEnd = buf.indexOf(CRLFCRLF, searchFrom > 0 && searchFrom < len ? searchFrom : 0);
  if (headEnd < 0) {
    if (len > max) return fail(513, 'Message Too Large');
    const firstLine = buf.indexOf(CRLF);
    if (firstLine < 0 ? len > lim.maxLineBytes : firstLine > lim.maxLineBytes) return fail(513, 'Message Too Large');
    // (a CR at the very end may be the first half of the line's CRLF)
    const seen = firstLine < 0 ? (buf[len - 1] === 13 ? len - 1 : len) : firstLine;
    if (!plausibleStart(buf, seen)) return fail(400, 'Invalid start line');
    return { kind: 'incomplete', resumeAt: len > 3 ? len - 3 : 0 };
  }
  if (headEnd + 4 > max) return fail(513, 'Message Too Large');
  const firstLine = buf.indexOf(CRLF);
  if (!plausibleStart(buf, firstLine)) return fail(400, 'Invalid start line');
  let contentLength = -1;
  let i = firstLine + 2;
  const sectionEnd = headEnd + 2;
  while (i < sectionEnd) {
    const lineEnd = buf.indexOf(CRLF, i);
    const colon = contentLengthColon(buf, i, lineEnd);
    if (colon >= 0) {
      const r = readLength(buf, colon + 1, sectionEnd);
      if (r.value < 0) return fail(400, 'Invalid Content-Length header');
      if (contentLength >= 0 && contentLength !== r.value) return fail(400, 'Conflicting Content-Length headers');
      contentLength = r.value;
      i = r.next;
    } else i = lineEnd + 2;
  }
  if (contentLength < 0) return fail(400, 'Missing Content-Length header');
  const total = headEnd + 4 + contentLength;
  if (total > max) return fail(513, 'Message Too Large');
  return len < total ? { kind: 'incomplete', resumeAt: headEnd } : { kind: 'message', length: total };
}

/** A start line begins with a token character (method) and holds no control bytes so far. */
function plausibleStart(buf: Buffer, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = buf[i]!;
    if (c < 32 || c === 127) return false;
  }
  return end === 0 || buf[0]! > 32;
}

/** If the line at `i` is a Content-Length (or `l`) field, the index of its colon; else -1. */
function contentLengthColon(buf: Buffer, i: number, end: number): number {
  let j = i;
  const first = buf[j]! | 32;
  if (first === 108 /* l */) j++;
  else if (first === 99 /* c */) {
    if (end - i < CONTENT_LENGTH.length) return -1;
    for (let k = 0; k < CONTENT_LENGTH.length; k++) if ((buf[i + k]! | 32) !== CONTENT_LENGTH[k]) return -1;
    j += CONTENT_LENGTH.length;
  } else return -1;
  while (j < end && (buf[j] === 32 || buf[j] === 9)) j++;
  return j < end && buf[j] === 58 ? j : -1;
}

/** Reads `LWS 1*DIGIT LWS` up to the end of the (possibly folded) field; value -1 when malformed. */
function readLength(buf: Buffer, i: number, end: number): { value: number; next: number } {
  let value = -1;
  let digitsDone = false;
  while (i < end) {
    const c = buf[i]!;
    if (c === 13) {
      // CRLF followed by SP/HT continues the field
      if (buf[i + 2] === 32 || buf[i + 2] === 9) {
        i += 2;
        continue;
      }
      return { value, next: i + 2 };
    }
    if (c === 32 || c === 9) {
      if (value >= 0) digitsDone = true;
    } else if (c >= 48 && c <= 57 && !digitsDone) {
      value = (value < 0 ? 0 : value * 10) + (c - 48);
      if (value > 2 ** 31 - 1) return { value: -1, next: end };
    } else return { value: -1, next: end };
    i++;
  }
  return { value, next: end };
}
