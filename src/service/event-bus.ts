// A typed, synchronous publish/subscribe bus with bounded async iteration (for SSE and tests).

/** One published event: its type name and its payload. */
export type BusEvent<M> = { [K in keyof M & string]: { readonly type: K; readonly data: M[K] } }[keyof M & string];

/** Options of EventBus.stream. */
export interface StreamOptions<K extends string> {
  /** Only these event types; default all. */
  readonly types?: readonly K[];
  /** Events buffered for a slow consumer before the oldest are dropped; default 1000. */
  readonly maxBuffered?: number;
  /** Ends the iteration when aborted. */
  readonly signal?: AbortSignal;
}

/** An async iterator of events that also tells how many it dropped because its consumer was slow. */
export interface EventStream<E> extends AsyncIterableIterator<E> {
  /** Events dropped so far (the buffer was full). */
  readonly dropped: number;
  /** Stops the stream (pending next() calls resolve done). */
  close(): void;
}

type Listener<T> = (data: T) => void;

/**
 * Listeners per event type, called synchronously in subscription order. A listener that throws is
 * reported to `onListenerError` and never affects the publisher or other listeners. `stream()` gives an
 * async iterator over a bounded buffer, so a slow consumer can never grow memory without bound.
 */
export class EventBus<M extends object> {
  readonly #listeners = new Map<keyof M, Set<Listener<never>>>();
  readonly #any = new Set<(event: BusEvent<M>) => void>();
  readonly #onListenerError: (error: unknown) => void;

  constructor(onListenerError: (error: unknown) => void = () => {}) {
    this.#onListenerError = onListenerError;
  }

  /** Subscribes to one event type; returns a function that unsubscribes. */
  on<K extends keyof M & string>(type: K, listener: Listener<M[K]>): () => void {
    let set = this.#listeners.get(type);
    if (set === undefined) this.#listeners.set(type, (set = new Set()));
    set.add(listener);
    return () => this.off(type, listener);
  }

  /** Unsubscribes a listener given to on(). */
  off<K extends keyof M & string>(type: K, listener: Listener<M[K]>): void {
    this.#listeners.get(type)?.delete(listener);
  }

  /** Subscribes to every event type; returns a function that unsubscribes. */
  onAny(listener: (event: BusEvent<M>) => void): () => void {
    this.#any.add(listener);
    return () => this.#any.delete(listener);
  }

  /** Resolves with the next event of `type` (for which `filter` holds); rejects when `signal` aborts. */
  once<K extends keyof M & string>(type: K, filter?: (data: M[K]) => boolean, signal?: AbortSignal): Promise<M[K]> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      const onAbort = (): void => {
        off();
        reject(abortError(signal!));
      };
      const off = this.on(type, (data) => {
        if (filter !== undefined && !filter(data)) return;
        off();
        signal?.removeEventListener('abort', onAbort);
        resolve(data);
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Whether anything listens to `type` (publishers may skip building a payload when not). */
  hasListeners(type: keyof M & string): boolean {
    return this.#any.size > 0 || (this.#listeners.get(type)?.size ?? 0) > 0;
  }

  /** Publishes an event to the type's listeners, then to onAny listeners. */
  emit<K extends keyof M & string>(type: K, data: M[K]): void {
    const set = this.#listeners.get(type);
    if (set !== undefined) {
      for (const l of [...set]) {
        try {
          (l as Listener<M[K]>)(data);
        } catch (error) {
          this.#onListenerError(error);
        }
      }
    }
    if (this.#any.size > 0) {
      const event = { type, data } as unknown as BusEvent<M>;
      for (const l of [...this.#any]) {
        try {
          l(event);
        } catch (error) {
          this.#onListenerError(error);
        }
      }
    }
  }

  /** An async iterator over events published from now on (see StreamOptions). */
  stream<K extends keyof M & string>(options: StreamOptions<K> = {}): EventStream<Extract<BusEvent<M>, { type: K }>> {
    type E = Extract<BusEvent<M>, { type: K }>;
    const max = options.maxBuffered ?? 1000;
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError('maxBuffered must be a positive whole number');
    const types = options.types === undefined ? undefined : new Set<string>(options.types);
    const buffer: E[] = [];
    const waiting: Array<(r: IteratorResult<E>) => void> = [];
    let dropped = 0;
    let done = false;
    const close = (): void => {
      if (done) return;
      done = true;
      unsubscribe();
      options.signal?.removeEventListener('abort', close);
      for (const w of waiting.splice(0)) w({ done: true, value: undefined });
    };
    const unsubscribe = this.onAny((event) => {
      if (types !== undefined && !types.has(event.type)) return;
      const next = waiting.shift();
      if (next !== undefined) next({ done: false, value: event as E });
      else {
        if (buffer.length >= max) {
          buffer.shift();
          dropped++;
        }
        buffer.push(event as E);
      }
    });
    if (options.signal?.aborted) close();
    else options.signal?.addEventListener('abort', close, { once: true });
    const iterator: EventStream<E> = {
      get dropped() {
        return dropped;
      },
      close,
      next: () => {
        const value = buffer.shift();
        if (value !== undefined) return Promise.resolve({ done: false, value });
        if (done) return Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve) => waiting.push(resolve));
      },
      return: () => {
        close();
        return Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
