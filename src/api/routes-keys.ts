// POST /v1/keys, GET /v1/phones, GET /v1/phones/:aor/keys, POST /v1/phones/:aor/resync.
import type { FastifyInstance } from 'fastify';
import type { BindKeyRequest, Service } from '../service/index.js';
import type { RouteKind } from '../service/route.js';
import { ApiError } from './api-errors.js';
import type { AppContext } from './app.js';
import { aorParams, bindKeysBody, phonesResponse, profileQuery } from './schemas.js';

type Aor = { user: string; host: string };

function splitAor(aor: string): Aor {
  const at = aor.lastIndexOf('@');
  return { user: aor.slice(0, at), host: aor.slice(at + 1).toLowerCase() };
}

function profileOf(service: Service, query: { profile?: string }): string {
  return query.profile ?? service.profiles[0]!;
}

/** Whether the service knows anything of `user@host`: a registration, an inventory entry or desired keys. */
function known(service: Service, profile: string, a: Aor): boolean {
  if (service.registrar.contactsOf(a.user, a.host).length > 0) return true;
  if (service.store.phones.get(a.user, a.host) !== undefined) return true;
  return service.keyStatus({ profile, ...a }).length > 0;
}

/** A profile a phone belongs to (GET /v1/phones `profiles`). */
export interface PhoneProfile {
  readonly name: string;
  readonly route: RouteKind;
  /** Desired keys stored for the phone under the profile. */
  readonly keys: number;
}

/** Owners per store page while counting desired keys. */
const OWNER_PAGE = 500;

/** Desired keys per `user@host` per profile (one pass over each profile's owners). */
function keyCounts(service: Service): Map<string, Map<string, number>> {
  const counts = new Map<string, Map<string, number>>();
  for (const name of service.profiles) {
    let after: { user: string; host: string } | undefined;
    for (;;) {
      const page = service.store.keys.ownerKeySets(name, after, OWNER_PAGE);
      for (const o of page) {
        const aor = `${o.user}@${o.host}`;
        let m = counts.get(aor);
        if (m === undefined) counts.set(aor, (m = new Map<string, number>()));
        m.set(name, o.keys.length);
      }
      if (page.length < OWNER_PAGE) break;
      after = page[page.length - 1]!;
    }
  }
  return counts;
}

/**
 * The phones the service knows: registered contacts, the inventory and phones holding desired keys (never
 * a password). Each lists its `profiles` with their route kind: those holding keys for it and, when it is
 * registered here, every embedded-route profile; `profile` is the first of them (or the first configured).
 */
export function listPhones(service: Service): unknown[] {
  const byAor = new Map<string, { user: string; host: string; contacts: unknown[]; inventory?: unknown }>();
  const entry = (user: string, host: string) => {
    const key = `${user}@${host}`;
    let e = byAor.get(key);
    if (!e) byAor.set(key, (e = { user, host, contacts: [] }));
    return e;
  };
  for (const b of service.registrar.bindings()) {
    entry(b.user, b.domain).contacts.push({
      uri: b.contact, source: { transport: b.transport, address: b.address, port: b.port },
      ...(b.userAgent === undefined ? {} : { userAgent: b.userAgent }), expiresAt: b.expiresAt,
    });
  }
  for (const p of service.store.phones.list()) {
    entry(p.user, p.domain).inventory = {
      webAddress: p.webAddress, scheme: p.scheme, insecureTls: p.insecureTls,
      ...(p.username === undefined ? {} : { username: p.username }), hasPassword: p.password !== undefined,
    };
  }
  const counts = keyCounts(service);
  for (const aor of counts.keys()) {
    const at = aor.lastIndexOf('@');
    entry(aor.slice(0, at), aor.slice(at + 1));
  }
  const routes = service.options.profiles.map((p) => ({ name: p.name, route: p.implementation?.kind ?? p.route }));
  return [...byAor.values()].map((e) => {
    let last: { at: number } | undefined;
    for (const name of service.profiles) {
      for (const r of service.store.keys.deliveries(name, e.user, e.host)) if (last === undefined || r.at > last.at) last = r;
    }
    const keys = counts.get(`${e.user}@${e.host}`);
    const profiles: PhoneProfile[] = [];
    for (const p of routes) {
      const n = keys?.get(p.name) ?? 0;
      if (n > 0 || (p.route === 'embedded' && e.contacts.length > 0)) profiles.push({ name: p.name, route: p.route, keys: n });
    }
    return {
      user: e.user, host: e.host, profile: profiles[0]?.name ?? service.profiles[0]!, profiles, contacts: e.contacts,
      ...(e.inventory === undefined ? {} : { inventory: e.inventory }), ...(last === undefined ? {} : { lastDelivery: last }),
    };
  });
}

/** Registers the key and phone routes. */
export function keyRoutes(app: FastifyInstance, ctx: AppContext): void {
  const service = ctx.service;
  app.post('/v1/keys', { config: { summary: 'set keys of user@host under a profile and deliver them' }, schema: { body: bindKeysBody } }, async (request) => {
    const body = request.body as BindKeyRequest;
    return service.bindKey({ profile: body.profile, user: body.user, host: body.host, keys: body.keys });
  });

  app.get('/v1/phones', { config: { summary: 'registered phones, the inventory and phones holding keys, each with its profiles and their route kinds', response: phonesResponse }, schema: { querystring: { type: 'object', additionalProperties: false, properties: {} } } }, () => ({ phones: listPhones(service) }));

  app.get('/v1/phones/:aor/keys', {
    config: { summary: 'desired keys of user@host and their delivery state' },
    schema: { params: aorParams, querystring: profileQuery },
  }, (request) => {
    const a = splitAor((request.params as { aor: string }).aor);
    const profile = profileOf(service, request.query as { profile?: string });
    const keys = service.keyStatus({ profile, ...a });
    if (keys.length === 0 && !known(service, profile, a)) throw new ApiError('SNOM_ERR_NOT_FOUND', `no phone ${a.user}@${a.host} is known`);
    return { keys };
  });

  app.post('/v1/phones/:aor/resync', {
    config: { summary: 'send every desired key of user@host again' },
    schema: { params: aorParams, querystring: profileQuery },
  }, async (request) => {
    const a = splitAor((request.params as { aor: string }).aor);
    const profile = profileOf(service, request.query as { profile?: string });
    const results = await service.resync({ profile, ...a });
    if (results.length === 0 && !known(service, profile, a)) throw new ApiError('SNOM_ERR_NOT_FOUND', `no phone ${a.user}@${a.host} is known`);
    return { results };
  });
}
