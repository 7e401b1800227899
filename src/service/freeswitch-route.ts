// The freeswitch route: keys handed to FreeSWITCH over the Event Socket as mod_snom's SEND_MESSAGE event;
// mod_sofia sends the MESSAGE to every registered contact of the user (snom-protocol.md §1.3).
import type { EslConnectionState, FreeswitchConnectionStats } from '../esl/connection-types.js';
import { FreeswitchAdapter, type EslCommandChannel } from '../esl/freeswitch-adapter.js';
import type { EslCommandError } from '../esl/esl-errors.js';
import type { RegistrationEvent } from '../esl/registration-event.js';
import { InvalidOptionError } from '../util/errors.js';
import { aorUri } from './message-request.js';
import type { ContactsChange, DeliverOptions, DeliveryBody, KeyTarget, Route, RouteContact, RouteContacts, RouteHealth, SendOutcome } from './route.js';

/** What the route needs of a FreeswitchConnection. */
export interface FreeswitchRouteConnection extends EslCommandChannel {
  readonly address: string;
  readonly state: EslConnectionState;
  readonly stats: FreeswitchConnectionStats;
  onStateChange(listener: (state: EslConnectionState, previous: EslConnectionState) => void): () => void;
}

/** A logger subset (pino-compatible). */
export interface FreeswitchRouteLogger {
  warn(details: object, message: string): void;
  debug(details: object, message: string): void;
}

/** Options of FreeswitchRoute. */
export interface FreeswitchRouteOptions {
  /** The snomctl profile this route serves (mod_snom's `<profile>` argument). */
  readonly profile: string;
  /** The sofia profile the phones register on; default `profile`. */
  readonly sofiaProfile?: string;
  /** The Event Socket connection; shared by several routes, closed by its owner, not by the route. */
  readonly connection: FreeswitchRouteConnection;
  /** Default: a FreeswitchAdapter over `connection`. */
  readonly adapter?: FreeswitchAdapter;
  /** Limit of the lookups made by contacts() (ms); default the connection's command timeout. */
  readonly lookupTimeoutMs?: number;
  readonly logger?: FreeswitchRouteLogger;
}

/** The SIP status and reason a delivery handed to FreeSWITCH reports (no phone's answer is known). */
export const HANDED_TO_FREESWITCH = Object.freeze({ status: 202, reason: 'Handed to FreeSWITCH' });

/** Call-IDs remembered (registrations seen); cleared when full. */
const MAX_KNOWN_CALL_IDS = 100_000;

const SOFIA_PROFILE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Delivers through FreeSWITCH. `contacts()` asks FreeSWITCH first (`sofia_contact <sofia>/<user>@<host>`,
 * then `sofia status profile` when nobody is registered there) and answers one contact, the AOR, with
 * reason `not registered`, `unknown sofia profile <name>` or `FreeSWITCH disconnected` when there is
 * none. `deliver()` fires mod_snom's exact SEND_MESSAGE; success is status 202 `Handed to FreeSWITCH`:
 * FreeSWITCH accepted the event, and reports nothing about the phones. A disconnected Event Socket is
 * `unavailable` (retried by the service); an event whose reply was lost is `transport` (retried: a
 * repeated key state is harmless). `sofia::register` events of the sofia profile with a new Call-ID,
 * and every registration found after a (re)connection, are reported through onContactsChanged.
 */
export class FreeswitchRoute implements Route {
  readonly kind = 'freeswitch' as const;
  readonly profile: string;
  readonly sofiaProfile: string;
  readonly #connection: FreeswitchRouteConnection;
  readonly #adapter: FreeswitchAdapter;
  readonly #lookupTimeoutMs: number | undefined;
  readonly #log: FreeswitchRouteLogger | undefined;
  readonly #listeners = new Set<(change: ContactsChange) => void>();
  readonly #callIds = new Map<string, string>();
  #unsubscribe: Array<() => void> = [];
  #closed = false;

  /** Checks the options (InvalidOptionError); subscribes to nothing until onContactsChanged. */
  constructor(options: FreeswitchRouteOptions) {
    if (typeof options?.profile !== 'string' || options.profile === '') throw new InvalidOptionError('profile', 'must be a profile name');
    const sofia = options.sofiaProfile ?? options.profile;
    if (typeof sofia !== 'string' || !SOFIA_PROFILE.test(sofia)) {
      throw new InvalidOptionError('sofiaProfile', "must be a sofia profile name: letters, digits, '_', '.', '-' (at most 64)");
    }
    const c = options.connection;
    if (c === null || typeof c !== 'object' || typeof c.api !== 'function' || typeof c.onStateChange !== 'function') {
      throw new InvalidOptionError('connection', 'must be a FreeswitchConnection');
    }
    const t = options.lookupTimeoutMs;
    if (t !== undefined && (!Number.isSafeInteger(t) || t < 1 || t > 600_000)) throw new InvalidOptionError('lookupTimeoutMs', 'must be a whole number from 1 to 600000');
    this.profile = options.profile;
    this.sofiaProfile = sofia;
    this.#connection = c;
    this.#adapter = options.adapter ?? new FreeswitchAdapter({ connection: c });
    this.#lookupTimeoutMs = t;
    this.#log = options.logger;
  }

  /** `esl:<host>:<port>/sofia/<profile>`: where this route's documents go, for results and logs. */
  get destination(): string {
    return `esl:${this.#connection.address}/sofia/${this.sofiaProfile}`;
  }

  async contacts(target: KeyTarget): Promise<RouteContacts> {
    const down = this.#downReason();
    if (down !== undefined) return { contacts: [], reason: down };
    const options = this.#lookupTimeoutMs === undefined ? undefined : { timeoutMs: this.#lookupTimeoutMs };
    const found = await this.#adapter.sofiaContact(`${this.sofiaProfile}/${target.user}@${target.host}`, options);
    if (!found.ok) return { contacts: [], reason: this.#lookupReason(found.error.reason, found.error.message, found.error.cause) };
    const here = found.value.registered ? found.value.contacts.filter((c) => c.profile === this.sofiaProfile) : [];
    if (here.length > 0) {
      const uri = aorUri(target.user, target.host);
      return { contacts: [{ id: `freeswitch\n${this.sofiaProfile}\n${uri}`, uri, destination: this.destination }] };
    }
    const exists = await this.#adapter.sofiaProfileExists(this.sofiaProfile, options);
    if (!exists.ok) return { contacts: [], reason: this.#lookupReason(exists.error.reason, exists.error.message, exists.error.cause) };
    return { contacts: [], reason: exists.value ? 'not registered' : `unknown sofia profile ${this.sofiaProfile}` };
  }

  async deliver(target: KeyTarget, _contact: RouteContact, body: DeliveryBody, options: DeliverOptions): Promise<SendOutcome> {
    const destination = this.destination;
    const started = performance.now();
    const failed = (error: Extract<SendOutcome, { ok: false }>['error'], message: string): SendOutcome => ({
      ok: false, error, message, destination, latencyMs: Math.round(performance.now() - started),
    });
    if (options.signal?.aborted) return failed('aborted', 'aborted before sending');
    if (this.#closed) return failed('closed', 'the route is closed');
    const down = this.#downReason();
    if (down !== undefined) return failed('unavailable', down);
    const send = this.#adapter.sendButtons(
      { profile: this.sofiaProfile, user: target.user, host: target.host, body: body.body.toString('utf8') },
      { timeoutMs: options.timeoutMs },
    );
    const aborted = abortPromise(options.signal);
    const r = await Promise.race([send, aborted.promise]);
    aborted.dispose();
    if (r === 'aborted') return failed('aborted', 'aborted while waiting for FreeSWITCH');
    if (r.ok) return { ok: true, ...HANDED_TO_FREESWITCH, destination, latencyMs: Math.round(performance.now() - started) };
    return failed(sendError(r.error), r.error.message);
  }

  onContactsChanged(listener: (change: ContactsChange) => void): () => void {
    if (this.#unsubscribe.length === 0 && !this.#closed) {
      this.#unsubscribe = [
        this.#adapter.onRegistration((e) => this.#onRegistration(e)),
        this.#connection.onStateChange((state) => {
          if (state === 'connected') void this.#announceRegistered();
        }),
      ];
      if (this.#connection.state === 'connected') void this.#announceRegistered();
    }
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  health(): RouteHealth {
    const s = this.#connection.stats;
    return {
      kind: 'freeswitch',
      id: `esl:${this.#connection.address}`,
      up: s.state === 'connected',
      state: s.state,
      ...(s.connectedSince === undefined ? {} : { since: s.connectedSince }),
      ...(s.lastError === undefined ? {} : { lastError: s.lastError }),
      reconnects: Math.max(0, s.connects - 1),
      commands: { ok: s.commandsSucceeded, rejected: s.commandsRejected, timeout: s.commandsTimedOut, lost: s.commandsLost },
    };
  }

  /** Drops the route's subscriptions; the connection stays open (its owner closes it). */
  close(): Promise<void> {
    this.#closed = true;
    for (const off of this.#unsubscribe.splice(0)) off();
    this.#listeners.clear();
    return Promise.resolve();
  }

  #downReason(): string | undefined {
    switch (this.#connection.state) {
      case 'connected':
        return undefined;
      case 'auth-failed':
        return 'FreeSWITCH disconnected (the Event Socket password was refused)';
      case 'closed':
        return 'FreeSWITCH disconnected (the connection is closed)';
      default:
        return 'FreeSWITCH disconnected';
    }
  }

  #lookupReason(reason: string, message: string, cause: unknown): string {
    if (reason === 'bad-spec') return `not a user FreeSWITCH can look up: ${message}`;
    const outcome = (cause as EslCommandError | undefined)?.outcome;
    if (reason === 'command-failed' && outcome !== 'failed') return 'FreeSWITCH disconnected';
    return `FreeSWITCH lookup failed: ${message}`;
  }

  #onRegistration(e: RegistrationEvent): void {
    if (e.profile !== this.sofiaProfile) return;
    const key = `${e.user}\n${e.host.toLowerCase()}\n${e.contactUri}`;
    if (e.kind !== 'register') {
      this.#callIds.delete(key);
      return;
    }
    const known = this.#callIds.get(key);
    if (e.callId !== undefined) {
      if (this.#callIds.size >= MAX_KNOWN_CALL_IDS) this.#callIds.clear();
      this.#callIds.set(key, e.callId);
    }
    // new when the Call-ID differs from the one seen; unseen before: trust mod_sofia's update-reg
    const isNew = known !== undefined && e.callId !== undefined ? known !== e.callId : !e.refresh;
    if (isNew) this.#emit({ user: e.user, host: e.host, cause: 'registered' });
  }

  /** After a (re)connection: every user registered on the sofia profile, from the core table. */
  async #announceRegistered(): Promise<void> {
    if (this.#listeners.size === 0 || this.#closed) return;
    const since = this.#connection.stats.connectedSince ?? Date.now();
    const rows = await this.#adapter.allRegistrations();
    if (!rows.ok) {
      this.#log?.debug({ profile: this.profile, reason: rows.error.message }, 'FreeSWITCH registrations not listed after connecting');
      return;
    }
    const seen = new Set<string>();
    for (const r of rows.value) {
      if (r.profile !== this.sofiaProfile || r.user === '' || r.realm === '') continue;
      const key = `${r.user}\n${r.realm.toLowerCase()}`;
      if (seen.has(key)) continue;
      seen.add(key);
      this.#emit({ user: r.user, host: r.realm, cause: 'reachable', since });
    }
  }

  #emit(change: ContactsChange): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch (error) {
        this.#log?.warn({ err: error }, 'a contacts-changed listener threw');
      }
    }
  }
}

/** The SendError of a failed SEND_MESSAGE: retryable unless FreeSWITCH refused it or it was malformed. */
function sendError(e: EslCommandError): Extract<SendOutcome, { ok: false }>['error'] {
  switch (e.code) {
    case 'SNOM_ERR_ESL_INVALID_COMMAND':
    case 'SNOM_ERR_ESL_REJECTED':
    case 'SNOM_ERR_ESL_BAD_REPLY':
      return 'invalid-request';
    case 'SNOM_ERR_ESL_CLOSED':
      return 'closed';
    case 'SNOM_ERR_ESL_TIMEOUT':
      return e.outcome === 'not-sent' ? 'unavailable' : 'timeout';
    case 'SNOM_ERR_ESL_CONNECTION_LOST':
      return 'transport';
  }
}

function abortPromise(signal: AbortSignal | undefined): { promise: Promise<'aborted'>; dispose(): void } {
  if (signal === undefined) return { promise: new Promise(() => undefined), dispose: () => undefined };
  let on: (() => void) | undefined;
  const promise = new Promise<'aborted'>((resolve) => {
    on = () => resolve('aborted');
    signal.addEventListener('abort', on, { once: true });
  });
  return { promise, dispose: () => signal.removeEventListener('abort', on!) };
}
