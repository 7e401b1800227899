// FreeSWITCH events as mod_event_socket delivers them (Content-Type text/event-plain or
// text/event-json), decoded. The plain form is switch_event_serialize(): one `Name: value` line per
// header with the value URL-encoded by switch_url_encode (an empty value written `_undef_`), then
// either an empty line, or `Content-Length: N`, an empty line and N body bytes. The JSON form is
// switch_event_serialize_json(): one string member per header (an array for a multi-value header),
// plus `Content-Length` and `_body` when the event has a body.
import { err, ok, type Result } from '../util/errors.js';
import { EslProtocolError } from './esl-errors.js';
import type { EslFrame } from './esl-frame.js';
import { EslHeaders, type EslHeader } from './esl-headers.js';

/** A decoded event. */
export interface EslEvent {
  /** `Event-Name` (`CUSTOM`, `BACKGROUND_JOB`, …). */
  readonly name: string;
  /** `Event-Subclass` of a CUSTOM event (`sofia::register`), when the event carries it. */
  readonly subclass: string | undefined;
  /** Every header, values decoded; the serializer's trailing Content-Length is not among them. */
  readonly headers: EslHeaders;
  /** The body, when the event has one. */
  readonly body: string | undefined;
}

const UTF8 = new TextDecoder('utf-8');

/**
 * Reverses switch_url_encode: `%XX` (two hex digits) becomes that byte; everything else, `+`
 * included, stays; the bytes are read as UTF-8 (invalid sequences become U+FFFD). Never throws.
 */
export function freeswitchUrlDecode(value: string): string {
  if (!value.includes('%')) return value;
  const bytes = Buffer.from(value, 'utf8');
  const out = Buffer.alloc(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === 0x25 && i + 2 < bytes.length && isHex(bytes[i + 1]) && isHex(bytes[i + 2])) {
      out[n++] = parseInt(String.fromCharCode(bytes[i + 1] as number, bytes[i + 2] as number), 16);
      i += 2;
    } else {
      out[n++] = b;
    }
  }
  return UTF8.decode(out.subarray(0, n));
}

function isHex(b: number | undefined): boolean {
  return b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));
}

/** Decodes a text/event-plain body (the frame's body bytes). */
export function parsePlainEvent(data: Uint8Array): Result<EslEvent, EslProtocolError> {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.length);
  const end = buf.indexOf('\n\n');
  const headBytes = end === -1 ? buf : buf.subarray(0, end);
  const rest = end === -1 ? undefined : buf.subarray(end + 2);
  const list: EslHeader[] = [];
  for (const line of headBytes.toString('latin1').split('\n')) {
    if (line === '') continue;
    const colon = line.indexOf(': ');
    if (colon <= 0) return err(new EslProtocolError('event header line without "Name: value"'));
    const name = Buffer.from(line.slice(0, colon), 'latin1').toString('utf8');
    const raw = line.slice(colon + 2);
    list.push({ name, value: raw === '_undef_' ? '' : freeswitchUrlDecode(Buffer.from(raw, 'latin1').toString('utf8')) });
  }
  let body: string | undefined;
  const last = list[list.length - 1];
  if (last !== undefined && last.name === 'Content-Length' && rest !== undefined) {
    if (!/^\d+$/.test(last.value)) return err(new EslProtocolError('event Content-Length is not a whole number'));
    const length = Number(last.value);
    if (length > rest.length) return err(new EslProtocolError('event body shorter than its Content-Length'));
    body = UTF8.decode(rest.subarray(0, length));
    list.pop();
  }
  return finish(list, body);
}

/** Decodes a text/event-json body. A multi-value header becomes FreeSWITCH's `ARRAY::a|:b` text. */
export function parseJsonEvent(data: Uint8Array | string): Result<EslEvent, EslProtocolError> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof data === 'string' ? data : UTF8.decode(data));
  } catch {
    return err(new EslProtocolError('event JSON does not parse'));
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return err(new EslProtocolError('event JSON is not an object'));
  }
  const list: EslHeader[] = [];
  let body: string | undefined;
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '_body') {
      if (typeof value !== 'string') return err(new EslProtocolError('event JSON _body is not a string'));
      body = value;
      continue;
    }
    if (typeof value === 'string') list.push({ name, value });
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      list.push({ name, value: `ARRAY::${value.join('|:')}` });
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      list.push({ name, value: String(value) });
    } else {
      return err(new EslProtocolError(`event JSON member ${JSON.stringify(name.slice(0, 64))} is not text`));
    }
  }
  const withoutLength = body === undefined ? list : list.filter((h) => h.name !== 'Content-Length');
  return finish(withoutLength, body);
}

/** Decodes the event a frame carries, by its Content-Type; undefined for frames that are not events. */
export function eventFromFrame(frame: EslFrame): Result<EslEvent, EslProtocolError> | undefined {
  const type = frame.headers.get('Content-Type');
  if (type === 'text/event-plain') return parsePlainEvent(frame.body);
  if (type === 'text/event-json') return parseJsonEvent(frame.body);
  return undefined;
}

function finish(list: EslHeader[], body: string | undefined): Result<EslEvent, EslProtocolError> {
  const headers = new EslHeaders(list);
  const name = headers.get('Event-Name');
  if (name === undefined || name === '') return err(new EslProtocolError('event without Event-Name'));
  const subclass = headers.get('Event-Subclass');
  return ok({ name, subclass: subclass === '' ? undefined : subclass, headers, body });
}
