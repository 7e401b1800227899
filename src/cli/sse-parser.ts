// Incremental Server-Sent Events parser (WHATWG HTML §9.2.6, the fields the service sends).

/** One dispatched event: `event:` (default `message`) and its `data:` lines joined by LF. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
  readonly id?: string;
}

/** Feeds text chunks in, gets complete events out; lines may be split anywhere between chunks. */
export class SseParser {
  #buffer = '';
  #event = '';
  #data: string[] = [];
  #id: string | undefined;
  /** Longest line kept while waiting for its end; longer lines are dropped. */
  readonly #maxLine: number;

  constructor(maxLine = 1_048_576) {
    this.#maxLine = maxLine;
  }

  /** Parses `chunk` and returns the events it completed. Never throws. */
  push(chunk: string): SseEvent[] {
    const out: SseEvent[] = [];
    this.#buffer += chunk;
    let start = 0;
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.#buffer.slice(start));
      if (m === null) break;
      // A CR at the very end may be the first half of CRLF: wait for more.
      if (m[0] === '\r' && start + m.index + 1 === this.#buffer.length) break;
      this.#line(this.#buffer.slice(start, start + m.index), out);
      start += m.index + m[0].length;
    }
    this.#buffer = this.#buffer.slice(start);
    if (this.#buffer.length > this.#maxLine) this.#buffer = '';
    return out;
  }

  #line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.#data.length > 0) {
        out.push({ event: this.#event === '' ? 'message' : this.#event, data: this.#data.join('\n'), ...(this.#id === undefined ? {} : { id: this.#id }) });
      }
      this.#event = '';
      this.#data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.#event = value;
    else if (field === 'data') this.#data.push(value);
    else if (field === 'id' && !value.includes('\u0000')) this.#id = value;
  }
}
