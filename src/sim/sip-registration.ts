// One identity's registration as a Snom phone does it (RFC 3261 §10.2): REGISTER with digest, refresh
// before expiry, retry with backoff, un-register with Expires 0; a reboot starts a new Call-ID at CSeq 1.
import { getContacts, getCSeq } from '../sip/accessors.js';
import { newCallId, newTag } from '../sip/ids.js';
import { createRequest, type SipRequest, type SipResponse } from '../sip/message.js';
import type { RequestOptions, RequestResult } from '../sip/transaction/endpoint-types.js';
import { parseUri, uriEquals } from '../sip/uri.js';
import { InvalidOptionError } from '../util/errors.js';
import { contactHeader, contactUri, identityNameAddr, type LocalAddress, type SipIdentity } from './sip-identity.js';
import type { ConcurrencyLimiter, ScheduledTask, SimScheduler } from './sip-scheduler.js';

/** Sends a request and resolves with its outcome (SipEndpoint.request). */
export type SipSend = (request: SipRequest, options: RequestOptions) => Promise<RequestResult>;

/** What a RegistrationClient reports as it goes. */
export type RegistrationEvent =
  | { readonly status: 'registering'; readonly contact: string }
  | { readonly status: 'registered'; readonly contact: string; readonly expires: number; readonly detail: string }
  | { readonly status: 'failed'; readonly detail: string; readonly retryInMs: number }
  | { readonly status: 'unregistered'; readonly detail: string };

/** How one REGISTER attempt ended. */
export type RegistrationOutcome =
  | { readonly ok: true; readonly expires: number }
  | { readonly ok: false; readonly detail: string };

/** Options of a RegistrationClient. */
export interface RegistrationClientOptions {
  readonly identity: SipIdentity;
  readonly send: SipSend;
  /** The phone's SIP address for the identity's transport now; undefined while SIP is down (rebooting). */
  readonly local: () => LocalAddress | undefined;
  /** The `+sip.instance` URN (instanceUrn). */
  readonly instance: string;
  readonly scheduler: SimScheduler;
  /** Shared by a fleet so that only so many registrations run at once. */
  readonly limiter?: ConcurrencyLimiter;
  readonly onEvent: (event: RegistrationEvent) => void;
  /** First retry delay after a failure, doubling up to retryMaxMs; default 2000 ms. */
  readonly retryMinMs?: number;
  /** Default 60 000 ms. */
  readonly retryMaxMs?: number;
  /** Limit per REGISTER transaction; default the transaction's own (64·T1). */
  readonly timeoutMs?: number;
  /** Refresh after this share of the granted expiry; default 0.5. */
  readonly refreshRatio?: number;
}

/** Defaults of RegistrationClientOptions. */
export const REGISTRATION_DEFAULTS = Object.freeze({ retryMinMs: 2000, retryMaxMs: 60_000, refreshRatio: 0.5 });

/** The methods a Snom-like phone lists in Allow (what the virtual phone answers). */
export const PHONE_ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, MESSAGE';

function describe(result: RequestResult): string {
  return result.ok ? `${result.response.status} ${result.response.reason}`.slice(0, 120) : `${result.error}: ${result.message}`.slice(0, 120);
}

/**
 * Keeps one identity registered. Operations run one at a time in call order; stop() and unregister()
 * abort the one in flight. Refreshes at `refreshRatio` of the granted expiry (the Contact's `expires` in
 * the 200, else its Expires, else the requested value); a 423 is retried once with Min-Expires; other
 * failures retry after retryMinMs·2^n (at most retryMaxMs). Never throws; outcomes are values and events.
 */
export class RegistrationClient {
  readonly identity: SipIdentity;
  readonly #o: RegistrationClientOptions;
  readonly #retryMin: number;
  readonly #retryMax: number;
  readonly #ratio: number;
  #callId = newCallId();
  #cseq = 1;
  #expires: number;
  #failures = 0;
  #registered = false;
  #stopped = false;
  #generation = 0;
  #task: ScheduledTask | undefined;
  #abort: AbortController | undefined;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(options: RegistrationClientOptions) {
    this.#o = options;
    this.identity = options.identity;
    this.#expires = options.identity.expires;
    this.#retryMin = options.retryMinMs ?? REGISTRATION_DEFAULTS.retryMinMs;
    this.#retryMax = options.retryMaxMs ?? REGISTRATION_DEFAULTS.retryMaxMs;
    this.#ratio = options.refreshRatio ?? REGISTRATION_DEFAULTS.refreshRatio;
    if (!Number.isFinite(this.#retryMin) || this.#retryMin < 1) throw new InvalidOptionError('retryMinMs', 'must be at least 1 ms');
    if (!Number.isFinite(this.#retryMax) || this.#retryMax < this.#retryMin) throw new InvalidOptionError('retryMaxMs', 'must be at least retryMinMs');
    if (!(this.#ratio > 0 && this.#ratio < 1)) throw new InvalidOptionError('refreshRatio', 'must be between 0 and 1');
  }

  /** The Call-ID of every REGISTER since the last restart(). */
  get callId(): string {
    return this.#callId;
  }

  /** Whether the last REGISTER succeeded and no un-register followed. */
  get registered(): boolean {
    return this.#registered;
  }

  /** Registers now (a refresh when registered); resolves with the attempt's outcome. */
  register(): Promise<RegistrationOutcome> {
    this.#stopped = false;
    this.#task?.cancel();
    return this.#enqueue((gen) => this.#register(gen, false));
  }

  /** Forgets the registration like a phone that restarted: a new Call-ID, CSeq 1; then register(). */
  restart(): Promise<RegistrationOutcome> {
    this.stop();
    this.#callId = newCallId();
    this.#cseq = 1;
    this.#expires = this.identity.expires;
    this.#failures = 0;
    this.#registered = false;
    return this.register();
  }

  /** Stops refreshes and retries and aborts a REGISTER in flight; sends nothing. */
  stop(): void {
    this.#stopped = true;
    this.#generation++;
    this.#task?.cancel();
    this.#task = undefined;
    this.#abort?.abort();
  }

  /**
   * Stops, then removes the binding (Contact `;expires=0`, Expires 0) when registered; resolves within
   * about `timeoutMs` with whether the registrar confirmed it (true when nothing was registered).
   */
  async unregister(timeoutMs: number): Promise<boolean> {
    this.stop();
    return this.#enqueue(async () => {
      if (!this.#registered) return true;
      const result = await this.#send(0, timeoutMs);
      this.#registered = false;
      this.#o.onEvent({ status: 'unregistered', detail: describe(result) });
      return result.ok && result.response.status >= 200 && result.response.status < 300;
    });
  }

  #enqueue<T>(op: (gen: number) => Promise<T>): Promise<T> {
    const gen = this.#generation;
    const run = this.#chain.then(() => op(gen));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #register(gen: number, retriedInterval: boolean): Promise<RegistrationOutcome> {
    if (gen !== this.#generation) return { ok: false, detail: 'stopped' };
    const local = this.#o.local();
    if (local === undefined) return { ok: false, detail: 'SIP is not running' };
    const contact = contactUri(this.identity, local);
    if (!this.#registered) this.#o.onEvent({ status: 'registering', contact });
    const result = await this.#send(this.#expires, this.#o.timeoutMs);
    if (gen !== this.#generation) return { ok: false, detail: 'stopped' };
    if (result.ok && result.response.status === 423 && !retriedInterval) {
      const min = Number(result.response.headers.get('min-expires'));
      if (Number.isSafeInteger(min) && min > this.#expires && min <= 86_400) {
        this.#expires = min;
        return this.#register(gen, true);
      }
    }
    if (result.ok && result.response.status >= 200 && result.response.status < 300) {
      const expires = grantedExpires(result.response, contact, this.#expires);
      if (expires > 0) {
        this.#failures = 0;
        this.#registered = true;
        this.#o.onEvent({ status: 'registered', contact, expires, detail: describe(result) });
        this.#schedule(Math.max(1000, expires * 1000 * this.#ratio));
        return { ok: true, expires };
      }
    }
    this.#registered = false;
    this.#failures++;
    const retryInMs = Math.min(this.#retryMax, this.#retryMin * 2 ** Math.min(this.#failures - 1, 30));
    const detail = describe(result);
    this.#o.onEvent({ status: 'failed', detail, retryInMs });
    this.#schedule(retryInMs);
    return { ok: false, detail };
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#task?.cancel();
    this.#task = this.#o.scheduler.schedule(ms, () => {
      this.#task = undefined;
      void this.#enqueue((gen) => this.#register(gen, false));
    });
  }

  /** One REGISTER (through the limiter), CSeq advanced past whatever the transaction used. */
  async #send(expires: number, timeoutMs: number | undefined): Promise<RequestResult> {
    const local = this.#o.local();
    if (local === undefined) return { ok: false, error: 'closed', message: 'SIP is not running', latencyMs: 0 };
    const request = this.#request(expires, local);
    const abort = new AbortController();
    this.#abort = abort;
    const sent = this.#cseq;
    const job = (): Promise<RequestResult> => this.#o.send(request, {
      destination: this.identity.registrar,
      signal: abort.signal,
      ...(this.identity.credentials === undefined ? {} : { credentials: this.identity.credentials }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    const result = await (this.#o.limiter ? this.#o.limiter.run(job) : job());
    if (this.#abort === abort) this.#abort = undefined;
    const used = result.ok ? getCSeq(result.response)?.seq ?? sent + 1 : sent + 1;
    this.#cseq = Math.max(this.#cseq, used + 1);
    return result;
  }

  #request(expires: number, local: LocalAddress): SipRequest {
    const id = this.identity;
    const uri = contactUri(id, local);
    return createRequest({
      method: 'REGISTER',
      uri: `sip:${id.domain}`,
      headers: [
        ['From', `${identityNameAddr(id)};tag=${newTag()}`],
        ['To', identityNameAddr(id)],
        ['Call-ID', this.#callId],
        ['CSeq', `${this.#cseq} REGISTER`],
        ['Contact', contactHeader(uri, this.#o.instance, expires === 0 ? 0 : undefined)],
        ['Allow', PHONE_ALLOW],
        ['Expires', String(expires)],
      ],
    });
  }
}

/**
 * The lifetime a 2xx to REGISTER granted our contact (RFC 3261 §10.2.4): the `expires` parameter of
 * the Contact equal to ours, else the Expires header, else what was asked for.
 */
export function grantedExpires(response: SipResponse, contact: string, requested: number): number {
  const contacts = getContacts(response);
  const ours = parseUri(contact);
  if (ours.ok && contacts !== undefined && contacts !== '*') {
    for (const c of contacts) {
      if (uriEquals(c.uri, ours.value)) return c.expires ?? headerExpires(response) ?? requested;
    }
  }
  return headerExpires(response) ?? requested;
}

function headerExpires(response: SipResponse): number | undefined {
  const value = response.headers.get('expires');
  return value !== undefined && /^[0-9]{1,10}$/.test(value.trim()) ? Number(value.trim()) : undefined;
}
