// Incremental Server-Sent Events parser for a fetch() body (WHATWG HTML "event stream interpretation").

/** One dispatched event: its `event:` type (default `message`), `data:` lines joined by LF, and the last event ID then. */
export interface SseMessage {
  readonly type: string;
  readonly data: string;
  /** The stream's last event ID when the event was dispatched (an `id:` field sets it and it lasts; '' before any). */
  readonly id: string;
}

/** Feed decoded text chunks; complete events come out. Lines may be split anywhere; never throws. */
export class SseParser {
  #pending = '';
  #type = '';
  #data: string[] = [];
  #lastId = '';
  readonly #maxPending: number;

  /** `maxPending`: longest unfinished line kept (a longer one is dropped with its event). */
  constructor(maxPending = 1 << 20) {
    this.#maxPending = maxPending;
  }

  /** The last event ID so far (what a reconnection sends as `Last-Event-ID`). */
  get lastEventId(): string {
    return this.#lastId;
  }

  /** Parses one chunk; returns the events it completed, in order. */
  feed(chunk: string): SseMessage[] {
    const out: SseMessage[] = [];
    const text = this.#pending + chunk;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      // a CR as the last character may be half of a CRLF: keep it for the next chunk
      if (c === 13 && i === text.length - 1) break;
      this.#line(text.slice(start, i), out);
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
    this.#pending = text.slice(start);
    if (this.#pending.length > this.#maxPending) {
      this.#pending = '';
      this.#type = '';
      this.#data = [];
    }
    return out;
  }

  #line(line: string, out: SseMessage[]): void {
    if (line === '') {
      if (this.#data.length > 0) out.push({ type: this.#type === '' ? 'message' : this.#type, data: this.#data.join('\n'), id: this.#lastId });
      this.#type = '';
      this.#data = [];
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ':' comment (heartbeats)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'event') this.#type = value;
    else if (field === 'data') this.#data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.#lastId = value;
  }
}

/** Reconnect delay after `failures` consecutive failures: doubling from `baseMs` up to `maxMs`, with `random` (0..1) jitter of ±20 %. */
export function reconnectDelay(failures: number, random: number, baseMs = 500, maxMs = 30_000): number {
  const n = Math.max(0, Math.min(failures, 30));
  const raw = Math.min(maxMs, baseMs * 2 ** n);
  const jitter = 0.8 + 0.4 * Math.min(1, Math.max(0, random));
  return Math.round(Math.min(maxMs, raw * jitter));
}
