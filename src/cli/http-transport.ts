// The CLI's HTTP/1.1 exchanges over node:http / node:https: built into node (native parser, nothing to
// load from disk), so a one-shot command starts about as fast as node itself (bench/cli-startup.bench.ts).
import type { Agent, AgentOptions, ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { SnomError } from '../util/errors.js';

/** A request of HttpTransport. */
export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  /** Path and query, starting with `/`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Bounds the wait for the response headers and every silence between body chunks after connecting; 0 = none. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** A response whose headers arrived. */
export interface HttpResponse {
  readonly status: number;
  /** The body as UTF-8 text in chunks as they arrive (never split inside a character). Iterate once. */
  chunks(): AsyncIterable<string>;
  /** The whole body as text. */
  text(): Promise<string>;
}

/** The service did not send the response (or the next body chunk) within the request's timeoutMs. */
export class ResponseTimeoutError extends SnomError<'SNOM_ERR_CLI_TIMEOUT'> {
  constructor(timeoutMs: number) {
    super('SNOM_ERR_CLI_TIMEOUT', `no answer within ${timeoutMs} ms`);
    this.name = 'ResponseTimeoutError';
  }
}

/** The TCP (and TLS) connection was not set up within the transport's connectTimeoutMs. */
export class ConnectTimeoutError extends SnomError<'SNOM_ERR_CLI_CONNECT_TIMEOUT'> {
  constructor(timeoutMs: number) {
    super('SNOM_ERR_CLI_CONNECT_TIMEOUT', `no connection within ${timeoutMs} ms`);
    this.name = 'ConnectTimeoutError';
  }
}

/** The default bound on setting up a connection, whatever the request's timeout (event streams have none). */
export const CONNECT_TIMEOUT_MS = 10_000;

/** What node:http and node:https both offer. */
interface HttpModule {
  readonly Agent: new (options: AgentOptions) => Agent;
  request(url: URL, options: RequestOptions): ClientRequest;
}

/**
 * Requests to one origin. node:http (or node:https) is imported on the first request; a keep-alive Agent
 * is shared by the requests of one command (bulk sends many), its idle sockets never keep the process
 * alive, and close() destroys them all.
 */
export class HttpTransport {
  readonly #url: URL;
  readonly #connectTimeoutMs: number;
  #module: Promise<HttpModule> | undefined;
  #agent: Agent | undefined;

  /** `url` is an http: or https: origin (its path is not used). */
  constructor(url: URL, options: { readonly connectTimeoutMs?: number } = {}) {
    this.#url = url;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  }

  /**
   * Sends `request`; resolves once the response headers arrived. The timeout keeps watching the body until
   * it ends, so read it. Rejects (and the body's reads throw) with the socket's error, ResponseTimeoutError,
   * ConnectTimeoutError or the signal's reason.
   */
  async send(request: HttpRequest): Promise<HttpResponse> {
    const http = await (this.#module ??= load(this.#url.protocol));
    request.signal?.throwIfAborted();
    this.#agent ??= new http.Agent({ keepAlive: true, maxSockets: 16 });
    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    const options: RequestOptions = { method: request.method, path: request.path, headers, agent: this.#agent };
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = http.request(this.#url, options);
      const watch = new Watch(req, request.timeoutMs, this.#connectTimeoutMs, this.#url.protocol === 'https:');
      const fail = (e: Error): void => {
        watch.stop();
        reject(e);
      };
      req.on('error', fail);
      req.once('response', (res) => {
        watch.response(res);
        resolve(response(res, watch));
      });
      const signal = request.signal;
      if (signal !== undefined) {
        const abort = (): void => watch.destroy(signal.reason);
        signal.addEventListener('abort', abort, { once: true });
        req.once('close', () => signal.removeEventListener('abort', abort));
      }
      req.end(request.body);
    });
  }

  /** Destroys every connection (idle or in use). */
  close(): void {
    this.#agent?.destroy();
    this.#agent = undefined;
  }
}

async function load(protocol: string): Promise<HttpModule> {
  const { Agent, request } = protocol === 'https:' ? await import('node:https') : await import('node:http');
  return { Agent, request: (url, options) => request(url, options) };
}

function response(res: IncomingMessage, watch: Watch): HttpResponse {
  res.setEncoding('utf8');
  async function* chunks(): AsyncGenerator<string> {
    for await (const chunk of res as AsyncIterable<string>) {
      watch.touch();
      yield chunk;
    }
  }
  return {
    status: res.statusCode ?? 0,
    chunks,
    text: async () => {
      let text = '';
      for await (const chunk of chunks()) text += chunk;
      return text;
    },
  };
}

/** The timers and the teardown of one exchange. */
class Watch {
  readonly #req: ClientRequest;
  readonly #timeoutMs: number;
  #res: IncomingMessage | undefined;
  #timer: NodeJS.Timeout | undefined;
  #done = false;
  #closed = false;

  /** `tls`: the connection is set up once the TLS handshake is done. */
  constructor(req: ClientRequest, timeoutMs: number, connectTimeoutMs: number, tls: boolean) {
    this.#req = req;
    this.#timeoutMs = timeoutMs;
    req.once('socket', (socket) => {
      if (this.#done) return;
      if (!socket.connecting) {
        this.#arm();
        return;
      }
      this.#set(connectTimeoutMs, () => new ConnectTimeoutError(connectTimeoutMs));
      socket.once(tls ? 'secureConnect' : 'connect', () => this.#arm());
    });
    req.once('close', () => {
      if (this.#res === undefined) this.#close();
    });
  }

  /** The headers arrived: watch the body's silences until it ends. */
  response(res: IncomingMessage): void {
    this.#res = res;
    this.#arm();
    res.once('close', () => this.#close());
  }

  /** A body chunk arrived: the silence starts again. */
  touch(): void {
    this.#arm();
  }

  /** Tears the exchange down with `error` (the pending request or the response stream gets it). */
  destroy(error: unknown): void {
    if (this.#closed) return;
    this.stop();
    if (this.#res === undefined) this.#req.destroy(error as Error);
    else {
      this.#res.destroy(error as Error);
      this.#req.destroy();
    }
  }

  stop(): void {
    this.#done = true;
    clearTimeout(this.#timer);
  }

  #close(): void {
    this.#closed = true;
    this.stop();
  }

  #arm(): void {
    if (this.#done) return;
    if (this.#timeoutMs > 0) this.#set(this.#timeoutMs, () => new ResponseTimeoutError(this.#timeoutMs));
    else clearTimeout(this.#timer);
  }

  #set(ms: number, error: () => Error): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.destroy(error()), ms);
  }
}
