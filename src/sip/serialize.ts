import { SnomError } from '../util/errors.js';
import { C_TOKEN, scan } from './chars.js';
import type { SipMessage } from './message.js';

/** A message whose start line would be malformed on the wire (bad method, URI, status or reason). */
export class InvalidMessageError extends SnomError<'SNOM_ERR_SIP_INVALID_MESSAGE'> {
  constructor(message: string) {
    super('SNOM_ERR_SIP_INVALID_MESSAGE', message);
    this.name = 'InvalidMessageError';
  }
}

const NO_SPACE_OR_CONTROL = /^[^\s\0-\x1f\x7f]+$/;

/** Non-empty, no whitespace (JavaScript's `\s`, Unicode spaces included) and no control character. */
function isRequestUriText(uri: string): boolean {
  const n = uri.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = uri.charCodeAt(i);
    if (c <= 32 || c === 127) return false;
    // non-ASCII: the regular expression knows which characters are Unicode spaces
    if (c > 127) return NO_SPACE_OR_CONTROL.test(uri);
  }
  return true;
}

/** No CR, LF or NUL. */
function isReasonText(reason: string): boolean {
  for (let i = 0; i < reason.length; i++) {
    const c = reason.charCodeAt(i);
    if (c === 13 || c === 10 || c === 0) return false;
  }
  return true;
}

interface Utf8Writable {
  utf8Write(text: string, offset: number, length: number): number;
}
// Buffer#utf8Write is what write(text, offset, length, 'utf8') calls after checking its arguments (which
// are known to be right here).
const HAS_UTF8_WRITE = typeof (Buffer.prototype as unknown as Partial<Utf8Writable>).utf8Write === 'function';

/**
 * Writes a message as wire bytes (RFC 3261 §7). Content-Length is always written from the body's
 * length, replacing any given value. Throws InvalidMessageError for a start line that would be malformed.
 */
export function serializeMessage(msg: SipMessage): Buffer {
  let head: string;
  if (msg.kind === 'request') {
    // (String(): what the regular expressions this replaces did with a value that is not a string)
    const method = typeof msg.method === 'string' ? msg.method : String(msg.method);
    if (method.length === 0 || scan(method, 0, method.length, C_TOKEN) !== method.length) {
      throw new InvalidMessageError(`method ${JSON.stringify(msg.method)} is not a token`);
    }
    const uri = typeof msg.uri === 'string' ? msg.uri : String(msg.uri);
    if (!isRequestUriText(uri)) {
      throw new InvalidMessageError('Request-URI is empty or contains whitespace or control characters');
    }
    head = method + ' ' + uri + ' ' + msg.version + '\r\n';
  } else {
    if (!Number.isInteger(msg.status) || msg.status < 100 || msg.status > 699) {
      throw new InvalidMessageError(`status ${msg.status} is not in 100..699`);
    }
    const reason = typeof msg.reason === 'string' ? msg.reason : String(msg.reason);
    if (!isReasonText(reason)) throw new InvalidMessageError('reason phrase contains CR, LF or NUL');
    head = msg.version + ' ' + msg.status + ' ' + reason + '\r\n';
  }
  for (const f of msg.headers) {
    if (f.key !== 'content-length') head += f.name + ': ' + f.value + '\r\n';
  }
  const body = msg.body;
  head += 'Content-Length: ' + body.length + '\r\n\r\n';
  if (body.length === 0) return Buffer.from(head, 'utf8');
  // one buffer for head and body (no intermediate head buffer to copy)
  const headBytes = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headBytes + body.length);
  if (HAS_UTF8_WRITE) (out as unknown as Utf8Writable).utf8Write(head, 0, headBytes);
  else out.write(head, 0, headBytes, 'utf8');
  out.set(body, headBytes);
  return out;
}
