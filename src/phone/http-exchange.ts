// One GET through an undici dispatcher with a minimal handler: no response stream is created (the
// cheapest way undici offers), the body is kept only when asked, and the promise settles the moment
// the request's AbortFlag fires, even while the connection is still being made.
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { AbortFlag, AbortWatcher } from './abort-flag.js';

/** A final response; `body` only when kept. */
export interface ExchangeResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer | undefined;
  /** The body went beyond the limit: reading stopped and the connection was dropped. */
  readonly bodyTooLarge: boolean;
}

/** What to do with the response body. */
export interface ExchangeBody {
  /** Keep the bytes (else they are read and dropped, to reuse the connection). */
  readonly keep: boolean;
  /** Beyond this many bytes reading stops and the connection is closed. */
  readonly limit: number;
}

class BodyLimitError extends Error {
  constructor() {
    super('response body over the limit');
  }
}

/** The dispatch handler of one exchange (a class: no closures per request on this hot path). */
class ExchangeHandler implements Dispatcher.DispatchHandler, AbortWatcher {
  readonly #flag: AbortFlag;
  readonly #body: ExchangeBody;
  readonly #resolve: (r: ExchangeResponse) => void;
  readonly #reject: (e: Error) => void;
  #controller: Dispatcher.DispatchController | undefined;
  #settled = false;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(flag: AbortFlag, body: ExchangeBody, resolve: (r: ExchangeResponse) => void, reject: (e: Error) => void) {
    this.#flag = flag;
    this.#body = body;
    this.#resolve = resolve;
    this.#reject = reject;
    // One exchange at a time per flag: the handler is the flag's watcher until it settles.
    flag.watch(this);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#flag.aborted || this.#settled) controller.abort(this.#flag.reason ?? new Error('aborted'));
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // 1xx: the final response follows
    this.#status = statusCode;
    this.#headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#size += chunk.length;
    if (this.#size > this.#body.limit) {
      this.#done(true);
      controller.abort(new BodyLimitError());
      return;
    }
    if (this.#body.keep) this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.#done(false);
  }

  onResponseError(_c: Dispatcher.DispatchController, error: Error): void {
    this.#fail(error);
  }

  /** dispatch() threw instead of reporting through the handler. */
  dispatchFailed(error: unknown): void {
    this.#fail(error instanceof Error ? error : new Error(String(error)));
  }

  /** Settles with the flag's reason now; undici is told too (before a connection exists it aborts when it gets one). */
  aborted(): void {
    const reason = this.#flag.reason ?? new Error('aborted');
    this.#fail(reason);
    this.#controller?.abort(reason);
  }

  #done(bodyTooLarge: boolean): void {
    if (this.#settled) return;
    this.#settle();
    const keep = this.#body.keep && !bodyTooLarge;
    this.#resolve({ status: this.#status, headers: this.#headers, body: keep ? Buffer.concat(this.#chunks, this.#size) : undefined, bodyTooLarge });
  }

  #fail(error: Error): void {
    if (this.#settled) return;
    this.#settle();
    this.#reject(error);
  }

  #settle(): void {
    this.#settled = true;
    if (this.#flag.watcher === this) this.#flag.watch(undefined);
  }
}

/**
 * Sends `GET path` with `headers` and resolves with the final (non-1xx) response once its body has
 * been read; rejects with the dispatcher's error, or with the flag's reason as soon as it aborts.
 */
export function exchange(
  dispatcher: Dispatcher,
  path: string,
  headers: Record<string, string>,
  flag: AbortFlag,
  body: ExchangeBody,
): Promise<ExchangeResponse> {
  if (flag.aborted) return Promise.reject(flag.reason ?? new Error('aborted'));
  return new Promise<ExchangeResponse>((resolve, reject) => {
    const handler = new ExchangeHandler(flag, body, resolve, reject);
    try {
      dispatcher.dispatch({ path, method: 'GET', headers }, handler);
    } catch (e) {
      handler.dispatchFailed(e);
    }
  });
}
