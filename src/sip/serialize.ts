import { SnomError } from '../util/errors.js';
import type { SipMessage } from './message.js';

/** A message whose start line would be malformed on the wire (bad method, URI, status or reason). */
export class InvalidMessageError extends SnomError<'SNOM_ERR_SIP_INVALID_MESSAGE'> {
  constructor(message: string) {
    super('SNOM_ERR_SIP_INVALID_MESSAGE', message);
    this.name = 'InvalidMessageError';
  }
}

const METHOD = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const NO_SPACE_OR_CONTROL = /^[^\s\0-\x1f\x7f]+$/;
const NO_LINE_BREAK = /^[^\r\n\0]*$/;

/**
 * Writes a message as wire bytes (RFC 3261 §7). Content-Length is always written from the body's
 * length, replacing any given value. Throws InvalidMessageError for a start line that would be malformed.
 */
export function serializeMessage(msg: SipMessage): Buffer {
  let head: string;
  if (msg.kind === 'request') {
    if (!METHOD.test(msg.method)) throw new InvalidMessageError(`method ${JSON.stringify(msg.method)} is not a token`);
    if (!NO_SPACE_OR_CONTROL.test(msg.uri)) {
      throw new InvalidMessageError('Request-URI is empty or contains whitespace or control characters');
    }
    head = `${msg.method} ${msg.uri} ${msg.version}\r\n`;
  } else {
    if (!Number.isInteger(msg.status) || msg.status < 100 || msg.status > 699) {
      throw new InvalidMessageError(`status ${msg.status} is not in 100..699`);
    }
    if (!NO_LINE_BREAK.test(msg.reason)) throw new InvalidMessageError('reason phrase contains CR, LF or NUL');
    head = `${msg.version} ${msg.status} ${msg.reason}\r\n`;
  }
  for (const f of msg.headers) {
    if (f.key !== 'content-length') head += `${f.name}: ${f.value}\r\n`;
  }
  head += `Content-Length: ${msg.body.length}\r\n\r\n`;
  if (msg.body.length === 0) return Buffer.from(head, 'utf8');
  const headBytes = Buffer.from(head, 'utf8');
  return Buffer.concat([headBytes, msg.body], headBytes.length + msg.body.length);
}
