// Fires the virtual phone's Action URLs (snom-protocol.md §4) with HTTP GET and records each outcome.
import http from 'node:http';
import https from 'node:https';
import { InvalidOptionError } from '../util/errors.js';
import { ACTION_URL_SETTINGS, expandActionUrl, type ActionUrlEvent, type ActionUrlVariables } from './action-urls.js';
import type { PhoneState } from './phone-state.js';
import type { ActionUrlRecord } from './phone-state-types.js';

/** Options of an ActionUrlClient. */
export interface ActionUrlClientOptions {
  readonly state: PhoneState;
  /** Whole-request timeout; default 3000 ms. */
  readonly timeoutMs?: number;
}

/** Defaults of ActionUrlClientOptions. */
export const ACTION_URL_CLIENT_DEFAULTS = Object.freeze({ timeoutMs: 3000 });

/** Extra inputs of one firing. */
export interface FireOptions {
  /** Headers of the SIP message behind the event, for `$sip_header(NAME)`. */
  readonly sipHeaders?: Readonly<Record<string, string>>;
}

/**
 * Fires the URL configured for each `actionEvent` of its PhoneState, and on fire(). The URL is the
 * event's setting (ACTION_URL_SETTINGS) read at that moment, expanded with expandActionUrl, sent as a
 * GET without keep-alive or redirects (https: certificates are not checked, as phones do with
 * self-signed servers); the status or error is recorded with recordActionUrl. Never throws or rejects.
 */
export class ActionUrlClient {
  readonly #state: PhoneState;
  readonly #timeoutMs: number;
  readonly #inFlight = new Set<AbortController>();
  readonly #onEvent: (request: { event: ActionUrlEvent; vars: ActionUrlVariables }) => void;
  #closed = false;

  constructor(options: ActionUrlClientOptions) {
    if (typeof options !== 'object' || options === null || typeof options.state?.on !== 'function') {
      throw new InvalidOptionError('state', 'must be a PhoneState');
    }
    this.#state = options.state;
    this.#timeoutMs = options.timeoutMs ?? ACTION_URL_CLIENT_DEFAULTS.timeoutMs;
    if (!Number.isSafeInteger(this.#timeoutMs) || this.#timeoutMs < 1 || this.#timeoutMs > 600_000) {
      throw new InvalidOptionError('timeoutMs', 'must be a whole number of ms from 1 to 600000');
    }
    this.#onEvent = ({ event, vars }) => void this.#fire(event, vars, {});
    this.#state.on('actionEvent', this.#onEvent);
  }

  /** Requests still waiting for their answer. */
  get pending(): number {
    return this.#inFlight.size;
  }

  /**
   * Fires `event`'s URL now with the state's variables overridden by `vars`; resolves with the record
   * (also stored in the state), or undefined when no URL is configured or the client is closed.
   */
  fire(event: ActionUrlEvent, vars: ActionUrlVariables = {}, options: FireOptions = {}): Promise<ActionUrlRecord | undefined> {
    return this.#fire(event, this.#state.actionUrlVariables(vars), options);
  }

  async #fire(event: ActionUrlEvent, vars: ActionUrlVariables, options: FireOptions): Promise<ActionUrlRecord | undefined> {
    const setting = ACTION_URL_SETTINGS[event];
    const template = this.#state.setting(setting);
    if (this.#closed || template === undefined || template.trim() === '') return undefined;
    const started = performance.now();
    const expanded = expandActionUrl(template, vars, {
      settings: this.#state.settings(),
      ...(options.sipHeaders ? { sipHeaders: options.sipHeaders } : {}),
    });
    const base = { at: this.#state.now(), event, setting };
    let record: ActionUrlRecord;
    if (!expanded.ok) {
      record = { ...base, url: template, status: null, error: expanded.error.message, durationMs: 0 };
    } else {
      const outcome = await this.#get(expanded.value);
      record = { ...base, url: expanded.value, ...outcome, durationMs: Math.round((performance.now() - started) * 10) / 10 };
    }
    this.#state.recordActionUrl(record);
    return record;
  }

  #get(url: string): Promise<{ status: number | null; error?: string }> {
    const controller = new AbortController();
    this.#inFlight.add(controller);
    const timer = setTimeout(() => controller.abort(new Error(`timeout after ${this.#timeoutMs} ms`)), this.#timeoutMs);
    return new Promise<{ status: number | null; error?: string }>((resolve) => {
      let status: number | null = null;
      let done = false;
      const finish = (error?: unknown): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.#inFlight.delete(controller);
        if (error === undefined) resolve({ status });
        else resolve({ status, error: describe(controller.signal.aborted ? controller.signal.reason : error) });
      };
      try {
        const get = url.startsWith('https:') ? https.get : http.get;
        const req = get(url, {
          agent: false,
          signal: controller.signal,
          rejectUnauthorized: false,
          headers: { 'User-Agent': `Mozilla/4.0 (compatible; ${this.#state.model}-SIP snomctl-sim)`, Connection: 'close' },
        });
        req.on('response', (res) => {
          status = res.statusCode ?? null;
          res.on('error', finish);
          res.on('end', () => finish());
          res.on('close', () => finish(new Error('connection closed before the response ended')));
          res.resume();
        });
        req.on('error', finish);
        req.on('close', () => finish(new Error('connection closed without a response')));
      } catch (error) {
        finish(error);
      }
    });
  }

  /** Stops listening to the state and aborts requests in flight (they are recorded as aborted). */
  close(): void {
    this.#closed = true;
    this.#state.off('actionEvent', this.#onEvent);
    for (const controller of this.#inFlight) controller.abort(new Error('closed'));
  }
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, 200);
}
