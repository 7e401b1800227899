// The Event Socket's outer framing, as mod_event_socket writes it (src/mod/event_handlers/
// mod_event_socket/mod_event_socket.c): a block of `Name: value` lines ended by an empty line, then,
// when a `Content-Length` header is present, exactly that many body bytes. FreeSWITCH writes LF line
// ends and skips stray CR/LF before a block; header values of the outer frame are not URL-encoded
// (`Reply-Text: +OK accepted`). Incremental and pure: bytes in, frames out.
import { err, ok, type Result } from '../util/errors.js';
import { EslProtocolError } from './esl-errors.js';
import { EslHeaders, type EslHeader } from './esl-headers.js';

/** One framed message from FreeSWITCH. */
export interface EslFrame {
  readonly headers: EslHeaders;
  /** The body bytes (empty without Content-Length). */
  readonly body: Buffer;
}

/** Bounds on what a frame may claim; beyond them the stream is refused, never buffered. */
export interface EslFrameLimits {
  /** Largest header block, in bytes. */
  readonly maxHeaderBytes: number;
  /** Largest Content-Length accepted, in bytes. */
  readonly maxBodyBytes: number;
}

/** Defaults of EslFrameLimits: a `show registrations` of many thousand phones still fits. */
export const ESL_FRAME_LIMITS: EslFrameLimits = Object.freeze({ maxHeaderBytes: 64 * 1024, maxBodyBytes: 32 * 1024 * 1024 });

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

/**
 * Splits a byte stream into frames. After the first protocol error every push returns that error
 * (the connection must be dropped: its framing is lost).
 */
export class EslFrameParser {
  readonly #limits: EslFrameLimits;
  #chunks: Buffer[] = [];
  #length = 0;
  #bodyHeaders: EslHeaders | undefined;
  #need = 0;
  #failed: EslProtocolError | undefined;

  constructor(limits: Partial<EslFrameLimits> = {}) {
    this.#limits = { ...ESL_FRAME_LIMITS, ...limits };
  }

  /** Bytes received but not yet part of a whole frame. */
  get bufferedBytes(): number {
    return this.#length;
  }

  /** Adds bytes; returns every frame they complete, or the protocol error. Never throws. */
  push(chunk: Uint8Array): Result<EslFrame[], EslProtocolError> {
    if (this.#failed) return err(this.#failed);
    if (chunk.length > 0) {
      this.#chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.#length += chunk.length;
    }
    const frames: EslFrame[] = [];
    for (;;) {
      if (this.#bodyHeaders) {
        if (this.#length < this.#need) break;
        const body = Buffer.from(this.#take(this.#need));
        frames.push({ headers: this.#bodyHeaders, body });
        this.#bodyHeaders = undefined;
        continue;
      }
      const step = this.#readHeaderBlock();
      if (!step.ok) {
        this.#failed = step.error;
        this.#chunks = [];
        this.#length = 0;
        return err(step.error);
      }
      if (step.value === undefined) break;
      const headers = step.value;
      const length = headers.get('Content-Length');
      if (length === undefined) {
        frames.push({ headers, body: EMPTY });
        continue;
      }
      const need = parseLength(length, this.#limits.maxBodyBytes);
      if (!need.ok) {
        this.#failed = need.error;
        return err(need.error);
      }
      if (need.value === 0) {
        frames.push({ headers, body: EMPTY });
        continue;
      }
      this.#bodyHeaders = headers;
      this.#need = need.value;
    }
    return ok(frames);
  }

  /** Reads one header block if complete: undefined when more bytes are needed. */
  #readHeaderBlock(): Result<EslHeaders | undefined, EslProtocolError> {
    const buf = this.#flatten();
    let start = 0;
    while (start < buf.length && (buf[start] === LF || buf[start] === CR)) start++;
    if (start > 0) this.#take(start);
    const rest = this.#flatten();
    const end = findBlockEnd(rest);
    if (end === undefined) {
      if (rest.length > this.#limits.maxHeaderBytes) {
        return err(new EslProtocolError(`header block longer than ${this.#limits.maxHeaderBytes} bytes`));
      }
      return ok(undefined);
    }
    if (end.headerEnd > this.#limits.maxHeaderBytes) {
      return err(new EslProtocolError(`header block longer than ${this.#limits.maxHeaderBytes} bytes`));
    }
    const text = rest.subarray(0, end.headerEnd).toString('utf8');
    this.#take(end.next);
    return ok(new EslHeaders(parseHeaderLines(text)));
  }

  #flatten(): Buffer {
    if (this.#chunks.length === 0) return EMPTY;
    if (this.#chunks.length > 1) this.#chunks = [Buffer.concat(this.#chunks, this.#length)];
    return this.#chunks[0] as Buffer;
  }

  /** Removes and returns the first `n` buffered bytes (a view; copy to keep). */
  #take(n: number): Buffer {
    const buf = this.#flatten();
    const head = buf.subarray(0, n);
    const tail = buf.subarray(n);
    this.#chunks = tail.length > 0 ? [tail] : [];
    this.#length = tail.length;
    return head;
  }
}

/**
 * Parses `Name: value` lines split at LF (a CR before it is dropped). As mod_event_socket does, the
 * value starts after the first colon and any spaces; a line without a colon is ignored.
 */
export function parseHeaderLines(text: string): EslHeader[] {
  const out: EslHeader[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    let v = colon + 1;
    while (line[v] === ' ') v++;
    out.push({ name: line.slice(0, colon), value: line.slice(v) });
  }
  return out;
}

/** Index just past the headers and of the first byte after the empty line, or undefined. */
function findBlockEnd(buf: Buffer): { headerEnd: number; next: number } | undefined {
  let i = buf.indexOf(LF);
  while (i !== -1) {
    if (buf[i + 1] === LF) return { headerEnd: i, next: i + 2 };
    if (buf[i + 1] === CR && buf[i + 2] === LF) return { headerEnd: i, next: i + 3 };
    i = buf.indexOf(LF, i + 1);
  }
  return undefined;
}

function parseLength(value: string, max: number): Result<number, EslProtocolError> {
  const v = value.trim();
  if (!/^\d{1,12}$/.test(v)) return err(new EslProtocolError('Content-Length is not a whole number'));
  const n = Number(v);
  if (n > max) return err(new EslProtocolError(`Content-Length ${n} exceeds the limit of ${max} bytes`));
  return ok(n);
}
