// Field-by-field validation of a configuration object (the JSON file merged with env and flags).
import type { ConfigSource, FreeswitchConfig, ListenAddress, LogLevel, PhoneConfig, ProfileConfig, ProxyConfig, SnomctlConfig, UserConfig } from './config-types.js';
import { CONFIG_DEFAULTS, ConfigError, LOG_LEVELS } from './config-types.js';
import { isHostName, isLoopback, isNetwork, isToken, isUserName, isWebAddress, parseListen, parseUserSpec, TOKEN_RULE } from './config-values.js';
import { findControlChar } from '../../util/text.js';
import { FREESWITCH_CONNECTION_DEFAULTS } from '../../esl/connection-options.js';

type Obj = Readonly<Record<string, unknown>>;

/** Collects errors while reading one object. */
class Reader {
  readonly errors: ConfigError[] = [];
  constructor(readonly source: ConfigSource) {}

  fail(key: string, problem: string): undefined {
    this.errors.push(new ConfigError(key, problem, this.source));
    return undefined;
  }

  /** An object with only `allowed` keys; unknown keys are errors. */
  object(key: string, value: unknown, allowed: readonly string[]): Obj | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return this.fail(key || '(top level)', 'must be an object');
    for (const k of Object.keys(value)) {
      if (!allowed.includes(k)) this.fail(join(key, k), `unknown key; allowed keys here: ${allowed.join(', ')}`);
    }
    return value as Obj;
  }

  text(key: string, value: unknown, max = 256): string | undefined {
    if (typeof value !== 'string' || value === '' || value.length > max || findControlChar(value) !== undefined) {
      return this.fail(key, `must be a non-empty string of at most ${max} characters without control characters`);
    }
    return value;
  }

  whole(key: string, value: unknown, min: number, max: number): number | undefined {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) return this.fail(key, `must be a whole number from ${min} to ${max}`);
    return value;
  }

  bool(key: string, value: unknown): boolean | undefined {
    if (typeof value !== 'boolean') return this.fail(key, 'must be true or false');
    return value;
  }

  oneOf<T extends string>(key: string, value: unknown, allowed: readonly T[]): T | undefined {
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) return this.fail(key, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
    return value as T;
  }

  array(key: string, value: unknown, max: number): readonly unknown[] | undefined {
    if (!Array.isArray(value)) return this.fail(key, 'must be an array');
    if (value.length > max) return this.fail(key, `must have at most ${max} items`);
    return value as unknown[];
  }

  listen(key: string, value: unknown): ListenAddress | undefined {
    const r = parseListen(value);
    return r.ok ? r.value : this.fail(key, r.error);
  }
}

function join(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

const TOP = ['$schema', 'dataDir', 'logLevel', 'domains', 'realm', 'sip', 'users', 'profiles', 'phones', 'api', 'delivery', 'registrar', 'commands', 'freeswitch'];

/**
 * Validates a raw configuration object and applies defaults. Every problem is reported (not only the
 * first), each naming its key as a JSON path and what is allowed. `defaultDomains` fill in absent domains.
 */
export function validateConfig(raw: unknown, defaultDomains: readonly string[], source: ConfigSource = 'config'): { config?: SnomctlConfig; errors: ConfigError[] } {
  const r = new Reader(source);
  const o = r.object('', raw, TOP);
  if (o === undefined) return { errors: r.errors };

  const dataDir = o.dataDir === undefined ? CONFIG_DEFAULTS.dataDir : r.text('dataDir', o.dataDir, 4096);
  const logLevel = o.logLevel === undefined ? CONFIG_DEFAULTS.logLevel : r.oneOf<LogLevel>('logLevel', o.logLevel, LOG_LEVELS);
  let domains: string[] = [...defaultDomains];
  if (o.domains !== undefined) {
    const list = r.array('domains', o.domains, 64);
    if (list !== undefined && list.length === 0) r.fail('domains', 'must name at least one domain');
    domains = (list ?? []).map((d, i) => (isHostName(d) ? d : r.fail(`domains[${i}]`, 'must be a host name or IP address'))).filter((d): d is string => d !== undefined);
  }
  const realm = o.realm === undefined ? undefined : r.text('realm', o.realm);

  const sipRaw = o.sip === undefined ? {} : r.object('sip', o.sip, ['listen', 'transports', 'sentByHost']);
  const sipListen = sipRaw?.listen === undefined ? CONFIG_DEFAULTS.sipListen : r.listen('sip.listen', sipRaw.listen);
  let transports: readonly ('udp' | 'tcp')[] = CONFIG_DEFAULTS.transports;
  if (sipRaw?.transports !== undefined) {
    const list = r.array('sip.transports', sipRaw.transports, 2) ?? [];
    if (list.length === 0) r.fail('sip.transports', "must list 'udp', 'tcp' or both");
    transports = list.map((t, i) => r.oneOf(`sip.transports[${i}]`, t, ['udp', 'tcp'] as const)).filter((t) => t !== undefined);
  }
  const sentByHost = sipRaw?.sentByHost === undefined ? undefined : isHostName(sipRaw.sentByHost) ? sipRaw.sentByHost : r.fail('sip.sentByHost', 'must be a host name or IP address');

  const users = o.users === undefined ? [] : (r.array('users', o.users, 100_000) ?? []).map((u, i) => user(r, `users[${i}]`, u)).filter((u) => u !== undefined);
  const profiles = o.profiles === undefined ? CONFIG_DEFAULTS.profiles : profileList(r, o.profiles);
  const phones = o.phones === undefined ? [] : (r.array('phones', o.phones, 100_000) ?? []).map((p, i) => phone(r, `phones[${i}]`, p)).filter((p) => p !== undefined);

  const apiRaw = o.api === undefined ? {} : r.object('api', o.api, ['listen', 'tokens', 'trustedNetworks', 'heartbeatS', 'eventBufferSize']);
  const apiListen = apiRaw?.listen === undefined ? CONFIG_DEFAULTS.apiListen : r.listen('api.listen', apiRaw.listen);
  const tokens = apiRaw?.tokens === undefined ? [] : (r.array('api.tokens', apiRaw.tokens, 64) ?? []).map((t, i) => (isToken(t) ? t : r.fail(`api.tokens[${i}]`, TOKEN_RULE))).filter((t) => t !== undefined);
  const trustedNetworks = apiRaw?.trustedNetworks === undefined ? [] : (r.array('api.trustedNetworks', apiRaw.trustedNetworks, 256) ?? [])
    .map((n, i) => (isNetwork(n) ? n : r.fail(`api.trustedNetworks[${i}]`, 'must be an IP address or a CIDR network (10.0.0.0/8, fd00::/8)'))).filter((n) => n !== undefined);
  const heartbeatS = apiRaw?.heartbeatS === undefined ? CONFIG_DEFAULTS.heartbeatS : r.whole('api.heartbeatS', apiRaw.heartbeatS, 1, 3600);
  const eventBufferSize = apiRaw?.eventBufferSize === undefined ? CONFIG_DEFAULTS.eventBufferSize : r.whole('api.eventBufferSize', apiRaw.eventBufferSize, 0, 1_000_000);
  if (apiListen !== undefined && !isLoopback(apiListen.host) && tokens.length === 0) {
    r.fail('api.tokens', `the API listens on ${apiListen.host}, beyond loopback: give at least one token (--token, SNOMCTL_TOKENS or api.tokens), or listen on 127.0.0.1`);
  }

  const delivery = tunables(r, 'delivery', o.delivery, {
    attemptTimeoutMs: [1, 600_000], maxInFlight: [1, 100_000], closeGraceMs: [0, 600_000], maxDocumentBytes: [64, 60_000],
  }, ['retryDelaysMs']);
  if (delivery !== undefined && typeof o.delivery === 'object' && o.delivery !== null && 'retryDelaysMs' in o.delivery) {
    const list = r.array('delivery.retryDelaysMs', (o.delivery as Obj).retryDelaysMs, 20);
    delivery.retryDelaysMs = list?.map((ms, i) => r.whole(`delivery.retryDelaysMs[${i}]`, ms, 0, 3_600_000) ?? 0);
  }
  const registrar = tunables(r, 'registrar', o.registrar, {
    minExpires: [1, 3600], defaultExpires: [1, 604_800], maxExpires: [1, 604_800], maxContacts: [1, 100],
  });
  const commandsRaw = o.commands === undefined ? {} : r.object('commands', o.commands, ['concurrency', 'web']);
  const concurrency = commandsRaw?.concurrency === undefined ? undefined : r.whole('commands.concurrency', commandsRaw.concurrency, 1, 1024);
  const webRaw = commandsRaw?.web === undefined ? {} : r.object('commands.web', commandsRaw.web, ['scheme', 'port', 'insecureTls']);
  const web = {
    ...(webRaw?.scheme === undefined ? {} : { scheme: r.oneOf('commands.web.scheme', webRaw.scheme, ['http', 'https'] as const) }),
    ...(webRaw?.port === undefined ? {} : { port: r.whole('commands.web.port', webRaw.port, 1, 65535) }),
    ...(webRaw?.insecureTls === undefined ? {} : { insecureTls: r.bool('commands.web.insecureTls', webRaw.insecureTls) }),
  };

  const needsFreeswitch = profiles.some((p) => p.route === 'freeswitch');
  const freeswitch = o.freeswitch === undefined
    ? (needsFreeswitch ? r.fail('freeswitch.password', `is required when a profile's route is 'freeswitch' (event_socket.conf.xml's password; or ${FREESWITCH_PASSWORD_ENV})`) : undefined)
    : freeswitchSettings(r, o.freeswitch, needsFreeswitch);

  if (r.errors.length > 0) return { errors: r.errors };
  const config: SnomctlConfig = {
    dataDir: dataDir!, logLevel: logLevel!, domains, ...(realm === undefined ? {} : { realm }),
    sip: { listen: sipListen!, transports, ...(sentByHost === undefined ? {} : { sentByHost }) },
    users, profiles, phones,
    api: { listen: apiListen!, tokens, trustedNetworks, heartbeatS: heartbeatS!, eventBufferSize: eventBufferSize! },
    delivery: delivery ?? {}, registrar: registrar ?? {},
    commands: { ...(concurrency === undefined ? {} : { concurrency }), web: web },
    ...(freeswitch === undefined ? {} : { freeswitch }),
  };
  return { config, errors: [] };
}

function tunables(r: Reader, key: string, value: unknown, ranges: Readonly<Record<string, [number, number]>>, extra: readonly string[] = []): Record<string, unknown> | undefined {
  if (value === undefined) return {};
  const o = r.object(key, value, [...Object.keys(ranges), ...extra]);
  if (o === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const [name, [min, max]] of Object.entries(ranges)) {
    if (o[name] !== undefined) out[name] = r.whole(`${key}.${name}`, o[name], min, max);
  }
  return out;
}

function user(r: Reader, key: string, value: unknown): UserConfig | undefined {
  if (typeof value === 'string') {
    const p = parseUserSpec(value);
    return p.ok ? p.value : r.fail(key, p.error);
  }
  const o = r.object(key, value, ['user', 'password', 'domain']);
  if (o === undefined) return undefined;
  const name = isUserName(o.user) ? o.user : r.fail(`${key}.user`, "must be 1..64 characters of a SIP user part (no ':', '@' or blanks)");
  const password = r.text(`${key}.password`, o.password, 1024);
  const domain = o.domain === undefined ? undefined : isHostName(o.domain) ? o.domain : r.fail(`${key}.domain`, 'must be a host name or IP address');
  if (name === undefined || password === undefined) return undefined;
  return { user: name, password, ...(domain === undefined ? {} : { domain }) };
}

function profileList(r: Reader, value: unknown): ProfileConfig[] {
  const list = r.array('profiles', value, 256) ?? [];
  if (Array.isArray(value) && list.length === 0) r.fail('profiles', 'must list at least one profile');
  const seen = new Set<string>();
  const out: ProfileConfig[] = [];
  list.forEach((p, i) => {
    const key = `profiles[${i}]`;
    const o = r.object(key, p, ['name', 'route', 'bodyFormat', 'proxy', 'sofiaProfile']);
    if (o === undefined) return;
    const name = typeof o.name === 'string' && /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(o.name) ? o.name
      : r.fail(`${key}.name`, "must be 1..64 letters, digits, '_', '.', '-' (starting with a letter or digit)");
    if (name !== undefined && seen.has(name)) r.fail(`${key}.name`, `repeats the profile '${name}'`);
    if (name !== undefined) seen.add(name);
    const route = r.oneOf(`${key}.route`, o.route, ['embedded', 'proxy', 'freeswitch'] as const);
    const bodyFormat = o.bodyFormat === undefined ? undefined : r.oneOf(`${key}.bodyFormat`, o.bodyFormat, ['x-buttons', 'mod_snom'] as const);
    let proxy: ProxyConfig | undefined;
    if (route === 'proxy' && o.proxy === undefined) r.fail(`${key}.proxy`, "is required when route is 'proxy'");
    if (route !== undefined && route !== 'proxy' && o.proxy !== undefined) r.fail(`${key}.proxy`, "is only allowed when route is 'proxy'");
    let sofiaProfile: string | undefined;
    if (o.sofiaProfile !== undefined) {
      if (route !== undefined && route !== 'freeswitch') r.fail(`${key}.sofiaProfile`, "is only allowed when route is 'freeswitch'");
      else if (typeof o.sofiaProfile === 'string' && SOFIA_PROFILE.test(o.sofiaProfile)) sofiaProfile = o.sofiaProfile;
      else r.fail(`${key}.sofiaProfile`, "must be a sofia profile name: 1..64 letters, digits, '_', '.', '-' (starting with a letter or digit)");
    }
    if (route === 'proxy' && o.proxy !== undefined) proxy = proxySettings(r, `${key}.proxy`, o.proxy);
    if (name === undefined || route === undefined) return;
    out.push({
      name, route, ...(bodyFormat === undefined ? {} : { bodyFormat }), ...(proxy === undefined ? {} : { proxy }),
      ...(sofiaProfile === undefined ? {} : { sofiaProfile }),
    });
  });
  return out;
}

const SOFIA_PROFILE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The environment variable named in the missing-password error (load-config reads it). */
const FREESWITCH_PASSWORD_ENV = 'SNOMCTL_FREESWITCH_PASSWORD';

function freeswitchSettings(r: Reader, value: unknown, needed: boolean): FreeswitchConfig | undefined {
  const key = 'freeswitch';
  const o = r.object(key, value, ['host', 'port', 'password', 'connectTimeoutMs', 'commandTimeoutMs', 'reconnectMinMs', 'reconnectMaxMs']);
  if (o === undefined) return undefined;
  const host = o.host === undefined ? CONFIG_DEFAULTS.freeswitchHost : isHostName(o.host) ? o.host : r.fail(`${key}.host`, 'must be a host name or IP address');
  const port = o.port === undefined ? CONFIG_DEFAULTS.freeswitchPort : r.whole(`${key}.port`, o.port, 1, 65535);
  let password: string | undefined;
  if (o.password === undefined) {
    if (needed) r.fail(`${key}.password`, `is required when a profile's route is 'freeswitch' (event_socket.conf.xml's password; or ${FREESWITCH_PASSWORD_ENV})`);
  } else {
    // the value never appears in a message
    password = r.text(`${key}.password`, o.password, 1024);
  }
  const ranges: ReadonlyArray<[string, number, number]> = [
    ['connectTimeoutMs', 1, 600_000], ['commandTimeoutMs', 1, 3_600_000], ['reconnectMinMs', 1, 3_600_000], ['reconnectMaxMs', 1, 3_600_000],
  ];
  const tunable: Record<string, number> = {};
  for (const [name, min, max] of ranges) {
    if (o[name] === undefined) continue;
    const v = r.whole(`${key}.${name}`, o[name], min, max);
    if (v !== undefined) tunable[name] = v;
  }
  const min = tunable.reconnectMinMs ?? FREESWITCH_CONNECTION_DEFAULTS.reconnectMinMs;
  if ((tunable.reconnectMaxMs ?? FREESWITCH_CONNECTION_DEFAULTS.reconnectMaxMs) < min) r.fail(`${key}.reconnectMaxMs`, `must not be below reconnectMinMs (${min}); the default is ${FREESWITCH_CONNECTION_DEFAULTS.reconnectMaxMs}`);
  if (host === undefined || port === undefined || password === undefined) return undefined;
  return { host, port, password, ...tunable };
}

function proxySettings(r: Reader, key: string, value: unknown): ProxyConfig | undefined {
  const o = r.object(key, value, ['host', 'port', 'transport', 'username', 'password']);
  if (o === undefined) return undefined;
  const host = isHostName(o.host) ? o.host : r.fail(`${key}.host`, 'must be a host name or IP address');
  const port = o.port === undefined ? undefined : r.whole(`${key}.port`, o.port, 1, 65535);
  const transport = o.transport === undefined ? undefined : r.oneOf(`${key}.transport`, o.transport, ['udp', 'tcp'] as const);
  const username = o.username === undefined ? undefined : r.text(`${key}.username`, o.username);
  const password = o.password === undefined ? undefined : r.text(`${key}.password`, o.password, 1024);
  if ((o.username === undefined) !== (o.password === undefined)) r.fail(`${key}.username`, 'username and password go together');
  if (host === undefined) return undefined;
  return {
    host, ...(port === undefined ? {} : { port }), ...(transport === undefined ? {} : { transport }),
    ...(username === undefined ? {} : { username }), ...(password === undefined ? {} : { password }),
  };
}

function phone(r: Reader, key: string, value: unknown): PhoneConfig | undefined {
  const o = r.object(key, value, ['user', 'domain', 'webAddress', 'scheme', 'username', 'password', 'insecureTls']);
  if (o === undefined) return undefined;
  const name = isUserName(o.user) ? o.user : r.fail(`${key}.user`, "must be 1..64 characters of a SIP user part (no ':', '@' or blanks)");
  const domain = isHostName(o.domain) ? o.domain : r.fail(`${key}.domain`, 'must be a host name or IP address');
  const webAddress = isWebAddress(o.webAddress) ? o.webAddress : r.fail(`${key}.webAddress`, 'must be HOST or HOST:PORT (IPv6 in brackets)');
  const scheme = o.scheme === undefined ? 'http' : r.oneOf(`${key}.scheme`, o.scheme, ['http', 'https'] as const);
  const username = o.username === undefined ? undefined : r.text(`${key}.username`, o.username);
  const password = o.password === undefined ? undefined : r.text(`${key}.password`, o.password, 1024);
  const insecureTls = o.insecureTls === undefined ? false : r.bool(`${key}.insecureTls`, o.insecureTls);
  if (name === undefined || domain === undefined || webAddress === undefined || scheme === undefined || insecureTls === undefined) return undefined;
  return {
    user: name, domain, webAddress, scheme, insecureTls,
    ...(username === undefined ? {} : { username }), ...(password === undefined ? {} : { password }),
  };
}
