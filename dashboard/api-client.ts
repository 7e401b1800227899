// Calls the REST API with the bearer token; a 401 asks the user for the token and retries.
import type { ApiErrorBody } from './api-types.js';

const TOKEN_KEY = 'snomctl.token';

/** A failed API call: the HTTP status and the API's error code and message. */
export class ApiCallError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiCallError';
    this.status = status;
    this.code = code;
  }
}

/** Asks for a token (shows the reason); resolves with what the user typed. */
export type TokenPrompt = (reason: string) => Promise<string>;

/** The REST client of the page: same origin, JSON, `Authorization: Bearer` from sessionStorage. */
export class ApiClient {
  readonly #prompt: TokenPrompt;
  #asking: Promise<string> | undefined;

  constructor(prompt: TokenPrompt) {
    this.#prompt = prompt;
  }

  /** The headers every call carries (the token when one was given). */
  headers(): Record<string, string> {
    const token = sessionStorage.getItem(TOKEN_KEY);
    return token === null ? {} : { authorization: `Bearer ${token}` };
  }

  /** Asks for a token once for all callers waiting on a 401, and keeps it for this browser tab. */
  async askToken(reason: string): Promise<void> {
    this.#asking ??= this.#prompt(reason).finally(() => {
      this.#asking = undefined;
    });
    const token = await this.#asking;
    sessionStorage.setItem(TOKEN_KEY, token);
  }

  /** Sends a JSON request; resolves with the JSON answer, rejects with ApiCallError. */
  async json<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    for (;;) {
      const headers: Record<string, string> = { accept: 'application/json', ...this.headers() };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), cache: 'no-store' });
      const answer: unknown = await res.json().catch(() => undefined);
      if (res.status === 401) {
        await this.askToken(errorOf(answer)?.message ?? 'the API needs a token');
        continue;
      }
      if (!res.ok) {
        const e = errorOf(answer);
        throw new ApiCallError(res.status, e?.code ?? 'SNOM_ERR_HTTP', e?.message ?? `HTTP ${res.status}`);
      }
      return answer as T;
    }
  }
}

function errorOf(answer: unknown): ApiErrorBody['error'] | undefined {
  const e = (answer as Partial<ApiErrorBody> | undefined)?.error;
  return typeof e?.message === 'string' && typeof e.code === 'string' ? e : undefined;
}
