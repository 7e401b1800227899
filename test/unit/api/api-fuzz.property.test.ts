// Property: whatever a client sends to the REST API — any method, path, query and JSON (or not JSON) body,
// near-valid bind-key and mod_snom API requests included — the answer is never a 5xx other than 503, and
// every error is the documented { error: { code, message } } JSON. Driven through fastify's inject (no
// socket needed: this is about the routes' handling); deliveries go to 127.0.0.9, where nothing listens.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/api/app.js';
import { createService, type Service } from '../../../src/service/index.js';
import { openStore, type SqliteStore } from '../../../src/store/sqlite-store.js';

let store: SqliteStore;
let service: Service;
let app: FastifyInstance;

before(async () => {
  store = openStore({ path: ':memory:' });
  const now = Date.now();
  store.registrations.applyBindingChanges([{ kind: 'put', binding: {
    aor: '2000@example.com', user: '2000', domain: 'example.com', contact: 'sip:2000@127.0.0.9:5060', callId: 'c', cseq: 1,
    expiresAt: now + 600_000, q: undefined, transport: 'udp', address: '127.0.0.9', port: 5060, localAddress: undefined, localPort: undefined,
    userAgent: 'snomD785/10.1', instance: undefined, regId: undefined, firstRegistered: now, lastRefreshed: now,
  } }]);
  service = createService({
    store, domains: 'example.com', sip: { listen: { host: '127.0.0.1', port: 0 } },
    delivery: { reconcileOnStart: false, attemptTimeoutMs: 50, retryDelaysMs: [] },
    commands: { execute: () => Promise.resolve('+OK fake') },
    profiles: [{ name: 'ext', route: 'proxy', proxy: { host: '127.0.0.1', port: 9 } }, { name: 'internal', route: 'embedded' }],
  });
  await service.start();
  app = await buildApp({ service });
});

after(async () => {
  await app.close();
  await service.close();
  store.close();
});

const str = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom('2000', 'example.com', 'internal', 'ext', '2', 'on', 'DND', '2000@example.com', '\r\n', '&', '%00', '../', '__proto__', 'constructor', ''),
);
const value = fc.oneof(str, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(str, { maxLength: 3 }), fc.dictionary(str, str, { maxKeys: 3 }));
/** Mostly `v`; sometimes any value, or `v` with something appended. */
const near = (v: string | boolean) =>
  fc.oneof({ weight: 20, arbitrary: fc.constant<unknown>(v) }, { weight: 1, arbitrary: value }, { weight: 1, arbitrary: str.map((x) => `${String(v)}${x}`) });
const keyState = fc.record({
  key: near('2'), light: near('on'), label: near('DND'), action: near('message'), number: near('api+snom_bind_key 2 off'), colour: near('red'),
  displayName: near('x'), forward: near('always'), caller: near('y'), direction: near('in'), messageWaiting: near('1/2'),
  extra: fc.array(fc.record({ name: near('z'), value: near('v') }), { maxLength: 2 }),
}, { requiredKeys: ['key'] });
const body = fc.oneof(
  fc.record({
    user: near('2000'), host: near('example.com'), profile: near('internal'),
    keys: fc.oneof({ weight: 5, arbitrary: fc.array(keyState, { minLength: 1, maxLength: 3 }) }, { weight: 1, arbitrary: value }),
  }),
  fc.record({ line: near('snom_bind_key 2 on DND 2000 example.com internal') }, { requiredKeys: ['line'] }),
  fc.record({ line: value, command: value }, { requiredKeys: [] }),
  fc.record(
    { target: value, targets: fc.array(value, { maxLength: 2 }), command: fc.oneof(value, fc.record({ kind: value, key: value, url: value }, { requiredKeys: [] })) },
    { requiredKeys: [] },
  ),
  fc.anything(),
);
const base = fc.record({
  method: fc.constantFrom('GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE'),
  path: fc.oneof(
    fc.constantFrom('/v1/keys', '/v1/api', '/v1/commands', '/v1/phones', '/healthz', '/metrics', '/openapi.json', '/', '/v1/events'),
    str.map((s) => `/v1/phones/${encodeURIComponent(s)}/keys`),
    str.map((s) => `/v1/phones/${encodeURIComponent(s)}/resync`),
    str.map((s) => `/v1/action-url/${encodeURIComponent(s)}`),
    str.map((s) => `/dashboard/${encodeURIComponent(s)}`),
  ),
  query: fc.dictionary(fc.constantFrom('user', 'host', 'profile', 'mac', 'ip', 'local', 'remote', 'x', 'active_user', 'wait'), str, { maxKeys: 4 }),
  body,
  ctype: fc.constantFrom('application/json', 'application/json', 'application/json', 'text/plain', ''),
});
const keysReq = fc.record({
  method: fc.constant('POST'), path: fc.constant('/v1/keys'), query: fc.dictionary(fc.constantFrom('wait', 'x'), fc.constantFrom('true', 'false', '1', '', 'x'), { maxKeys: 1 }),
  body: fc.record({ user: near('2000'), host: near('example.com'), profile: fc.constantFrom('internal', 'ext', 'nope'), keys: fc.array(keyState, { minLength: 1, maxLength: 3 }) }),
  ctype: fc.constant('application/json'),
});
const apiReq = fc.record({
  method: fc.constant('POST'), path: fc.constant('/v1/api'), query: fc.constant({}),
  body: fc.record({ line: fc.tuple(fc.constantFrom('snom_bind_key', 'snom_command', 'snom_url', 'x'), fc.array(fc.oneof({ weight: 5, arbitrary: fc.constantFrom('2', 'on', 'DND', '2000', 'example.com', 'internal', 'message', '127.0.0.9', 'key') }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }), { maxLength: 9 })).map(([c, a]) => [c, ...a].join(' ')) }),
  ctype: fc.constant('application/json'),
});
const req = fc.oneof(base, keysReq, apiReq);

test('property: no request makes the API answer a 5xx (but 503) or an error that is not { error: { code, message } }', async () => {
  await fc.assert(fc.asyncProperty(req, async (r) => {
    if (r.path === '/v1/events' && r.method === 'GET') return; // an SSE stream stays open
    const query = new URLSearchParams(r.query).toString();
    const url = `${r.path}${query ? `?${query}` : ''}`;
    const payload = r.method === 'GET' ? undefined : JSON.stringify(r.body) ?? '';
    const res = await app.inject({
      method: r.method as 'GET', url, ...(payload === undefined ? {} : { payload, headers: r.ctype ? { 'content-type': r.ctype } : {} }),
    });
    const what = `${r.method} ${url} ${payload?.slice(0, 200) ?? ''} -> ${res.statusCode} ${res.body.slice(0, 200)}`;
    assert.ok(res.statusCode < 500 || res.statusCode === 503, what);
    if (res.statusCode >= 400) {
      const j = JSON.parse(res.body) as { error?: { code?: unknown; message?: unknown } };
      assert.ok(typeof j.error?.code === 'string' && typeof j.error.message === 'string', what);
    }
  }), { numRuns: 1500 });
});
