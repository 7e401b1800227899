// buildApp: the fastify app of the REST API (built, not started: main/serve listens; tests inject()).
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, type RouteOptions } from 'fastify';
import { EventBus, type Service } from '../service/index.js';
import type { ActionUrlEvent } from '../service/commands/action-url-events.js';
import type { CommandService } from '../service/commands/command-service.js';
import { ApiError, toErrorReply } from './api-errors.js';
import { TokenCheck } from './token-check.js';
import { createServiceMetrics, type ServiceMetrics } from './service-metrics.js';
import { keyRoutes } from './routes-keys.js';
import { commandRoutes } from './routes-commands.js';
import { eventRoutes } from './routes-events.js';
import { systemRoutes } from './routes-system.js';
import { dashboardRoutes } from './routes-dashboard.js';

/** Options of buildApp. */
export interface BuildAppOptions {
  readonly service: Service;
  /** Bearer tokens; none: no authentication (serve only allows that on loopback). */
  readonly tokens?: readonly string[];
  /** A pino logger (redaction is the caller's: see createServeLogger); default no logging. */
  readonly logger?: FastifyBaseLogger;
  /** The CommandService behind `snom_command` (POST /v1/commands); undefined answers 503. */
  readonly commands?: () => CommandService | undefined;
  /** Networks whose phones may call the Action URL route without `?token=`. */
  readonly trustedNetworks?: readonly string[];
  /** Checks an address against trustedNetworks (inTrustedNetworks from service/config). */
  readonly inNetworks?: (networks: readonly string[], address: string) => boolean;
  /** SSE heartbeat comment interval (ms); default 15000. */
  readonly heartbeatMs?: number;
  /** Redacts a mod_snom line before it is logged (redactApiLine); default: only the command name is logged. */
  readonly redactLine?: (line: string) => string;
  /** Wall clock (ms); default Date.now. */
  readonly now?: () => number;
  /** Recent events kept for replay on GET /v1/events (`Last-Event-ID`, `?since=`, `?replay=`); default 1000, 0 keeps none. */
  readonly eventBufferSize?: number;
  /** Folder of the built dashboard served at `/`; default `<package root>/dist/dashboard`. */
  readonly dashboardDir?: string;
}

/** What the route modules share. */
export interface AppContext {
  readonly service: Service;
  readonly options: BuildAppOptions;
  readonly metrics: ServiceMetrics;
  readonly routes: RouteOptions[];
  readonly startedAt: number;
  readonly now: () => number;
  readonly tokens: TokenCheck;
  /** Action URL calls received by this app (published on the SSE stream as `action-url`). */
  readonly actionUrls: EventBus<{ 'action-url': ActionUrlEvent }>;
}

/** Per-route auth: `token` (default), `public`, or `action-url` (`?token=` or a trusted network). */
export type RouteAuth = 'token' | 'public' | 'action-url';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
}

/**
 * Builds the REST API over a service (see docs/rest-api and the contract): every route has a JSON
 * schema, errors answer `{ error: { code, message } }` with the status from api-errors' map, and
 * closing the app ends SSE streams and stops metrics listeners (the service is the caller's to close).
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const now = options.now ?? Date.now;
  const app = Fastify({
    ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    return503OnClosing: true,
  }) as unknown as FastifyInstance;
  const ctx: AppContext = {
    service: options.service, options, metrics: createServiceMetrics(options.service), routes: [], startedAt: now(), now,
    tokens: new TokenCheck(options.tokens ?? []),
    actionUrls: new EventBus<{ 'action-url': ActionUrlEvent }>((error) => options.logger?.warn({ err: error }, 'action-url listener failed')),
  };
  app.addHook('onRoute', (route) => {
    ctx.routes.push(route);
  });
  app.addHook('onRequest', (request, _reply, done) => {
    done(authError(ctx, request));
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unknown';
    const seconds = reply.elapsedTime / 1000;
    ctx.metrics.http(request.method, route, reply.statusCode, seconds);
    request.log.info({ method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime), remote: request.ip }, 'request');
    done();
  });
  app.setErrorHandler(async (error, request, reply) => {
    const { status, body } = toErrorReply(error);
    ctx.metrics.errors.inc({ code: body.error.code });
    if (status >= 500 && status !== 503) request.log.error({ err: error }, 'request failed');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler(async (request, reply) => {
    ctx.metrics.errors.inc({ code: 'SNOM_ERR_NOT_FOUND' });
    return reply.code(404).send({ error: { code: 'SNOM_ERR_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });
  app.addHook('onClose', (_instance, done) => {
    ctx.metrics.close();
    done();
  });

  systemRoutes(app, ctx);
  keyRoutes(app, ctx);
  commandRoutes(app, ctx);
  eventRoutes(app, ctx);
  dashboardRoutes(app, ctx);
  await app.ready();
  return app;
}

/** Why a request may not pass (undefined: it may). */
function authError(ctx: AppContext, request: FastifyRequest): ApiError | undefined {
  const auth = request.routeOptions.config.auth ?? 'token';
  if (auth === 'public' || !ctx.tokens.enabled) return undefined;
  if (auth === 'action-url') {
    const query = request.query as Record<string, unknown> | undefined;
    const given = typeof query?.token === 'string' ? query.token : undefined;
    const trusted = ctx.options.inNetworks?.(ctx.options.trustedNetworks ?? [], request.ip) ?? false;
    if (trusted || (given !== undefined && ctx.tokens.check(given))) return undefined;
    return new ApiError('SNOM_ERR_UNAUTHORIZED', 'give ?token=<token> or call from a trusted network');
  }
  const header = request.headers.authorization;
  const m = typeof header === 'string' ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
  if (!m) return new ApiError('SNOM_ERR_UNAUTHORIZED', 'missing bearer token (Authorization: Bearer <token>)');
  if (!ctx.tokens.check(m[1]!)) return new ApiError('SNOM_ERR_UNAUTHORIZED', 'wrong bearer token');
  return undefined;
}
