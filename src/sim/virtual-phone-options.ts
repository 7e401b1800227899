// VirtualPhone's options, defaults and validation, and the Snom settings they stand for.
import { isIP } from 'node:net';
import { InvalidOptionError } from '../util/errors.js';
import type { TimerBase } from '../sip/timers.js';
import { ACTION_URL_SETTINGS, isActionUrlEvent, type ActionUrlEvent } from './action-urls.js';
import type { PhoneStateOptions } from './phone-state-options.js';
import type { IncomingCallPolicy } from './sip-calls.js';
import { resolveIdentity, type SipIdentity, type SipIdentityOptions } from './sip-identity.js';
import type { ConcurrencyLimiter, SimScheduler } from './sip-scheduler.js';
import type { SharedWebListener } from './shared-web-listener.js';
import type { TlsCredentials } from './web/tls-certificate.js';
import type { WebAuthOptions } from './web/web-auth.js';

/** Options of a VirtualPhone: PhoneState's (model, buttons, settings, …) plus the SIP and web sides. */
export interface VirtualPhoneOptions extends PhoneStateOptions {
  /** Identities 1..n (lines); none: the phone registers nowhere. */
  readonly identities?: readonly SipIdentityOptions[];
  /** SIP listener: default 127.0.0.1, port 0 (any free one), UDP; TCP too when asked or an identity uses TCP. */
  readonly sip?: {
    readonly host?: string;
    readonly port?: number;
    readonly tcp?: boolean;
    readonly recvBufferSize?: number;
    /** T1/T2/T4; tests shrink T1. */
    readonly timers?: Partial<TimerBase>;
  };
  /** Web server: default the SIP host, port 0; `false` for none. */
  readonly http?: false | { readonly host?: string; readonly port?: number };
  /** Serve the web pages through this shared listener (PhoneFleet) instead of an own socket. */
  readonly webListener?: SharedWebListener;
  readonly httpAuth?: WebAuthOptions;
  readonly https?: boolean | TlsCredentials;
  readonly protectSimulatorPages?: boolean;
  /** "Filter Packets from Registrar" (setting `filter_registrar`); default on when there are identities. */
  readonly registrarFilter?: boolean;
  /** Action URL per event (stored in its §4 setting). */
  readonly actionUrls?: Readonly<Partial<Record<ActionUrlEvent, string>>>;
  readonly actionUrlTimeoutMs?: number;
  /** How long SIP is away when the phone reboots; default 200 ms. */
  readonly bootDelayMs?: number;
  /** start() waits for every identity's first REGISTER to end (success or failure); default true. */
  readonly waitForRegistration?: boolean;
  /** Incoming calls: ring `ringMs` (default 1000), then answer, 486 (`busy`, default), 480, or keep ringing (`ring`). */
  readonly incomingCalls?: { readonly policy?: IncomingCallPolicy; readonly ringMs?: number };
  /** Limit for an outgoing INVITE's final response; default 60 000 ms. */
  readonly inviteTimeoutMs?: number;
  /** User-Agent and Server; default `<model>/10.1.73.16` like a Snom. */
  readonly userAgent?: string;
  /** Bound of close()'s un-REGISTER; default 2000 ms. */
  readonly unregisterTimeoutMs?: number;
  /** Registration retry backoff and per-REGISTER limit (RegistrationClientOptions). */
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
  readonly registerTimeoutMs?: number;
  /** Shared by a fleet: one timer for all refreshes, one limit on concurrent registrations. */
  readonly scheduler?: SimScheduler;
  readonly limiter?: ConcurrencyLimiter;
}

/** Defaults of VirtualPhoneOptions. */
export const VIRTUAL_PHONE_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  bootDelayMs: 200,
  policy: 'busy' satisfies IncomingCallPolicy,
  ringMs: 1000,
  inviteTimeoutMs: 60_000,
  unregisterTimeoutMs: 2000,
  firmware: '10.1.73.16',
});

/** VirtualPhoneOptions checked, with defaults. */
export interface ResolvedVirtualPhoneOptions {
  readonly identities: readonly SipIdentity[];
  readonly stateOptions: PhoneStateOptions;
  readonly sipHost: string;
  readonly sipPort: number;
  readonly tcp: boolean;
  readonly http: false | { readonly host: string; readonly port: number };
  readonly bootDelayMs: number;
  readonly waitForRegistration: boolean;
  readonly policy: IncomingCallPolicy;
  readonly ringMs: number;
  readonly inviteTimeoutMs: number;
  readonly unregisterTimeoutMs: number;
}

function ms(name: string, value: number | undefined, fallback: number, max = 3_600_000): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 0 || v > max) throw new InvalidOptionError(name, `must be a whole number of ms from 0 to ${max}`);
  return v;
}

function port(name: string, value: number | undefined): number {
  const v = value ?? 0;
  if (!Number.isSafeInteger(v) || v < 0 || v > 65535) throw new InvalidOptionError(name, 'must be 0..65535');
  return v;
}

function address(name: string, value: string | undefined, fallback: string): string {
  const v = value ?? fallback;
  if (typeof v !== 'string' || isIP(v) === 0) throw new InvalidOptionError(name, 'must be an IPv4 or IPv6 address');
  return v;
}

/** Checks VirtualPhoneOptions and derives the settings a Snom keeps for them; throws InvalidOptionError. */
export function resolveVirtualPhoneOptions(options: VirtualPhoneOptions): ResolvedVirtualPhoneOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'must be an object');
  const list: readonly SipIdentityOptions[] = options.identities ?? [];
  if (!Array.isArray(options.identities ?? [])) throw new InvalidOptionError('identities', 'must be an array');
  const lines = options.lines ?? 12;
  if (list.length > lines) throw new InvalidOptionError('identities', `at most ${lines} (the phone's lines)`);
  const identities = list.map((o, i) => resolveIdentity(o, i + 1));
  const settings: Record<string, string> = {};
  for (const id of identities) {
    settings[`user_name${id.line}`] = id.user;
    settings[`user_host${id.line}`] = id.domain;
    if (id.displayName !== undefined) settings[`user_realname${id.line}`] = id.displayName;
  }
  const filter = options.registrarFilter ?? identities.length > 0;
  if (typeof filter !== 'boolean') throw new InvalidOptionError('registrarFilter', 'must be a boolean');
  settings.filter_registrar = filter ? 'on' : 'off';
  for (const [event, url] of Object.entries(options.actionUrls ?? {})) {
    if (!isActionUrlEvent(event)) throw new InvalidOptionError('actionUrls', `unknown event ${JSON.stringify(event.slice(0, 40))}`);
    if (typeof url !== 'string') throw new InvalidOptionError(`actionUrls.${event}`, 'must be a URL');
    settings[ACTION_URL_SETTINGS[event]] = url;
  }
  const sipHost = address('sip.host', options.sip?.host, VIRTUAL_PHONE_DEFAULTS.host);
  const tcpNeeded = identities.some((id) => id.registrar.transport === 'tcp');
  if (options.sip?.tcp === false && tcpNeeded) throw new InvalidOptionError('sip.tcp', 'must not be false when an identity registers over TCP');
  const http = options.http === false
    ? false
    : { host: address('http.host', options.http?.host, sipHost), port: port('http.port', options.http?.port) };
  const policy = options.incomingCalls?.policy ?? VIRTUAL_PHONE_DEFAULTS.policy;
  if (!['answer', 'busy', 'unavailable', 'ring'].includes(policy)) {
    throw new InvalidOptionError('incomingCalls.policy', "must be 'answer', 'busy', 'unavailable' or 'ring'");
  }
  const {
    identities: _i, sip: _s, http: _h, webListener: _w, httpAuth: _a, https: _t, protectSimulatorPages: _p, registrarFilter: _r,
    actionUrls: _u, actionUrlTimeoutMs: _ut, bootDelayMs: _b, waitForRegistration: _wr, incomingCalls: _c, inviteTimeoutMs: _it,
    userAgent: _ua, unregisterTimeoutMs: _un, retryMinMs: _rn, retryMaxMs: _rx, registerTimeoutMs: _rt, scheduler: _sc,
    limiter: _l, ...stateOptions
  } = options;
  return {
    identities,
    stateOptions: { ...stateOptions, settings: { ...settings, ...options.settings } },
    sipHost,
    sipPort: port('sip.port', options.sip?.port),
    tcp: options.sip?.tcp ?? tcpNeeded,
    http,
    bootDelayMs: ms('bootDelayMs', options.bootDelayMs, VIRTUAL_PHONE_DEFAULTS.bootDelayMs, 600_000),
    waitForRegistration: options.waitForRegistration ?? true,
    policy,
    ringMs: ms('incomingCalls.ringMs', options.incomingCalls?.ringMs, VIRTUAL_PHONE_DEFAULTS.ringMs),
    inviteTimeoutMs: ms('inviteTimeoutMs', options.inviteTimeoutMs, VIRTUAL_PHONE_DEFAULTS.inviteTimeoutMs),
    unregisterTimeoutMs: ms('unregisterTimeoutMs', options.unregisterTimeoutMs, VIRTUAL_PHONE_DEFAULTS.unregisterTimeoutMs, 60_000),
  };
}
