// GET /v1/events read with fetch() (EventSource cannot send a bearer header), reconnecting with backoff and
// resuming after the last event id seen (Last-Event-ID), so a reconnection loses no event.
import { reconnectDelay, SseParser } from './sse-parser.js';

/** Where the stream stands, for the connection indicator. */
export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'stopped';

/** fetch()'s `cache: 'no-store'` (spread: Node's RequestInit type, used by the unit test, lacks the field). */
const NO_STORE = { cache: 'no-store' } as const;

/** Options of EventStream. */
export interface EventStreamOptions {
  readonly url: string;
  readonly headers: () => Record<string, string>;
  /**
   * A parsed event; data is the JSON text's value (events whose data is no JSON are dropped). `history`:
   * one of the recent events replayed on the first connection (already part of the state loaded then).
   */
  readonly onEvent: (type: string, data: unknown, history: boolean, id: string) => void;
  readonly onState: (state: StreamState, detail?: string) => void;
  /**
   * The stream connected. `fresh`: no event id to resume from (the first connection): load what is shown.
   * Otherwise the events missed while away are replayed (or onReset is called).
   */
  readonly onOpen: (fresh: boolean) => void;
  /** The service could not replay what was missed (it restarted, or too much happened): reload what is shown. */
  readonly onReset: (reason: string) => void;
  /** The API answered 401: resolve once a new token is stored. */
  readonly onUnauthorized: (message: string) => Promise<void>;
  /** Recent events asked for on the first connection (`?replay=N`, the phones' history); default 0. */
  readonly replay?: number;
  /** Reconnect when nothing (not even a heartbeat) came for this long; default 45 s. */
  readonly idleMs?: number;
  /** Delay before reconnecting after `failures` failures; default reconnectDelay with jitter. */
  readonly retryDelay?: (failures: number) => number;
}

/** The live event stream: start() once, stop() to end it. */
export class EventStream {
  readonly #o: EventStreamOptions;
  #abort: AbortController | undefined;
  #stopped = false;
  #lastId = '';

  constructor(options: EventStreamOptions) {
    this.#o = options;
  }

  /** Connects and keeps reconnecting until stop(). */
  start(): void {
    void this.#run();
  }

  /** The id of the last event received ('' before any): sent as Last-Event-ID when reconnecting. */
  get lastEventId(): string {
    return this.#lastId;
  }

  /** Drops the connection (as a network failure would); the stream reconnects and resumes. */
  reconnect(): void {
    this.#abort?.abort();
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
      const wait = this.#o.retryDelay === undefined ? reconnectDelay(failures, Math.random()) : this.#o.retryDelay(failures);
      failures++;
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
      const resumeFrom = this.#lastId;
      const replay = this.#o.replay ?? 0;
      const headers: Record<string, string> = { accept: 'text/event-stream', ...this.#o.headers() };
      let url = this.#o.url;
      if (resumeFrom !== '') headers['last-event-id'] = resumeFrom;
      else if (replay > 0) url += `${url.includes('?') ? '&' : '?'}replay=${replay}`;
      const res = await fetch(url, { headers, signal: abort.signal, ...NO_STORE });
      if (res.status === 401) {
        const body = (await res.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
        clearTimeout(idle);
        await this.#o.onUnauthorized(body?.error?.message ?? 'the API needs a token');
        return 401;
      }
      if (res.status !== 200 || res.body === null) return res.status;
      connected();
      this.#o.onState('live');
      this.#o.onOpen(resumeFrom === '');
      // the first connection's replay is history until `replayed`
      let history = resumeFrom === '' && replay > 0;
      const parser = new SseParser();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return 200;
        touch();
        for (const m of parser.feed(value)) {
          if (m.id !== '') this.#lastId = m.id;
          let data: unknown;
          try {
            data = JSON.parse(m.data);
          } catch {
            continue;
          }
          if (m.type === 'replayed') history = false;
          else if (m.type === 'reset') {
            history = false;
            this.#o.onReset(typeof (data as { reason?: unknown } | null)?.reason === 'string' ? (data as { reason: string }).reason : 'reset');
          } else this.#o.onEvent(m.type, data, history, m.id);
        }
      }
    } finally {
      clearTimeout(idle);
      abort.abort();
    }
  }
}

/** One event of a replay: its SSE type, JSON data and id. */
export interface ReplayedEvent {
  readonly type: string;
  readonly data: unknown;
  readonly id: string;
}

/**
 * Reads a replay request (`/v1/events?…&replay=N`) up to its `replayed` event, then hangs up; resolves with
 * the events before it, oldest first. Rejects on an HTTP error, a `reset`, or after `timeoutMs`.
 */
export async function readReplay(url: string, headers: Record<string, string>, timeoutMs = 10_000): Promise<ReplayedEvent[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal, ...NO_STORE });
    if (res.status !== 200 || res.body === null) throw new Error(`the event history answered HTTP ${res.status}`);
    const parser = new SseParser();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const out: ReplayedEvent[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) throw new Error('the event history ended early');
      for (const m of parser.feed(value)) {
        if (m.type === 'replayed') return out;
        if (m.type === 'reset') throw new Error('the event history was reset');
        try {
          out.push({ type: m.type, data: JSON.parse(m.data) as unknown, id: m.id });
        } catch {
          // not JSON: skipped
        }
      }
    }
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}
