// Options of createService, their defaults and their checks (InvalidOptionError names the option).
import { isIP } from 'node:net';
import { REGISTRAR_DEFAULTS, type RegistrarOptions } from '../registrar/registrar-options.js';
import type { RegistrarUser } from '../registrar/register-auth.js';
import { KEY_STATE_LIMITS, type KeyStateValidationOptions } from '../snom/key-state.js';
import { MOD_SNOM_COMMANDS } from '../snom/mod-snom-command.js';
import type { TimerBase } from '../sip/timers.js';
import type { TransportProtocol } from '../sip/transport-types.js';
import type { SqliteStore } from '../store/sqlite-store.js';
import { InvalidOptionError } from '../util/errors.js';
import { findControlChar } from '../util/text.js';
import type { CommandSeam, CommandSeamFactory } from './command-seam.js';
import type { BodyFormat } from './document-builder.js';
import { AUTH_LIMITER_DEFAULTS } from './auth-failure-limiter.js';
import type { DestinationMode } from './embedded-route.js';
import type { ProxySettings } from './proxy-route.js';
import type { Route, RouteKind } from './route.js';

/** A pino-compatible logger subset. */
export interface ServiceLogger {
  warn(details: object, message: string): void;
  debug(details: object, message: string): void;
}

/** A registrar user given in the options (the store's users table is consulted after these). */
export interface ServiceUser extends RegistrarUser {
  readonly user: string;
  /** Default: valid in every domain of the service. */
  readonly domain?: string;
}

/**
 * A profile: mod_snom's `<profile>` argument, naming how keys are delivered. `embedded`: our registrar's
 * contacts; `proxy`: through another SIP server (`proxy` settings); `freeswitch`: through the Event Socket
 * (its Route comes as `implementation`: a FreeswitchRoute). `implementation` replaces the built-in route of any kind.
 */
export interface ProfileOptions {
  readonly name: string;
  readonly route: RouteKind;
  /**
   * `x-buttons` (default): Snom's specification, CRLF lines. `mod_snom`: single-key documents written with
   * mod_snom's exact LF bytes (`k=…\nc=…\nl=…\nn=…\na=…\n`), for setups that compare bodies byte for byte;
   * multi-key documents (re-sync) are always CRLF.
   */
  readonly bodyFormat?: BodyFormat;
  readonly proxy?: ProxySettings;
  readonly implementation?: Route;
}

/** Options of createService. */
export interface ServiceOptions {
  /** The SQLite file, `:memory:`, or an open store (not closed by the service). Default `:memory:`. */
  readonly store?: string | SqliteStore;
  /** The registrar's domains (Request-URI / To hosts it serves); the first is the default. */
  readonly domains: string | readonly string[];
  /** Digest realm; default the first domain. */
  readonly realm?: string;
  readonly users?: readonly ServiceUser[];
  readonly sip?: {
    /** Where UDP and TCP listen; default 0.0.0.0:5060 (port 0 picks one, for tests). */
    readonly listen?: { readonly host?: string; readonly port?: number };
    /** Default both. */
    readonly transports?: readonly TransportProtocol[];
    /** Host written in Via/Contact. */
    readonly sentByHost?: string;
    /** RFC 3261 T1/T2/T4; tests shrink T1. */
    readonly timers?: Partial<TimerBase>;
    /** User-Agent / Server header; default `snomctl`. */
    readonly userAgent?: string;
  };
  /**
   * Registrar tunables; `digest` also applies to button presses (e.g. `{ algorithms: ['MD5'] }` for phones
   * that cannot pick MD5 among several challenges; the default offers SHA-256 and MD5).
   */
  readonly registrar?: Pick<RegistrarOptions, 'minExpires' | 'defaultExpires' | 'maxExpires' | 'maxContacts' | 'sweepIntervalMs' | 'digest'>;
  /** Default one profile `internal` → embedded. */
  readonly profiles?: readonly ProfileOptions[];
  readonly delivery?: {
    /** Limit of one send (ms); default 4000 (RFC 3261 Timer F is 32 s: a phone answering later is dead enough). */
    readonly attemptTimeoutMs?: number;
    /** Waits between sends of one document on timeout/transport error/408/5xx; default [1000, 2000, 4000] (4 sends). */
    readonly retryDelaysMs?: readonly number[];
    /**
     * Largest x-buttons body (bytes) of one MESSAGE; a re-sync is split into several documents above it.
     * Default 1300: RFC 3261 §18.1.1 asks for TCP above ~1300 bytes on paths with a 1500-byte MTU; a larger
     * UDP MESSAGE is fragmented by IP, which Snom phones on a LAN accept.
     */
    readonly maxDocumentBytes?: number;
    /** Sends in flight at most over all phones; default 256. */
    readonly maxInFlight?: number;
    /** At start, send every desired key not yet delivered (at its current version) to the loaded bindings; default true. */
    readonly reconcileOnStart?: boolean;
    /** close() gives deliveries in flight this long (ms) before aborting them; default 2000. */
    readonly closeGraceMs?: number;
    /**
     * Where MESSAGEs to a registered contact go: `auto` (default) the registrar's NAT-aware deliveryTarget
     * (the REGISTER's source when it differs from the Contact); `contact` the Contact URI's own address,
     * for third-party registrations (a client registering another device's Contact).
     */
    readonly destination?: DestinationMode;
  };
  readonly buttonPress?: {
    /** mod_snom commands a phone may run with a MESSAGE to `api+<command>@domain`; default snom_bind_key, snom_command. */
    readonly allow?: readonly string[];
    /** snom_bind_key from a phone may only set the pressing user's own keys (user and host); default true. */
    readonly ownKeysOnly?: boolean;
  };
  /**
   * Password-guessing brake: a source address that sends more than `maxFailures` wrong Digest answers for
   * one user within `windowMs` gets 403 without Digest work until the window ends. Defaults 20 per 60 s;
   * `maxFailures: 0` disables it.
   */
  readonly authLimit?: { readonly maxFailures?: number; readonly windowMs?: number };
  /** Length limits of key states (validateKeyState); default KEY_STATE_LIMITS. */
  readonly keyLimits?: KeyStateValidationOptions;
  /**
   * Runs `snom_command`: an object, or a factory given the service's parts. Default: src/service/commands'
   * CommandService (commandSeamFactory() with its defaults); `false`: none (snom_command answers -ERR).
   */
  readonly commands?: CommandSeam | CommandSeamFactory | false;
  readonly logger?: ServiceLogger;
  /** Wall clock (ms since the epoch) for registrations and records; default Date.now. */
  readonly now?: () => number;
}

/** Defaults of ServiceOptions. */
export const SERVICE_DEFAULTS = Object.freeze({
  store: ':memory:',
  listenHost: '0.0.0.0',
  listenPort: 5060,
  transports: Object.freeze(['udp', 'tcp'] as const),
  userAgent: 'snomctl',
  profiles: Object.freeze([Object.freeze({ name: 'internal', route: 'embedded' as const })]),
  attemptTimeoutMs: 4000,
  retryDelaysMs: Object.freeze([1000, 2000, 4000]),
  maxDocumentBytes: 1300,
  maxInFlight: 256,
  reconcileOnStart: true,
  closeGraceMs: 2000,
  destination: 'auto' as const,
  buttonPressAllow: Object.freeze(['snom_bind_key', 'snom_command']),
  ownKeysOnly: true,
  registrar: REGISTRAR_DEFAULTS,
  keyLimits: KEY_STATE_LIMITS,
});

/** ServiceOptions with defaults applied. */
export interface ResolvedServiceOptions {
  readonly store: string | SqliteStore;
  readonly domains: readonly string[];
  readonly realm: string | undefined;
  readonly users: readonly ServiceUser[];
  readonly listenHost: string;
  readonly listenPort: number;
  readonly transports: readonly TransportProtocol[];
  readonly sentByHost: string | undefined;
  readonly timers: Partial<TimerBase> | undefined;
  readonly userAgent: string;
  readonly registrar: ServiceOptions['registrar'];
  readonly profiles: readonly ProfileOptions[];
  readonly attemptTimeoutMs: number;
  readonly retryDelaysMs: readonly number[];
  readonly maxDocumentBytes: number;
  readonly maxInFlight: number;
  readonly reconcileOnStart: boolean;
  readonly closeGraceMs: number;
  readonly destination: DestinationMode;
  readonly buttonPressAllow: ReadonlySet<string>;
  readonly ownKeysOnly: boolean;
  readonly keyLimits: KeyStateValidationOptions | undefined;
  readonly maxAuthFailures: number;
  readonly authFailureWindowMs: number;
  readonly commands: CommandSeam | CommandSeamFactory | false | undefined;
  readonly logger: ServiceLogger | undefined;
  readonly now: () => number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function whole(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(name, `must be a whole number in ${min}..${max}`);
  }
  return value;
}

function text(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '' || findControlChar(value)) {
    throw new InvalidOptionError(name, 'must be a non-empty string without control characters');
  }
  return value;
}

/** Applies defaults and checks every option; throws InvalidOptionError naming the first bad one. */
export function resolveServiceOptions(o: ServiceOptions): ResolvedServiceOptions {
  if (typeof o !== 'object' || o === null) throw new InvalidOptionError('options', 'must be an object');
  const store = o.store ?? SERVICE_DEFAULTS.store;
  if (typeof store === 'string') text('store', store);
  else if (typeof store !== 'object' || store === null || !('keys' in store)) throw new InvalidOptionError('store', 'must be a path, :memory: or an open store');
  const domains = typeof o.domains === 'string' ? [o.domains] : o.domains;
  if (!Array.isArray(domains) || domains.length === 0) throw new InvalidOptionError('domains', 'must name at least one domain');
  domains.forEach((d, i) => text(`domains[${i}]`, d));
  if (o.realm !== undefined) text('realm', o.realm);

  const users = o.users ?? [];
  if (!Array.isArray(users)) throw new InvalidOptionError('users', 'must be an array');
  users.forEach((u: ServiceUser, i) => {
    if (typeof u !== 'object' || u === null) throw new InvalidOptionError(`users[${i}]`, 'must be an object');
    text(`users[${i}].user`, u.user);
    if (u.domain !== undefined) text(`users[${i}].domain`, u.domain);
    if (u.password === undefined && u.ha1 === undefined && (u.trustedNetworks?.length ?? 0) === 0) {
      throw new InvalidOptionError(`users[${i}]`, 'needs a password, an HA1 or trusted networks');
    }
    if (u.password !== undefined && typeof u.password !== 'string') throw new InvalidOptionError(`users[${i}].password`, 'must be a string');
  });

  const sip = o.sip ?? {};
  const listenHost = sip.listen?.host ?? SERVICE_DEFAULTS.listenHost;
  if (typeof listenHost !== 'string' || isIP(listenHost.replace(/^\[|\]$/g, '')) === 0) {
    throw new InvalidOptionError('sip.listen.host', 'must be an IPv4 or IPv6 address');
  }
  const listenPort = whole('sip.listen.port', sip.listen?.port ?? SERVICE_DEFAULTS.listenPort, 0, 65535);
  const transports = sip.transports ?? SERVICE_DEFAULTS.transports;
  if (!Array.isArray(transports) || transports.length === 0 || transports.some((t) => t !== 'udp' && t !== 'tcp')) {
    throw new InvalidOptionError('sip.transports', "must be a non-empty list of 'udp' and 'tcp'");
  }
  const userAgent = text('sip.userAgent', sip.userAgent ?? SERVICE_DEFAULTS.userAgent);
  if (sip.sentByHost !== undefined) text('sip.sentByHost', sip.sentByHost);

  const profiles = o.profiles ?? SERVICE_DEFAULTS.profiles;
  if (!Array.isArray(profiles) || profiles.length === 0) throw new InvalidOptionError('profiles', 'must list at least one profile');
  const names = new Set<string>();
  profiles.forEach((p: ProfileOptions, i) => checkProfile(p, i, names));

  const d = o.delivery ?? {};
  const attemptTimeoutMs = whole('delivery.attemptTimeoutMs', d.attemptTimeoutMs ?? SERVICE_DEFAULTS.attemptTimeoutMs, 1, 600_000);
  const retryDelaysMs = d.retryDelaysMs ?? SERVICE_DEFAULTS.retryDelaysMs;
  if (!Array.isArray(retryDelaysMs) || retryDelaysMs.length > 20) throw new InvalidOptionError('delivery.retryDelaysMs', 'must be a list of at most 20 delays');
  retryDelaysMs.forEach((ms, i) => whole(`delivery.retryDelaysMs[${i}]`, ms, 0, 3_600_000));
  const maxDocumentBytes = whole('delivery.maxDocumentBytes', d.maxDocumentBytes ?? SERVICE_DEFAULTS.maxDocumentBytes, 64, 60_000);
  const maxInFlight = whole('delivery.maxInFlight', d.maxInFlight ?? SERVICE_DEFAULTS.maxInFlight, 1, 100_000);
  const closeGraceMs = whole('delivery.closeGraceMs', d.closeGraceMs ?? SERVICE_DEFAULTS.closeGraceMs, 0, 600_000);
  const destination = d.destination ?? SERVICE_DEFAULTS.destination;
  if (destination !== 'auto' && destination !== 'contact') throw new InvalidOptionError('delivery.destination', "must be 'auto' or 'contact'");
  const reconcileOnStart = d.reconcileOnStart ?? SERVICE_DEFAULTS.reconcileOnStart;
  if (typeof reconcileOnStart !== 'boolean') throw new InvalidOptionError('delivery.reconcileOnStart', 'must be a boolean');

  const allow = o.buttonPress?.allow ?? SERVICE_DEFAULTS.buttonPressAllow;
  if (!Array.isArray(allow)) throw new InvalidOptionError('buttonPress.allow', 'must be a list of command names');
  for (const c of allow as readonly unknown[]) {
    if (typeof c !== 'string' || !(MOD_SNOM_COMMANDS as readonly string[]).includes(c)) {
      throw new InvalidOptionError('buttonPress.allow', `must hold only ${MOD_SNOM_COMMANDS.join(', ')}`);
    }
  }
  const ownKeysOnly = o.buttonPress?.ownKeysOnly ?? SERVICE_DEFAULTS.ownKeysOnly;
  if (typeof ownKeysOnly !== 'boolean') throw new InvalidOptionError('buttonPress.ownKeysOnly', 'must be a boolean');
  const maxAuthFailures = whole('authLimit.maxFailures', o.authLimit?.maxFailures ?? AUTH_LIMITER_DEFAULTS.maxFailures, 0, 1_000_000);
  const authFailureWindowMs = whole('authLimit.windowMs', o.authLimit?.windowMs ?? AUTH_LIMITER_DEFAULTS.windowMs, 1, 86_400_000);
  const commands = o.commands;
  if (commands !== undefined && commands !== false && typeof commands !== 'function' && (typeof commands !== 'object' || commands === null)) {
    throw new InvalidOptionError('commands', 'must be a command runner or a factory of one');
  }
  const now = o.now ?? Date.now;
  if (typeof now !== 'function') throw new InvalidOptionError('now', 'must be a function');
  if (o.logger !== undefined && (typeof o.logger?.warn !== 'function' || typeof o.logger.debug !== 'function')) {
    throw new InvalidOptionError('logger', 'must have warn and debug methods');
  }
  return {
    store, domains, realm: o.realm, users, listenHost, listenPort, transports, sentByHost: sip.sentByHost,
    timers: sip.timers, userAgent, registrar: o.registrar, profiles, attemptTimeoutMs, retryDelaysMs, maxDocumentBytes,
    maxInFlight, reconcileOnStart, closeGraceMs, destination, buttonPressAllow: new Set(allow), ownKeysOnly, keyLimits: o.keyLimits,
    maxAuthFailures, authFailureWindowMs,
    commands, logger: o.logger, now,
  };
}

function checkProfile(p: ProfileOptions, i: number, names: Set<string>): void {
  const at = `profiles[${i}]`;
  if (typeof p !== 'object' || p === null) throw new InvalidOptionError(at, 'must be an object');
  if (typeof p.name !== 'string' || !NAME.test(p.name)) {
    throw new InvalidOptionError(`${at}.name`, "must be 1..64 letters, digits, '_', '.', '-' (starting with a letter or digit)");
  }
  if (names.has(p.name)) throw new InvalidOptionError(`${at}.name`, `repeats the profile ${p.name}`);
  names.add(p.name);
  if (p.route !== 'embedded' && p.route !== 'proxy' && p.route !== 'freeswitch') {
    throw new InvalidOptionError(`${at}.route`, "must be 'embedded', 'proxy' or 'freeswitch'");
  }
  if (p.bodyFormat !== undefined && p.bodyFormat !== 'x-buttons' && p.bodyFormat !== 'mod_snom') {
    throw new InvalidOptionError(`${at}.bodyFormat`, "must be 'x-buttons' or 'mod_snom'");
  }
  const impl = p.implementation;
  if (impl !== undefined) {
    if (typeof impl !== 'object' || impl === null || typeof impl.deliver !== 'function' || typeof impl.contacts !== 'function') {
      throw new InvalidOptionError(`${at}.implementation`, 'must implement Route (contacts, deliver)');
    }
    return;
  }
  if (p.route === 'freeswitch') {
    throw new InvalidOptionError(`${at}.implementation`, 'a freeswitch profile needs its Route: a FreeswitchRoute over an Event Socket connection (src/service/freeswitch-route.ts)');
  }
  if (p.route === 'proxy') {
    const proxy = p.proxy;
    if (proxy === undefined || typeof proxy !== 'object') throw new InvalidOptionError(`${at}.proxy`, 'is required for the proxy route');
    const host = text(`${at}.proxy.host`, proxy.host);
    if (!/^(\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]+|[A-Za-z0-9.-]+)$/.test(host)) throw new InvalidOptionError(`${at}.proxy.host`, 'must be a host name or IP address');
    if (proxy.port !== undefined) whole(`${at}.proxy.port`, proxy.port, 1, 65535);
    if (proxy.transport !== undefined && proxy.transport !== 'udp' && proxy.transport !== 'tcp') {
      throw new InvalidOptionError(`${at}.proxy.transport`, "must be 'udp' or 'tcp'");
    }
    if ((proxy.username === undefined) !== (proxy.password === undefined)) {
      throw new InvalidOptionError(`${at}.proxy.username`, 'username and password go together');
    }
    if (proxy.username !== undefined) text(`${at}.proxy.username`, proxy.username);
    if (proxy.password !== undefined && typeof proxy.password !== 'string') throw new InvalidOptionError(`${at}.proxy.password`, 'must be a string');
  }
}
