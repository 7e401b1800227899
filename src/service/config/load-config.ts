// loadConfig: JSON file < SNOMCTL_* environment < command-line flags, validated into a SnomctlConfig.
import { readFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { err, InvalidOptionError, ok, type Result } from '../../util/errors.js';
import { resolveRegistrarOptions } from '../../registrar/registrar-options.js';
import type { Route } from '../route.js';
import { resolveServiceOptions, type ServiceOptions } from '../service-options.js';
import { ConfigError, LOG_LEVELS, type SnomctlConfig } from './config-types.js';
import { isToken, parseHostPort, parseListen, parseUserSpec, splitList, TOKEN_RULE } from './config-values.js';
import { validateConfig } from './validate-config.js';

/** The serve command's flags (commander's camel-cased option values). */
export interface ConfigFlags {
  readonly config?: string;
  readonly dataDir?: string;
  readonly sipListen?: string;
  readonly apiListen?: string;
  readonly domain?: readonly string[];
  readonly user?: readonly string[];
  readonly token?: readonly string[];
  readonly logLevel?: string;
  /** FreeSWITCH's Event Socket, `host:port`. */
  readonly freeswitch?: string;
}

/** Inputs of loadConfig. */
export interface LoadConfigInput {
  /** The JSON file; default `flags.config`, then `env.SNOMCTL_CONFIG`; none: defaults only. */
  readonly file?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly flags?: ConfigFlags;
  /** Domains when none are configured; default the host's name and every interface address. */
  readonly defaultDomains?: readonly string[];
  /** Reads the file (tests); default fs.readFileSync as UTF-8. */
  readonly readFile?: (path: string) => string;
}

/** The environment variables loadConfig reads, by the flag they stand for. */
export const CONFIG_ENV = Object.freeze({
  config: 'SNOMCTL_CONFIG',
  dataDir: 'SNOMCTL_DATA_DIR',
  sipListen: 'SNOMCTL_SIP_LISTEN',
  apiListen: 'SNOMCTL_API_LISTEN',
  domain: 'SNOMCTL_DOMAIN',
  user: 'SNOMCTL_USERS',
  token: 'SNOMCTL_TOKENS',
  logLevel: 'SNOMCTL_LOG_LEVEL',
  freeswitch: 'SNOMCTL_FREESWITCH',
  /** No flag: a password on the command line is visible to every local user. */
  freeswitchPassword: 'SNOMCTL_FREESWITCH_PASSWORD',
});

/** The host's name and addresses: who phones may register to when no domain is configured. */
export function hostDomains(): string[] {
  const out = new Set<string>([hostname()]);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address.replace(/%.*$/, ''));
  return [...out].filter((d) => d !== '');
}

type Layer = Record<string, unknown>;

/**
 * Loads, merges and validates the configuration. Every problem is reported, each naming its key (a JSON
 * path, an environment variable or a flag) and what is allowed. Lists given by env or flags replace the
 * file's list. Never throws.
 */
export function loadConfig(input: LoadConfigInput = {}): Result<SnomctlConfig, ConfigError[]> {
  const env = input.env ?? {};
  const flags = input.flags ?? {};
  const errors: ConfigError[] = [];
  const file = input.file ?? flags.config ?? nonEmpty(env[CONFIG_ENV.config]);
  let merged: Layer = {};
  if (file !== undefined) {
    const read = input.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
    let text: string | undefined;
    try {
      text = read(file);
    } catch (e) {
      errors.push(new ConfigError('(file)', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, 'file'));
    }
    if (text !== undefined) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) errors.push(new ConfigError('(top level)', 'must be a JSON object', 'file'));
        else merged = { ...(parsed as Layer) };
      } catch (e) {
        errors.push(new ConfigError('(file)', `${file} is not valid JSON: ${(e as Error).message}`, 'file'));
      }
    }
  }
  const envLayer = {
    dataDir: nonEmpty(env[CONFIG_ENV.dataDir]), sipListen: nonEmpty(env[CONFIG_ENV.sipListen]), apiListen: nonEmpty(env[CONFIG_ENV.apiListen]),
    domain: listOf(env[CONFIG_ENV.domain]), user: listOf(env[CONFIG_ENV.user]), token: listOf(env[CONFIG_ENV.token]), logLevel: nonEmpty(env[CONFIG_ENV.logLevel]),
    freeswitch: nonEmpty(env[CONFIG_ENV.freeswitch]), freeswitchPassword: env[CONFIG_ENV.freeswitchPassword] === '' ? undefined : env[CONFIG_ENV.freeswitchPassword],
  };
  overlay(merged, envLayer, (name) => CONFIG_ENV[name], 'env', errors);
  overlay(merged, flags, (name) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, 'flag', errors);
  if (errors.length > 0) return err(errors);

  const validated = validateConfig(merged, input.defaultDomains ?? hostDomains());
  if (validated.config === undefined) return err(validated.errors);
  const c = validated.config;
  try {
    resolveServiceOptions(serviceOptionsFromConfig(c, Object.fromEntries(c.profiles.filter((p) => p.route === 'freeswitch').map((p) => [p.name, CHECK_ONLY_ROUTE]))));
  } catch (e) {
    if (e instanceof InvalidOptionError) return err([new ConfigError(e.option, e.message.replace(/^invalid option \S+: /, ''), 'config')]);
    throw e;
  }
  try {
    resolveRegistrarOptions({ ...c.registrar, domains: c.domains, ...(c.realm === undefined ? {} : { realm: c.realm }), users: () => undefined });
  } catch (e) {
    if (e instanceof InvalidOptionError) {
      const key = e.option === 'domains' || e.option === 'realm' ? e.option : `registrar.${e.option}`;
      return err([new ConfigError(key, e.message.replace(/^invalid option \S+: /, ''), 'config')]);
    }
    throw e;
  }
  return ok(validated.config);
}

/** Writes one layer (env or flags) over the merged object, checking each value's format. */
function overlay(target: Layer, layer: ConfigFlags & { readonly freeswitchPassword?: string }, keyOf: (name: keyof typeof CONFIG_ENV) => string, source: 'env' | 'flag', errors: ConfigError[]): void {
  const section = (name: string): Layer => {
    const cur = target[name];
    const copy: Layer = typeof cur === 'object' && cur !== null && !Array.isArray(cur) ? { ...(cur as Layer) } : {};
    target[name] = copy;
    return copy;
  };
  if (layer.dataDir !== undefined) target.dataDir = layer.dataDir;
  if (layer.logLevel !== undefined) {
    if ((LOG_LEVELS as readonly string[]).includes(layer.logLevel)) target.logLevel = layer.logLevel;
    else errors.push(new ConfigError(keyOf('logLevel'), `must be one of ${LOG_LEVELS.join(', ')}`, source));
  }
  for (const [name, sect] of [['sipListen', 'sip'], ['apiListen', 'api']] as const) {
    const v = layer[name];
    if (v === undefined) continue;
    const p = parseListen(v);
    if (p.ok) section(sect).listen = v;
    else errors.push(new ConfigError(keyOf(name), p.error, source));
  }
  if (layer.freeswitch !== undefined) {
    const p = parseHostPort(layer.freeswitch);
    if (p.ok) Object.assign(section('freeswitch'), p.value);
    else errors.push(new ConfigError(keyOf('freeswitch'), p.error, source));
  }
  if (layer.freeswitchPassword !== undefined) section('freeswitch').password = layer.freeswitchPassword;
  if (layer.domain !== undefined && layer.domain.length > 0) target.domains = [...layer.domain];
  if (layer.user !== undefined && layer.user.length > 0) {
    const users: string[] = [];
    layer.user.forEach((u, i) => {
      const parsed = parseUserSpec(u);
      if (parsed.ok) users.push(u);
      else errors.push(new ConfigError(`${keyOf('user')}[${i}]`, parsed.error, source));
    });
    target.users = users;
  }
  if (layer.token !== undefined && layer.token.length > 0) {
    layer.token.forEach((t, i) => {
      if (!isToken(t)) errors.push(new ConfigError(`${keyOf('token')}[${i}]`, TOKEN_RULE, source));
    });
    section('api').tokens = [...layer.token];
  }
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}

function listOf(v: string | undefined): string[] | undefined {
  const t = nonEmpty(v);
  return t === undefined ? undefined : splitList(t);
}

/** The store file inside the data directory. */
export function storePath(config: SnomctlConfig): string {
  return join(config.dataDir, 'snomctl.db');
}

/** Stands in for the FreeSWITCH routes while loadConfig checks the service options (never delivers). */
const CHECK_ONLY_ROUTE: Route = {
  kind: 'freeswitch',
  contacts: () => ({ contacts: [], reason: 'not connected' }),
  deliver: (_t, contact) => Promise.resolve({ ok: false, error: 'unavailable', message: 'not connected', destination: contact.destination, latencyMs: 0 }),
};

/**
 * createService options for a configuration (without store, logger and commands, which serve adds).
 * `routes` gives the Route of profiles that need one made outside (route `freeswitch`: FreeswitchRoute).
 */
export function serviceOptionsFromConfig(config: SnomctlConfig, routes: Readonly<Record<string, Route>> = {}): ServiceOptions {
  const reg = config.registrar;
  return {
    domains: config.domains,
    ...(config.realm === undefined ? {} : { realm: config.realm }),
    users: config.users.map((u) => ({ user: u.user, password: u.password, ...(u.domain === undefined ? {} : { domain: u.domain }) })),
    sip: {
      listen: { host: config.sip.listen.host, port: config.sip.listen.port }, transports: config.sip.transports,
      ...(config.sip.sentByHost === undefined ? {} : { sentByHost: config.sip.sentByHost }),
    },
    ...(Object.keys(reg).length === 0 ? {} : { registrar: { ...reg } }),
    profiles: config.profiles.map((p) => ({
      name: p.name, route: p.route,
      // a freeswitch profile sends mod_snom's own bytes unless told otherwise (a drop-in for mod_snom)
      ...(p.bodyFormat === undefined ? (p.route === 'freeswitch' ? { bodyFormat: 'mod_snom' as const } : {}) : { bodyFormat: p.bodyFormat }),
      ...(p.proxy === undefined ? {} : { proxy: { ...p.proxy } }),
      ...(routes[p.name] === undefined ? {} : { implementation: routes[p.name] }),
    })),
    delivery: { ...config.delivery },
  };
}
