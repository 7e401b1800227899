// `snomctl serve`: configuration → service → REST API → listen; graceful stop on SIGINT/SIGTERM.
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Command, Option } from 'commander';
import { pino, type Logger } from 'pino';
import { buildApp } from './api/app.js';
import { commandSeamFactory } from './service/commands/command-seam-factory.js';
import {
  CONFIG_ENV, formatListen, inTrustedNetworks, LOG_LEVELS, loadConfig, serviceOptionsFromConfig, storePath, type ConfigFlags, type SnomctlConfig,
} from './service/config/index.js';
import { FreeswitchAdapter } from './esl/freeswitch-adapter.js';
import { FreeswitchConnection } from './esl/freeswitch-connection.js';
import { FreeswitchRoute } from './service/freeswitch-route.js';
import { createService, type Service } from './service/index.js';
import type { Route } from './service/route.js';
import { redactApiLine } from './snom/mod-snom-reply.js';

/** Where serve writes and what stops it (tests inject their own). */
export interface ServeIo {
  /** Status lines for people and scripts (where it listens); one line each, no trailing LF. */
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves with the signal's name when serve should stop; default the first SIGINT or SIGTERM. */
  readonly stopSignal?: () => Promise<string>;
  /** Where JSON log lines go; default stderr. */
  readonly logDestination?: NodeJS.WritableStream;
}

const KEYS = /^(password|passwd|secret|token|tokens|authorization|ha1|credentials)$/i;
const REDACTED = '[redacted]';

/** A deep copy of a log object with secrets replaced: password/token/authorization keys anywhere, mod_snom lines. */
export function redactLogObject(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => redactLogObject(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (KEYS.test(k)) out[k] = REDACTED;
    else if (k === 'line' && typeof v === 'string') out[k] = redactApiLine(v);
    else out[k] = redactLogObject(v, depth + 1);
  }
  return out;
}

/** The pino logger of serve: JSON lines, secrets redacted (see redactLogObject). */
export function createServeLogger(level: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino({
    level,
    base: { name: 'snomctl' },
    formatters: { log: (object) => redactLogObject(object) as Record<string, unknown> },
  }, destination);
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      // a second signal while stopping ends the process at once
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** The running parts, for stop(). */
interface Running {
  readonly service: Service;
  readonly close: () => Promise<void>;
}

/** The Event Socket connection and the routes of the freeswitch profiles (none without such a profile). */
interface FreeswitchParts {
  readonly connection: FreeswitchConnection;
  readonly adapter: FreeswitchAdapter;
  readonly routes: Readonly<Record<string, Route>>;
  /** snomctl profile → sofia profile. */
  readonly sofia: Readonly<Record<string, string>>;
}

/** Builds the connection (not started) and one FreeswitchRoute per freeswitch profile; logs state changes, never the password. */
function freeswitchParts(config: SnomctlConfig, logger: Logger): FreeswitchParts | undefined {
  const profiles = config.profiles.filter((p) => p.route === 'freeswitch');
  const fs = config.freeswitch;
  if (profiles.length === 0 || fs === undefined) return undefined;
  const log = logger.child({ component: 'esl' });
  const connection = new FreeswitchConnection({
    host: fs.host, port: fs.port, password: fs.password, logger: log,
    ...(fs.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: fs.connectTimeoutMs }),
    ...(fs.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: fs.commandTimeoutMs }),
    ...(fs.reconnectMinMs === undefined ? {} : { reconnectMinMs: fs.reconnectMinMs }),
    ...(fs.reconnectMaxMs === undefined ? {} : { reconnectMaxMs: fs.reconnectMaxMs }),
  });
  connection.onStateChange((state, previous) => {
    const details = { address: connection.address, state, previous, ...(connection.stats.lastError === undefined ? {} : { reason: connection.stats.lastError }) };
    if (state === 'connected' || state === 'closed') log.info(details, 'FreeSWITCH Event Socket state');
    else log.warn(details, 'FreeSWITCH Event Socket state');
  });
  const adapter = new FreeswitchAdapter({ connection });
  const routes: Record<string, Route> = {};
  const sofia: Record<string, string> = {};
  for (const p of profiles) {
    const route = new FreeswitchRoute({ profile: p.name, ...(p.sofiaProfile === undefined ? {} : { sofiaProfile: p.sofiaProfile }), connection, adapter, logger: log });
    routes[p.name] = route;
    sofia[p.name] = route.sofiaProfile;
  }
  return { connection, adapter, routes, sofia };
}

/**
 * The dialplan bridge (docs/freeswitch.md §6): each `snom::api` event runs its mod_snom line on the
 * service and is answered with `snom::api-result`; a request that cannot be read is answered `-ERR`.
 */
function serveDialplan(adapter: FreeswitchAdapter, service: Service, logger: Logger): () => void {
  return adapter.onDialplanRequest((request) => {
    void (async () => {
      let reply: { requestId: string; reply: string; channelUuid?: string } | undefined;
      if (!request.ok) {
        if (request.error.requestId !== undefined) {
          reply = { requestId: request.error.requestId, reply: `-ERR ${request.error.message}`, ...(request.error.channelUuid === undefined ? {} : { channelUuid: request.error.channelUuid }) };
        }
      } else {
        const r = service.state === 'running' ? (await service.api(request.value.commandLine)).reply : '-ERR snomctl is not running';
        reply = { requestId: request.value.requestId, reply: r, ...(request.value.channelUuid === undefined ? {} : { channelUuid: request.value.channelUuid }) };
      }
      if (reply === undefined) return;
      const sent = await adapter.replyToDialplan(reply);
      if (!sent.ok) logger.warn({ requestId: reply.requestId, reason: sent.error.message }, 'snom::api-result not sent');
    })().catch((error: unknown) => logger.error({ err: error }, 'dialplan request failed'));
  });
}

/** Starts everything for a configuration; prints where it listens. Rejects (after releasing what it bound) on failure. */
export async function startServe(config: SnomctlConfig, io: ServeIo, logger: Logger): Promise<Running> {
  mkdirSync(config.dataDir, { recursive: true });
  const fs = freeswitchParts(config, logger);
  const factory = commandSeamFactory({
    web: config.commands.web,
    profiles: Object.fromEntries(config.profiles.map((p) => [p.name, p.route])),
    ...(config.commands.concurrency === undefined ? {} : { concurrency: config.commands.concurrency }),
    ...(fs === undefined ? {} : { freeswitch: { lookup: fs.adapter, profiles: fs.sofia } }),
    logger,
  });
  const service = createService({
    ...serviceOptionsFromConfig(config, fs?.routes ?? {}),
    store: storePath(config),
    logger,
    commands: factory,
  });
  let stopDialplan: (() => void) | undefined;
  const closeFreeswitch = async (): Promise<void> => {
    stopDialplan?.();
    await fs?.connection.close();
  };
  try {
    for (const p of config.phones) service.store.phones.put(p);
    if (fs !== undefined) {
      logger.info({ address: fs.connection.address, profiles: fs.sofia }, 'connecting to FreeSWITCH');
      fs.connection.start();
    }
    await service.start();
    if (fs !== undefined) stopDialplan = serveDialplan(fs.adapter, service, logger);
  } catch (error) {
    await service.close();
    await closeFreeswitch();
    throw error;
  }
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  try {
    app = await buildApp({
      service, tokens: config.api.tokens, logger, commands: () => service.commands, trustedNetworks: config.api.trustedNetworks,
      inNetworks: inTrustedNetworks, heartbeatMs: config.api.heartbeatS * 1000,
      eventBufferSize: config.api.eventBufferSize, redactLine: redactApiLine,
    });
    await app.listen({ host: config.api.listen.host, port: config.api.listen.port });
  } catch (error) {
    await app?.close();
    await service.close();
    await closeFreeswitch();
    throw error;
  }
  const sip = service.sipAddress!;
  const api = app.server.address() as AddressInfo;
  const host = (h: string, port: number): string => formatListen({ host: h, port });
  if (sip.udpPort !== undefined) io.out(`sip udp ${host(sip.host, sip.udpPort)}`);
  if (sip.tcpPort !== undefined) io.out(`sip tcp ${host(sip.host, sip.tcpPort)}`);
  if (fs !== undefined) io.out(`freeswitch ${fs.connection.address} ${fs.connection.state}`);
  io.out(`api http://${host(api.address, api.port)}`);
  io.out(`dashboard http://${host(api.address, api.port)}/`);
  io.out('ready');
  logger.info({ sip, api: { address: api.address, port: api.port }, dataDir: config.dataDir, profiles: service.profiles }, 'snomctl serve ready');
  const started = app;
  return {
    service,
    close: async () => {
      await started.close();
      await service.close();
      await closeFreeswitch();
    },
  };
}

/** Runs serve until the stop signal; resolves with the exit code (0 after a clean stop, 1 start failure, 2 bad configuration). */
export async function runServe(flags: ConfigFlags, io: ServeIo): Promise<number> {
  const loaded = loadConfig({ env: io.env, flags });
  if (!loaded.ok) {
    for (const e of loaded.error) io.err(`snomctl serve: configuration: ${e.message}`);
    return 2;
  }
  const config = loaded.value;
  const logger = createServeLogger(config.logLevel, io.logDestination);
  const stopped = (io.stopSignal ?? waitForSignal)();
  let running: Running;
  try {
    running = await startServe(config, io, logger);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.error({ err: error }, 'start failed');
    io.err(`snomctl serve: could not start: ${message}`);
    return 1;
  }
  const signal = await stopped;
  logger.info({ signal }, 'stopping');
  io.err(`${signal}: stopping`);
  await running.close();
  logger.info({}, 'stopped');
  return 0;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The `serve` command (commander). */
export function serveCommand(io?: ServeIo): Command {
  const cmd = new Command('serve')
    .summary('run the service: SIP registrar, key delivery, REST API')
    .description('Runs the snomctl service until SIGINT/SIGTERM. Settings: JSON file < SNOMCTL_* environment < flags (docs/configuration.md).')
    .option('--config <file>', `JSON configuration file (env ${CONFIG_ENV.config})`)
    .option('--data-dir <dir>', `directory of the SQLite store (env ${CONFIG_ENV.dataDir}; default ./.snomctl)`)
    .option('--sip-listen <host:port>', `SIP UDP+TCP address (env ${CONFIG_ENV.sipListen}; default 0.0.0.0:5060)`)
    .option('--api-listen <host:port>', `REST API address (env ${CONFIG_ENV.apiListen}; default 127.0.0.1:8088)`)
    .option('--freeswitch <host:port>', `FreeSWITCH's Event Socket for freeswitch profiles (env ${CONFIG_ENV.freeswitch}; password: env ${CONFIG_ENV.freeswitchPassword} or the file)`)
    .option('--domain <name>', `a domain the registrar serves; repeatable (env ${CONFIG_ENV.domain}, comma-separated)`, collect)
    .option('--user <user:password>', `a registrar user; repeatable (env ${CONFIG_ENV.user}, comma-separated)`, collect)
    .option('--token <token>', `an API bearer token; repeatable (env ${CONFIG_ENV.token}, comma-separated)`, collect)
    .addOption(new Option('--log-level <level>', `log level (env ${CONFIG_ENV.logLevel}; default info)`).choices(LOG_LEVELS))
    .addHelpText('after', `
Examples:
  $ snomctl serve --domain pbx.example.com --user 2000:secret
  $ snomctl serve --config /etc/snomctl/config.json --api-listen 0.0.0.0:8088 --token "$(cat /etc/snomctl/token)"

Prints "sip udp HOST:PORT", "sip tcp HOST:PORT", "api http://HOST:PORT", "dashboard http://HOST:PORT/" and "ready" on stdout when listening;
JSON logs go to stderr. Exit codes: 0 stopped by a signal, 1 could not start, 2 bad configuration.`)
    .action(async (opts: ConfigFlags) => {
      const actual: ServeIo = io ?? {
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
        env: process.env,
      };
      const code = await runServe(opts, actual);
      process.exitCode = code;
      // everything is closed; a handle a dependency forgot must not keep a stopped service alive
      if (io === undefined) setTimeout(() => process.exit(code), 3000).unref();
    });
  return cmd;
}
