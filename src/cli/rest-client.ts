// The CLI's REST client: one service URL and token, JSON in and out, errors as user-facing messages.
import { SnomError } from '../util/errors.js';
import { HttpTransport, type HttpResponse } from './http-transport.js';
import { SseParser, type SseEvent } from './sse-parser.js';

/** The service URL used when neither `--server` nor `SNOMCTL_URL` is given. */
export const DEFAULT_SERVER_URL = 'http://127.0.0.1:8088';

/** A CLI failure whose message is printed as `snomctl: <message>`; never holds the token. */
export class CliError extends SnomError<'SNOM_ERR_CLI'> {
  /** HTTP status of the service's answer, when there was one. */
  readonly status: number | undefined;

  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super('SNOM_ERR_CLI', message, options);
    this.name = 'CliError';
    this.status = status;
  }
}

/** A CliError caused by the command line itself (a bad argument or option value): exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Options of RestClient. */
export interface RestClientOptions {
  /** `http://host:port` (a path prefix is kept). */
  readonly server: string;
  readonly token?: string;
  /** Per request: headers and body (0 = none, for event streams). */
  readonly timeoutMs?: number;
}

/** The service URL without user info, query or trailing slash, for messages and requests; an error for a bad one. */
export function normalizeServerUrl(text: string): URL | CliError {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return new UsageError(`invalid service URL '${printable(text)}' (expected http://host:port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return new UsageError(`invalid service URL '${printable(text)}' (expected http:// or https://)`);
  }
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'SNOM_ERR_CLI_CONNECT_TIMEOUT']);

/** Talks to the snomctl service (rest-contract.md) over node:http(s), imported on the first request. */
export class RestClient {
  readonly url: URL;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;
  readonly #transport: HttpTransport;

  /** Throws CliError for a bad URL or token. */
  constructor(options: RestClientOptions) {
    const url = normalizeServerUrl(options.server);
    if (url instanceof CliError) throw url;
    if (options.token !== undefined && /[\u0000-\u0020\u007f-\uffff]/.test(options.token)) {
      throw new UsageError('invalid token: it may not contain blanks, control or non-ASCII characters');
    }
    this.url = url;
    this.#token = options.token === '' ? undefined : options.token;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#transport = new HttpTransport(url);
  }

  /** The service URL as shown in messages. */
  get display(): string {
    return this.url.href.replace(/\/$/, '');
  }

  /** Sends a JSON request and returns the parsed JSON answer of a 2xx; throws CliError otherwise. */
  async json(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const res = await this.#send(method, path, body, this.#timeoutMs);
    let text: string;
    try {
      text = await res.text();
    } catch (cause) {
      throw this.#failure(cause, this.#timeoutMs);
    }
    if (res.status < 200 || res.status > 299) throw this.#httpError(res.status, text);
    try {
      return text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch (cause) {
      throw new CliError(`the service at ${this.display} answered ${method} ${path} with something that is not JSON`, res.status, { cause });
    }
  }

  /** Follows a Server-Sent Events stream until it ends or `signal` aborts (then resolves normally). */
  async events(path: string, onEvent: (event: SseEvent) => void, signal: AbortSignal): Promise<void> {
    let res: HttpResponse;
    try {
      res = await this.#send('GET', path, undefined, 0, signal, 'text/event-stream');
    } catch (e) {
      if (signal.aborted) return;
      throw e;
    }
    if (res.status !== 200) {
      let text: string;
      try {
        text = await res.text();
      } catch (cause) {
        if (signal.aborted) return;
        throw this.#failure(cause, 0);
      }
      throw this.#httpError(res.status, text);
    }
    const parser = new SseParser();
    try {
      for await (const chunk of res.chunks()) {
        for (const event of parser.push(chunk)) onEvent(event);
      }
    } catch (cause) {
      if (signal.aborted) return;
      throw new CliError(`the event stream from ${this.display} broke off`, undefined, { cause });
    }
  }

  /** Closes the connections: nothing of this client keeps the process alive afterwards. */
  close(): Promise<void> {
    this.#transport.close();
    return Promise.resolve();
  }

  async #send(method: 'GET' | 'POST', path: string, body: unknown, timeoutMs: number, signal?: AbortSignal, accept = 'application/json'): Promise<HttpResponse> {
    const headers: Record<string, string> = { accept };
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await this.#transport.send({
        method,
        path: `${this.url.pathname.replace(/\/+$/, '')}${path}`,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        timeoutMs,
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (cause) {
      if (signal?.aborted === true) throw cause;
      throw this.#failure(cause, timeoutMs);
    }
  }

  /** The CliError for a request that got no (complete) answer. */
  #failure(cause: unknown, timeoutMs: number): CliError {
    const code = errorCode(cause);
    if (code === 'SNOM_ERR_CLI_TIMEOUT') {
      return new CliError(`the snomctl service at ${this.display} did not answer within ${timeoutMs} ms (see --timeout)`, undefined, { cause });
    }
    if (code !== undefined && CONNECT_ERRORS.has(code)) {
      return new CliError(`cannot reach the snomctl service at ${this.display} (is "snomctl serve" running?)`, undefined, { cause });
    }
    return new CliError(`request to the snomctl service at ${this.display} failed: ${code ?? 'unknown error'}`, undefined, { cause });
  }

  #httpError(status: number, text: string): CliError {
    if (status === 401) {
      return new CliError(this.#token === undefined
        ? 'the service needs a token (401): pass --token or set SNOMCTL_TOKEN'
        : 'the service refused the token (401): check --token or SNOMCTL_TOKEN', status);
    }
    const message = serverMessage(text);
    return new CliError(message === undefined ? `the service answered HTTP ${status}` : `${message} (HTTP ${status})`, status);
  }
}

/** The `error.message` of a contract error body (`{ error: { code, message } }`), one printable line. */
export function serverMessage(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } };
    const message = body.error?.message;
    return typeof message === 'string' && message !== '' ? printable(message) : undefined;
  } catch {
    return undefined;
  }
}

/** `text` with control characters replaced by `?` and cut at 500 characters. */
export function printable(text: string): string {
  const one = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return one.length > 500 ? `${one.slice(0, 500)}…` : one;
}

function errorCode(e: unknown): string | undefined {
  for (let cur = e, depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}
