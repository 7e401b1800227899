// Options of FreeswitchConnection: defaults and the constructor's checks.
import { InvalidOptionError } from '../util/errors.js';
import { findControlChar } from '../util/text.js';
import type { EslFrameLimits } from './esl-frame.js';

/** A pino-compatible logger subset. Never given the password or command arguments. */
export interface EslLogger {
  debug(details: object, message: string): void;
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** How events are delivered (`event plain …` or `event json …`). */
export type EslEventFormat = 'plain' | 'json';

/** Options of a FreeswitchConnection; every field has a default in FREESWITCH_CONNECTION_DEFAULTS. */
export interface FreeswitchConnectionOptions {
  /** mod_event_socket's listen-ip. */
  readonly host?: string;
  /** mod_event_socket's listen-port. */
  readonly port?: number;
  /** event_socket.conf.xml `password` (FreeSWITCH's own default is ClueCon; set yours). */
  readonly password?: string;
  /** Limit for TCP connect, the auth/request greeting and the auth reply together. */
  readonly connectTimeoutMs?: number;
  /** Default limit per command, from the call until its reply (queue wait included). */
  readonly commandTimeoutMs?: number;
  /** First delay before reconnecting; doubles per failed attempt. */
  readonly reconnectMinMs?: number;
  /** Largest delay between attempts. */
  readonly reconnectMaxMs?: number;
  /** Event encoding asked for. */
  readonly eventFormat?: EslEventFormat;
  readonly logger?: EslLogger;
  /** Framing bounds (largest header block and body). */
  readonly frameLimits?: Partial<EslFrameLimits>;
  /** Jitter source for reconnect delays (tests pass a constant). */
  readonly random?: () => number;
}

/** Defaults of FreeswitchConnectionOptions. */
export const FREESWITCH_CONNECTION_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 8021,
  password: 'ClueCon',
  connectTimeoutMs: 5_000,
  commandTimeoutMs: 5_000,
  reconnectMinMs: 500,
  reconnectMaxMs: 30_000,
  eventFormat: 'plain',
});

/** The options with defaults filled in, after checking. */
export interface ResolvedConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly password: string;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly eventFormat: EslEventFormat;
  readonly logger: EslLogger | undefined;
  readonly frameLimits: Partial<EslFrameLimits>;
  readonly random: (() => number) | undefined;
}

/** Checks and completes the options; throws InvalidOptionError (never naming the password's value). */
export function resolveConnectionOptions(options: FreeswitchConnectionOptions = {}): ResolvedConnectionOptions {
  const d = FREESWITCH_CONNECTION_DEFAULTS;
  const host = options.host ?? d.host;
  if (typeof host !== 'string' || host === '' || findControlChar(host) || /\s/.test(host)) {
    throw new InvalidOptionError('host', 'must be a host name or IP address');
  }
  const port = whole('port', options.port ?? d.port, 1, 65_535);
  const password = options.password ?? d.password;
  if (typeof password !== 'string' || password === '' || findControlChar(password)) {
    throw new InvalidOptionError('password', 'must be a non-empty string without control characters');
  }
  const connectTimeoutMs = whole('connectTimeoutMs', options.connectTimeoutMs ?? d.connectTimeoutMs, 1, 600_000);
  const commandTimeoutMs = whole('commandTimeoutMs', options.commandTimeoutMs ?? d.commandTimeoutMs, 1, 3_600_000);
  const reconnectMinMs = whole('reconnectMinMs', options.reconnectMinMs ?? d.reconnectMinMs, 1, 3_600_000);
  const reconnectMaxMs = whole('reconnectMaxMs', options.reconnectMaxMs ?? d.reconnectMaxMs, 1, 3_600_000);
  if (reconnectMaxMs < reconnectMinMs) throw new InvalidOptionError('reconnectMaxMs', 'must not be below reconnectMinMs');
  const eventFormat = options.eventFormat ?? d.eventFormat;
  if (eventFormat !== 'plain' && eventFormat !== 'json') throw new InvalidOptionError('eventFormat', "must be 'plain' or 'json'");
  if (options.random !== undefined && typeof options.random !== 'function') throw new InvalidOptionError('random', 'must be a function');
  return {
    host,
    port,
    password,
    connectTimeoutMs,
    commandTimeoutMs,
    reconnectMinMs,
    reconnectMaxMs,
    eventFormat,
    logger: options.logger,
    frameLimits: options.frameLimits ?? {},
    random: options.random,
  };
}

/** Checks a timeout given to one command; undefined means the default. */
export function commandTimeout(value: number | undefined, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  return Number.isSafeInteger(value) && value >= 1 && value <= 3_600_000 ? value : undefined;
}

function whole(name: string, value: unknown, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    throw new InvalidOptionError(name, `must be a whole number from ${min} to ${max}`);
  }
  return value as number;
}
