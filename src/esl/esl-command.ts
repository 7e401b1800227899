// Commands to mod_event_socket, serialized as its read_packet() reads them: the command line, then
// `Name: value` lines, an empty line, and `Content-Length` body bytes. Every value is checked first:
// FreeSWITCH splits lines at any CR or LF, so one in a value would smuggle in a second command.
import { err, ok, type Result } from '../util/errors.js';
import { findControlChar } from '../util/text.js';
import { EslCommandError, commandLabel } from './esl-errors.js';
import { asciiLower, type EslHeader } from './esl-headers.js';

/** A command to write: `line` (`api status`, `sendevent CUSTOM`…), optional headers and body. */
export interface EslCommandInput {
  readonly line: string;
  readonly headers?: readonly EslHeader[];
  /** Sent after the headers with a computed `content-length` header (UTF-8 for a string). */
  readonly body?: string | Uint8Array;
}

/** Longest command line accepted (mod_event_socket grows its buffer to 10 MB; ours stays sane). */
export const MAX_COMMAND_LINE = 64 * 1024;

/** Printable ASCII except `:` — what a header name may contain. */
const HEADER_NAME = /^[!-9;-~]+$/;

/**
 * Serializes a command, or explains why it cannot be sent (`SNOM_ERR_ESL_INVALID_COMMAND`, outcome
 * `not-sent`). Refused: an empty line, a line or header value with a control character, a value or
 * line starting with a space (FreeSWITCH strips those), a header name that is not printable ASCII or
 * holds a colon, a caller-given Content-Length, a body with a NUL byte (FreeSWITCH keeps the body
 * as a C string and would cut it there). Messages name the header, never its value.
 */
export function serializeEslCommand(input: EslCommandInput): Result<Buffer, EslCommandError> {
  const line = String(input.line);
  const label = commandLabel(line);
  const invalid = (message: string): { ok: false; error: EslCommandError } =>
    err(new EslCommandError('SNOM_ERR_ESL_INVALID_COMMAND', message, { outcome: 'not-sent', command: label }));

  if (line.trim() === '') return invalid('the command is empty');
  if (line.length > MAX_COMMAND_LINE) return invalid(`the command is longer than ${MAX_COMMAND_LINE} characters`);
  if (line.startsWith(' ')) return invalid('the command starts with a space');
  const lineCtl = findControlChar(line);
  if (lineCtl) return invalid(`the command contains a control character (${lineCtl.name})`);

  let text = `${line}\n`;
  for (const header of input.headers ?? []) {
    const name = String(header.name);
    const value = String(header.value);
    if (!HEADER_NAME.test(name)) return invalid('a header name is empty or holds a colon, a space or a non-ASCII character');
    if (asciiLower(name) === 'content-length') return invalid('Content-Length is computed from the body, not given');
    const ctl = findControlChar(value);
    if (ctl) return invalid(`header ${name} contains a control character (${ctl.name})`);
    if (value.startsWith(' ')) return invalid(`header ${name} starts with a space`);
    text += `${name}: ${value}\n`;
  }
  let body: Buffer | undefined;
  if (input.body !== undefined) {
    body = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : Buffer.from(input.body);
    if (body.includes(0)) return invalid('the body contains a NUL byte');
    if (body.length > 0) text += `content-length: ${body.length}\n`;
  }
  text += '\n';
  const head = Buffer.from(text, 'utf8');
  return ok(body && body.length > 0 ? Buffer.concat([head, body]) : head);
}
