// `/events`: Server-Sent Events telling live views that the phone's state changed.
import type { ServerResponse } from 'node:http';
import type { PhoneState } from '../phone-state.js';
import type { StateChange, StateChangeKind } from '../phone-state-types.js';

/** Defaults of EventStreamHub. */
export const EVENT_STREAM_DEFAULTS = Object.freeze({ heartbeatMs: 15_000, maxClients: 100 });

/**
 * Streams `changed` events to every attached client: changes of one tick are coalesced into one event
 * `event: changed` with data `{"seq":N,"what":[kinds…]}`; a new client first gets `event: hello` with the
 * current seq. A comment line every heartbeatMs keeps proxies from closing idle streams.
 */
export class EventStreamHub {
  readonly #state: PhoneState;
  readonly #clients = new Set<ServerResponse>();
  readonly #pending = new Set<StateChangeKind>();
  readonly #maxClients: number;
  readonly #onChanged: (change: StateChange) => void;
  readonly #heartbeat: ReturnType<typeof setInterval>;
  #lastSeq = 0;
  #flushQueued = false;

  constructor(state: PhoneState, options: { heartbeatMs?: number; maxClients?: number } = {}) {
    this.#state = state;
    this.#lastSeq = state.seq;
    this.#maxClients = options.maxClients ?? EVENT_STREAM_DEFAULTS.maxClients;
    this.#onChanged = (change) => {
      this.#lastSeq = change.seq;
      this.#pending.add(change.what);
      if (this.#flushQueued || this.#clients.size === 0) return;
      this.#flushQueued = true;
      setImmediate(() => this.#flush());
    };
    state.on('changed', this.#onChanged);
    this.#heartbeat = setInterval(() => this.#write(': ping\n\n'), options.heartbeatMs ?? EVENT_STREAM_DEFAULTS.heartbeatMs);
    this.#heartbeat.unref();
  }

  /** Number of attached clients. */
  get clients(): number {
    return this.#clients.size;
  }

  /** Answers a GET /events request with the stream (503 when maxClients are attached). */
  attach(res: ServerResponse): void {
    if (this.#clients.size >= this.#maxClients) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '5' }).end('too many event streams\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: 1000\nevent: hello\ndata: ${JSON.stringify({ seq: this.#lastSeq })}\n\n`);
    this.#clients.add(res);
    const drop = (): void => {
      this.#clients.delete(res);
    };
    // Not req's 'close': that fires once the request has been read, while the stream is still open.
    res.on('close', drop);
    res.on('error', drop);
  }

  #flush(): void {
    this.#flushQueued = false;
    if (this.#pending.size === 0) return;
    const data = JSON.stringify({ seq: this.#lastSeq, what: [...this.#pending] });
    this.#pending.clear();
    this.#write(`event: changed\ndata: ${data}\n\n`);
  }

  #write(text: string): void {
    for (const res of this.#clients) {
      if (!res.writableEnded && !res.destroyed) res.write(text);
    }
  }

  /** Ends every stream and stops listening to the state. */
  close(): void {
    this.#state.off('changed', this.#onChanged);
    clearInterval(this.#heartbeat);
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }
}
