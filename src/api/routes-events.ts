// GET /v1/events (Server-Sent Events with ids, a replay buffer and resumption) and GET /v1/action-url/:event.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { BusEvent, ServiceEventMap } from '../service/index.js';
import { InvalidOptionError } from '../util/errors.js';
import { ActionUrlReceiver } from '../service/commands/action-url-receiver.js';
import { identifyByRegistration } from '../service/commands/registrar-locations.js';
import { ApiError, actionUrlErrorCode } from './api-errors.js';
import type { AppContext } from './app.js';
import { actionUrlParams, EVENTS_DESCRIPTION, eventsQuery } from './schemas.js';

/** Bytes queued on a slow SSE client before its stream is ended. */
const MAX_BUFFERED = 1024 * 1024;
/** Default of BuildAppOptions.eventBufferSize. */
export const DEFAULT_EVENT_BUFFER = 1000;
const MAX_EVENT_BUFFER = 1_000_000;

/** The SSE type name of a service event. */
export function sseType(event: BusEvent<ServiceEventMap>): string {
  switch (event.type) {
    case 'registration': return event.data.type;
    case 'buttonPress': return 'button-press';
    default: return event.type;
  }
}

/** `user@host` (host lowercase) an event's payload is about: `user` with `host`/`domain`, or `phone.user@phone.domain`. */
export function eventAor(data: unknown): string | undefined {
  const d = data as { user?: unknown; host?: unknown; domain?: unknown; phone?: { user?: unknown; domain?: unknown } } | null;
  if (d === null || typeof d !== 'object') return undefined;
  const host = typeof d.host === 'string' ? d.host : d.domain;
  if (typeof d.user === 'string' && typeof host === 'string') return `${d.user}@${host.toLowerCase()}`;
  const p = d.phone;
  if (p !== undefined && p !== null && typeof p.user === 'string' && typeof p.domain === 'string') return `${p.user}@${p.domain.toLowerCase()}`;
  return undefined;
}

/** One published event: its sequence number, SSE type, phone and the whole SSE frame (`id:`, `event:`, `data:`). */
export interface LoggedEvent {
  readonly seq: number;
  readonly type: string;
  readonly aor: string | undefined;
  readonly frame: string;
}

/** Where a resumption id leads: the events after it, or a reset because they are not all kept. */
export type Resumption =
  | { readonly ok: true; readonly events: readonly LoggedEvent[] }
  | { readonly ok: false; readonly reason: 'unknown-id' | 'too-old' };

/**
 * The events of one service run, numbered 1, 2, … with ids `<run>-<seq>` (`run`: random per log, so ids of
 * an earlier process are unknown), the last `capacity` kept in a ring for replay; subscribers get each
 * event as it is appended.
 */
export class EventLog {
  readonly run: string;
  readonly #capacity: number;
  readonly #ring: (LoggedEvent | undefined)[];
  readonly #listeners = new Set<(e: LoggedEvent) => void>();
  #seq = 0;

  constructor(capacity: number, run = randomBytes(6).toString('hex')) {
    if (!Number.isSafeInteger(capacity) || capacity < 0 || capacity > MAX_EVENT_BUFFER) throw new InvalidOptionError('eventBufferSize', `must be a whole number from 0 to ${MAX_EVENT_BUFFER}`);
    this.#capacity = capacity;
    this.#ring = new Array<LoggedEvent | undefined>(capacity);
    this.run = run;
  }

  /** The id of the newest event (`<run>-0` before the first). */
  get lastId(): string {
    return this.id(this.#seq);
  }

  /** The SSE id of sequence number `seq`. */
  id(seq: number): string {
    return `${this.run}-${seq}`;
  }

  /** Numbers, keeps and publishes an event. */
  append(type: string, data: unknown): LoggedEvent {
    const seq = ++this.#seq;
    const e: LoggedEvent = { seq, type, aor: eventAor(data), frame: `id: ${this.id(seq)}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n` };
    if (this.#capacity > 0) this.#ring[seq % this.#capacity] = e;
    for (const l of [...this.#listeners]) {
      try {
        l(e);
      } catch {
        // one stream's failure does not keep the event from the others
      }
    }
    return e;
  }

  /** Calls `listener` with every event appended from now on, until the returned function is called. */
  subscribe(listener: (e: LoggedEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** The kept events, oldest first. */
  kept(): LoggedEvent[] {
    const oldest = Math.max(1, this.#seq - this.#capacity + 1);
    const out: LoggedEvent[] = [];
    for (let s = oldest; s <= this.#seq; s++) out.push(this.#ring[s % this.#capacity]!);
    return out;
  }

  /** The events after id `lastId` (a `Last-Event-ID`), or why they cannot all be given. */
  resume(lastId: string): Resumption {
    const dash = lastId.lastIndexOf('-');
    const seqText = lastId.slice(dash + 1);
    if (dash < 0 || lastId.slice(0, dash) !== this.run || !/^(?:0|[1-9][0-9]{0,15})$/.test(seqText)) return { ok: false, reason: 'unknown-id' };
    const seq = Number(seqText);
    if (seq > this.#seq) return { ok: false, reason: 'unknown-id' };
    const oldest = Math.max(1, this.#seq - this.#capacity + 1);
    if (seq < oldest - 1) return { ok: false, reason: 'too-old' };
    return { ok: true, events: this.kept().slice(seq - oldest + 1) };
  }
}

/** What a client asked for besides the live events. */
interface StreamRequest {
  readonly wanted: ReadonlySet<string> | undefined;
  readonly phone: string | undefined;
  readonly resumeFrom: string | undefined;
  readonly replay: number | undefined;
}

function streamRequest(query: { types?: string; phone?: string; since?: string; replay?: string }, lastEventId: string | string[] | undefined): StreamRequest {
  const header = Array.isArray(lastEventId) ? lastEventId[0] : lastEventId;
  const at = query.phone?.lastIndexOf('@') ?? -1;
  return {
    wanted: query.types === undefined ? undefined : new Set(query.types.split(',')),
    phone: query.phone === undefined ? undefined : `${query.phone.slice(0, at)}@${query.phone.slice(at + 1).toLowerCase()}`,
    // the header wins: a reconnecting EventSource still has its first URL's ?since=
    resumeFrom: header !== undefined && header !== '' ? header : query.since,
    replay: query.replay === undefined ? undefined : Number(query.replay),
  };
}

/** Registers the event stream and the Action URL receiver. */
export function eventRoutes(app: FastifyInstance, ctx: AppContext): void {
  const streams = new Set<() => void>();
  const heartbeatMs = ctx.options.heartbeatMs ?? 15_000;
  const log = new EventLog(ctx.options.eventBufferSize ?? DEFAULT_EVENT_BUFFER);
  const offService = ctx.service.events.onAny((e) => void log.append(sseType(e), e.data));
  const offLocal = ctx.actionUrls.on('action-url', (e) => void log.append('action-url', e));
  app.addHook('preClose', (done) => {
    for (const end of [...streams]) end();
    done();
  });
  app.addHook('onClose', (_instance, done) => {
    offService();
    offLocal();
    done();
  });

  app.get('/v1/events', {
    config: { summary: 'Server-Sent Events with ids; Last-Event-ID or ?since= resumes, ?replay=N sends recent history', description: EVENTS_DESCRIPTION, produces: 'text/event-stream' },
    schema: { querystring: eventsQuery },
  }, (request, reply) => {
    const want = streamRequest(request.query as { types?: string; phone?: string; since?: string; replay?: string }, request.headers['last-event-id']);
    const matches = (e: LoggedEvent): boolean => (want.wanted === undefined || want.wanted.has(e.type)) && (want.phone === undefined || e.aor === want.phone);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    let ended = false;
    let allowance = MAX_BUFFERED;
    const write = (text: string): void => {
      if (ended) return;
      if (res.writableLength > allowance) {
        request.log.warn({ route: '/v1/events' }, 'SSE client too slow; stream ended');
        end();
        return;
      }
      res.write(text);
    };
    // the replay and the subscription happen in one turn: no event falls between them
    let head = ': connected\n\n';
    if (want.resumeFrom !== undefined) {
      const r = log.resume(want.resumeFrom);
      if (r.ok) {
        const events = r.events.filter(matches);
        head += events.map((e) => e.frame).join('') + control('replayed', undefined, { count: events.length, lastId: log.lastId });
      } else {
        head += control('reset', log.lastId, { reason: r.reason, lastId: log.lastId });
      }
    } else if (want.replay !== undefined) {
      const events = want.replay === 0 ? [] : log.kept().filter(matches).slice(-want.replay);
      head += events.map((e) => e.frame).join('') + control('replayed', undefined, { count: events.length, lastId: log.lastId });
    }
    // a long replay is not the client's slowness
    allowance += Buffer.byteLength(head);
    res.write(head);
    const offLog = log.subscribe((e) => {
      if (matches(e)) write(e.frame);
    });
    const heartbeat = setInterval(() => write(': heartbeat\n\n'), heartbeatMs);
    heartbeat.unref();
    const cleanup = (): void => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      offLog();
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

/** A control event (`reset`, `replayed`): never filtered; `id` only on reset (the point to resume from). */
function control(type: string, id: string | undefined, data: unknown): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}
