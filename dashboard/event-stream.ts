// GET /v1/events read with fetch() (EventSource cannot send a bearer header), reconnecting with backoff.
import { reconnectDelay, SseParser } from './sse-parser.js';

/** Where the stream stands, for the connection indicator. */
export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'stopped';

/** Options of EventStream. */
export interface EventStreamOptions {
  readonly url: string;
  readonly headers: () => Record<string, string>;
  /** A parsed event; data is the JSON text's value (events whose data is no JSON are dropped). */
  readonly onEvent: (type: string, data: unknown) => void;
  readonly onState: (state: StreamState, detail?: string) => void;
  /** The stream (re)connected: events may have been missed, reload what is shown. */
  readonly onOpen: () => void;
  /** The API answered 401: resolve once a new token is stored. */
  readonly onUnauthorized: (message: string) => Promise<void>;
  /** Reconnect when nothing (not even a heartbeat) came for this long; default 45 s. */
  readonly idleMs?: number;
}

/** The live event stream: start() once, stop() to end it. */
export class EventStream {
  readonly #o: EventStreamOptions;
  #abort: AbortController | undefined;
  #stopped = false;

  constructor(options: EventStreamOptions) {
    this.#o = options;
  }

  /** Connects and keeps reconnecting until stop(). */
  start(): void {
    void this.#run();
  }

  /** Ends the stream for good. */
  stop(): void {
    this.#stopped = true;
    this.#abort?.abort();
    this.#o.onState('stopped');
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopped) {
      this.#o.onState(failures === 0 ? 'connecting' : 'reconnecting');
      let detail = 'the event stream ended';
      try {
        const status = await this.#once(() => {
          failures = 0;
        });
        if (status === 401) continue;
        if (status !== 200) detail = `the event stream answered HTTP ${status}`;
      } catch (e) {
        detail = e instanceof Error ? e.message : String(e);
      }
      if (this.#stopped) return;
      const wait = reconnectDelay(failures++, Math.random());
      this.#o.onState('reconnecting', `${detail}; retrying in ${Math.ceil(wait / 1000)} s`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** One connection; resolves with its HTTP status when it ends. */
  async #once(connected: () => void): Promise<number> {
    const abort = new AbortController();
    this.#abort = abort;
    const idleMs = this.#o.idleMs ?? 45_000;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const touch = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => abort.abort(), idleMs);
    };
    try {
      touch();
      const res = await fetch(this.#o.url, { headers: { accept: 'text/event-stream', ...this.#o.headers() }, signal: abort.signal, cache: 'no-store' });
      if (res.status === 401) {
        const body = (await res.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
        clearTimeout(idle);
        await this.#o.onUnauthorized(body?.error?.message ?? 'the API needs a token');
        return 401;
      }
      if (res.status !== 200 || res.body === null) return res.status;
      connected();
      this.#o.onState('live');
      this.#o.onOpen();
      const parser = new SseParser();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return 200;
        touch();
        for (const m of parser.feed(value)) {
          let data: unknown;
          try {
            data = JSON.parse(m.data);
          } catch {
            continue;
          }
          this.#o.onEvent(m.type, data);
        }
      }
    } finally {
      clearTimeout(idle);
      abort.abort();
    }
  }
}
