// The shape of a validated snomctl configuration and its defaults (docs/configuration.md).
import { SnomError } from '../../util/errors.js';
import type { PhoneRecord } from '../../store/phone-table.js';

/** pino's levels, plus `silent`. */
export const LOG_LEVELS = Object.freeze(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const);
/** A log level name. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** An IP address and a port (0 = any free port). */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** A registrar user: `user:secret` or an object. */
export interface UserConfig {
  readonly user: string;
  readonly password: string;
  readonly domain?: string;
}

/** Another SIP server keys are sent through (route `proxy`). */
export interface ProxyConfig {
  readonly host: string;
  readonly port?: number;
  readonly transport?: 'udp' | 'tcp';
  readonly username?: string;
  readonly password?: string;
}

/** A profile: mod_snom's `<profile>` argument. */
export interface ProfileConfig {
  readonly name: string;
  readonly route: 'embedded' | 'proxy' | 'freeswitch';
  readonly bodyFormat?: 'x-buttons' | 'mod_snom';
  readonly proxy?: ProxyConfig;
  /** Route `freeswitch`: the sofia profile the phones register on; default the profile's name. */
  readonly sofiaProfile?: string;
}

/** FreeSWITCH's inbound Event Socket (mod_event_socket), for profiles whose route is `freeswitch`. */
export interface FreeswitchConfig {
  readonly host: string;
  readonly port: number;
  /** event_socket.conf.xml `password`. Never logged. */
  readonly password: string;
  readonly connectTimeoutMs?: number;
  readonly commandTimeoutMs?: number;
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
}

/** A phone's web server (the inventory used by `snom_command` for phones that are not registered). */
export type PhoneConfig = Omit<PhoneRecord, 'updatedAt'>;

/** A validated configuration with defaults applied. */
export interface SnomctlConfig {
  readonly dataDir: string;
  readonly logLevel: LogLevel;
  readonly domains: readonly string[];
  readonly realm?: string;
  readonly sip: {
    readonly listen: ListenAddress;
    readonly transports: readonly ('udp' | 'tcp')[];
    readonly sentByHost?: string;
  };
  readonly users: readonly UserConfig[];
  readonly profiles: readonly ProfileConfig[];
  readonly phones: readonly PhoneConfig[];
  readonly api: {
    readonly listen: ListenAddress;
    readonly tokens: readonly string[];
    /** Networks (CIDR) whose phones may call the Action URL route without `?token=`. */
    readonly trustedNetworks: readonly string[];
    /** Seconds between SSE heartbeat comments. */
    readonly heartbeatS: number;
    /** Events kept for SSE replay (`Last-Event-ID`, `?since=`, `?replay=`). */
    readonly eventBufferSize: number;
  };
  readonly delivery: {
    readonly attemptTimeoutMs?: number;
    readonly retryDelaysMs?: readonly number[];
    readonly maxInFlight?: number;
    readonly closeGraceMs?: number;
    readonly maxDocumentBytes?: number;
  };
  readonly registrar: {
    readonly minExpires?: number;
    readonly defaultExpires?: number;
    readonly maxExpires?: number;
    readonly maxContacts?: number;
  };
  /** Present when configured; required (with a password) when a profile's route is `freeswitch`. */
  readonly freeswitch?: FreeswitchConfig;
  readonly commands: {
    readonly concurrency?: number;
    readonly web: { readonly scheme?: 'http' | 'https'; readonly port?: number; readonly insecureTls?: boolean };
  };
}

/** Defaults of SnomctlConfig (domains default to the host's name and addresses, see defaultDomains). */
export const CONFIG_DEFAULTS = Object.freeze({
  dataDir: './.snomctl',
  logLevel: 'info',
  sipListen: Object.freeze({ host: '0.0.0.0', port: 5060 }),
  transports: Object.freeze(['udp', 'tcp'] as const),
  apiListen: Object.freeze({ host: '127.0.0.1', port: 8088 }),
  heartbeatS: 15,
  eventBufferSize: 1000,
  profiles: Object.freeze([Object.freeze({ name: 'internal', route: 'embedded' as const })]),
  freeswitchHost: '127.0.0.1',
  freeswitchPort: 8021,
});

/** Where a bad value came from. */
export type ConfigSource = 'file' | 'env' | 'flag' | 'config';

/** One bad configuration value: its key as a JSON path (`profiles[1].route`) and what is allowed. */
export class ConfigError extends SnomError<'SNOM_ERR_CONFIG'> {
  readonly key: string;
  readonly source: ConfigSource;

  constructor(key: string, problem: string, source: ConfigSource) {
    super('SNOM_ERR_CONFIG', `${key}: ${problem}`);
    this.name = 'ConfigError';
    this.key = key;
    this.source = source;
  }
}
