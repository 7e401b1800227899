// GET /healthz, /metrics, /openapi.json.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from './app.js';
import { METRICS_CONTENT_TYPE } from './metrics-registry.js';
import { documentedRoutes, openApiDocument } from './openapi.js';

/** The API's version, as the OpenAPI document states it. */
export const API_VERSION = '1.0.0';

/** Registers the system routes. */
export function systemRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/healthz', {
    config: { auth: 'public', summary: 'liveness: SIP listeners, store, route connections (FreeSWITCH), uptime; 503 when degraded' },
    schema: { querystring: { type: 'object', additionalProperties: false, properties: {} } },
  }, async (_request, reply) => {
    const s = ctx.service;
    let store: 'ok' | 'error' = 'ok';
    try {
      s.store.phones.get('healthz', 'healthz.invalid');
    } catch {
      store = 'error';
    }
    const sip = s.sipAddress;
    const routes = s.routeHealth();
    const status = s.state === 'running' && store === 'ok' && routes.every((r) => r.up) ? 'ok' : 'degraded';
    return reply.code(status === 'ok' ? 200 : 503).send({
      status,
      sip: sip === undefined ? { state: s.state } : { state: s.state, host: sip.host, udpPort: sip.udpPort ?? null, tcpPort: sip.tcpPort ?? null },
      store,
      ...(routes.length === 0 ? {} : {
        routes: routes.map((r) => ({
          kind: r.kind, id: r.id, profiles: r.profiles, state: r.state, up: r.up,
          ...(r.since === undefined ? {} : { since: new Date(r.since).toISOString() }),
          ...(r.lastError === undefined ? {} : { lastError: r.lastError }),
          reconnects: r.reconnects,
        })),
      }),
      uptimeS: Math.floor((ctx.now() - ctx.startedAt) / 1000),
    });
  });

  app.get('/metrics', {
    config: { summary: 'Prometheus text exposition' },
    schema: { querystring: { type: 'object', additionalProperties: false, properties: {} } },
  }, async (_request, reply) => reply.type(METRICS_CONTENT_TYPE).send(ctx.metrics.registry.render()));

  app.get('/openapi.json', {
    config: { auth: 'public', summary: 'this document' },
    schema: { querystring: { type: 'object', additionalProperties: false, properties: {} } },
  }, () => openApiDocument(documentedRoutes(ctx.routes), API_VERSION));
}
