// GET /v1/events (Server-Sent Events) and GET /v1/action-url/:event (phones' Action URLs).
import type { FastifyInstance } from 'fastify';
import type { BusEvent, ServiceEventMap } from '../service/index.js';
import { ActionUrlReceiver } from '../service/commands/action-url-receiver.js';
import { identifyByRegistration } from '../service/commands/registrar-locations.js';
import { ApiError, actionUrlErrorCode } from './api-errors.js';
import type { AppContext } from './app.js';
import { actionUrlParams, EVENT_TYPES, eventsQuery } from './schemas.js';

/** Bytes queued on a slow SSE client before its stream is ended. */
const MAX_BUFFERED = 1024 * 1024;

/** The SSE type name of a service event. */
export function sseType(event: BusEvent<ServiceEventMap>): string {
  switch (event.type) {
    case 'registration': return event.data.type;
    case 'buttonPress': return 'button-press';
    default: return event.type;
  }
}

/** Registers the event stream and the Action URL receiver. */
export function eventRoutes(app: FastifyInstance, ctx: AppContext): void {
  const streams = new Set<() => void>();
  const heartbeatMs = ctx.options.heartbeatMs ?? 15_000;
  app.addHook('preClose', (done) => {
    for (const end of [...streams]) end();
    done();
  });

  app.get('/v1/events', {
    config: { summary: `Server-Sent Events (${EVENT_TYPES.join(', ')}); ?types=a,b filters` },
    schema: { querystring: eventsQuery },
  }, (request, reply) => {
    const typesText = (request.query as { types?: string }).types;
    const wanted = typesText === undefined ? undefined : new Set(typesText.split(','));
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': connected\n\n');
    let ended = false;
    const send = (type: string, data: unknown): void => {
      if (ended || (wanted !== undefined && !wanted.has(type))) return;
      if (res.writableLength > MAX_BUFFERED) {
        request.log.warn({ route: '/v1/events' }, 'SSE client too slow; stream ended');
        end();
        return;
      }
      res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const offService = ctx.service.events.onAny((e) => send(sseType(e), e.data));
    const offLocal = ctx.actionUrls.on('action-url', (e) => send('action-url', e));
    const heartbeat = setInterval(() => {
      if (!ended) res.write(': heartbeat\n\n');
    }, heartbeatMs);
    heartbeat.unref();
    const cleanup = (): void => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      offService();
      offLocal();
      streams.delete(end);
    };
    const end = (): void => {
      cleanup();
      res.end();
    };
    streams.add(end);
    res.on('close', cleanup);
  });

  const receiver = new ActionUrlReceiver({ basePath: '/v1/action-url/', now: ctx.now, identify: identifyByRegistration(ctx.service.registrar) });
  app.get('/v1/action-url/:event', {
    config: { auth: 'action-url', summary: "a phone's Action URL: ?token=<token> or a trusted network; the query's variables are passed on as an action-url event" },
    schema: { params: actionUrlParams },
  }, (request) => {
    const url = request.raw.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1).split('&').filter((part) => part.split('=', 1)[0] !== 'token').join('&');
    const answer = receiver.handle('GET', path, rawQuery, request.ip);
    if (answer.status !== 200) throw new ApiError(actionUrlErrorCode(answer.error.code), answer.error.message);
    ctx.actionUrls.emit('action-url', answer.event);
    return { ok: true, event: answer.event.event };
  });
}
