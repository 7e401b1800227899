import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/api/app.js';
import type { Binding } from '../../../src/registrar/binding.js';
import { createService, type Service } from '../../../src/service/index.js';
import type { Route } from '../../../src/service/route.js';
import { openStore, type SqliteStore } from '../../../src/store/sqlite-store.js';

let store: SqliteStore;
let service: Service;
let app: FastifyInstance;

const freeswitch: Route = {
  kind: 'freeswitch',
  contacts: () => ({ contacts: [], reason: 'not registered at FreeSWITCH' }),
  deliver: () => Promise.reject(new Error('no delivery in this test')),
};

function binding(user: string, address: string): Binding {
  const now = Date.now();
  return {
    aor: `${user}@example.com`, user, domain: 'example.com', contact: `sip:${user}@${address}:5060`, callId: `c-${user}`, cseq: 1,
    expiresAt: now + 600_000, q: undefined, transport: 'udp', address, port: 5060, localAddress: undefined, localPort: undefined,
    userAgent: 'snomD785/10.1', instance: undefined, regId: undefined, firstRegistered: now, lastRefreshed: now,
  };
}

type PhoneAnswer = { user: string; host: string; profile: string; profiles: { name: string; route: string; keys: number }[]; contacts: { uri: string }[]; inventory?: unknown };

before(async () => {
  store = openStore({ path: ':memory:' });
  store.registrations.applyBindingChanges([{ kind: 'put', binding: binding('2000', '192.0.2.10') }, { kind: 'put', binding: binding('2001', '192.0.2.11') }]);
  store.phones.put({ user: '3000', domain: 'example.com', webAddress: '192.0.2.30', scheme: 'http', insecureTls: false, password: 'secret-pw' });
  service = createService({
    store, domains: 'example.com', sip: { listen: { host: '127.0.0.1', port: 0 } }, delivery: { reconcileOnStart: false },
    profiles: [
      { name: 'ext', route: 'proxy', proxy: { host: '127.0.0.1', port: 9 } },
      { name: 'internal', route: 'embedded' },
      { name: 'fs', route: 'freeswitch', implementation: freeswitch },
      { name: 'local2', route: 'embedded' },
    ],
  });
  await service.start();
  app = await buildApp({ service });
});

after(async () => {
  await app.close();
  await service.close();
  store.close();
});

async function phones(): Promise<Map<string, PhoneAnswer>> {
  const r = await app.inject({ method: 'GET', url: '/v1/phones' });
  assert.equal(r.statusCode, 200);
  return new Map(r.json<{ phones: PhoneAnswer[] }>().phones.map((p) => [`${p.user}@${p.host}`, p]));
}

test('GET /v1/phones: registered phones belong to every embedded profile; no keys, no other profile', async () => {
  const list = await phones();
  assert.deepEqual([...list.keys()].sort(), ['2000@example.com', '2001@example.com', '3000@example.com']);
  const p = list.get('2000@example.com')!;
  assert.deepEqual(p.profiles, [{ name: 'internal', route: 'embedded', keys: 0 }, { name: 'local2', route: 'embedded', keys: 0 }]);
  assert.equal(p.profile, 'internal', 'the first of its profiles, not the first configured (ext)');
  assert.deepEqual(p.contacts.map((c) => c.uri), ['sip:2000@192.0.2.10:5060']);
  const inventoryOnly = list.get('3000@example.com')!;
  assert.deepEqual(inventoryOnly.profiles, []);
  assert.equal(inventoryOnly.profile, 'ext', 'no profile of its own: the first configured, as before');
  assert.deepEqual(inventoryOnly.inventory, { webAddress: '192.0.2.30', scheme: 'http', insecureTls: false, hasPassword: true });
});

test('GET /v1/phones: keys under proxy and freeswitch profiles add those profiles, with key counts; key-only phones are listed', async () => {
  await service.bindKey({ profile: 'fs', user: '2000', host: 'example.com', keys: [{ key: '1', light: 'on' }, { key: '2', light: 'off' }] });
  await service.bindKey({ profile: 'internal', user: '2000', host: 'example.com', keys: [{ key: '5', light: 'on' }] });
  await service.bindKey({ profile: 'ext', user: '4000', host: 'Remote.example', keys: [{ key: '3', label: 'x' }] });
  const list = await phones();
  assert.deepEqual(list.get('2000@example.com')!.profiles, [
    { name: 'internal', route: 'embedded', keys: 1 }, { name: 'fs', route: 'freeswitch', keys: 2 }, { name: 'local2', route: 'embedded', keys: 0 },
  ]);
  const remote = list.get('4000@remote.example')!;
  assert.deepEqual(remote.profiles, [{ name: 'ext', route: 'proxy', keys: 1 }]);
  assert.equal(remote.profile, 'ext');
  assert.deepEqual(remote.contacts, []);
  assert.deepEqual(list.get('2001@example.com')!.profiles.map((p) => p.name), ['internal', 'local2']);
  assert.equal(list.size, 4);
});

test('GET /v1/phones: more owners than one store page are all counted', async () => {
  const many = await buildApp({ service });
  try {
    for (let i = 0; i < 1203; i++) service.store.keys.putDesiredKeys('fs', `u${String(i).padStart(4, '0')}`, 'bulk.example', [{ key: '1', light: 'on' }]);
    const r = await many.inject({ method: 'GET', url: '/v1/phones' });
    const bulk = r.json<{ phones: PhoneAnswer[] }>().phones.filter((p) => p.host === 'bulk.example');
    assert.equal(bulk.length, 1203);
    assert.ok(bulk.every((p) => p.profiles.length === 1 && p.profiles[0]!.name === 'fs' && p.profiles[0]!.route === 'freeswitch' && p.profiles[0]!.keys === 1));
  } finally {
    await many.close();
  }
});

test('the OpenAPI document describes the phones answer and the events protocol', async () => {
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, {
    description?: string; parameters: { name: string }[]; responses: Record<string, { content?: Record<string, { schema: { properties?: Record<string, unknown> } }> }>;
  }>> }>();
  const phonesOk = doc.paths['/v1/phones']!.get!.responses['200']!.content!['application/json']!.schema;
  const item = (phonesOk.properties!.phones as { items: { properties: Record<string, { items?: { properties: Record<string, { enum?: string[] }> } }> } }).items;
  assert.deepEqual(item.properties.profiles!.items!.properties.route!.enum, ['embedded', 'proxy', 'freeswitch']);
  const events = doc.paths['/v1/events']!.get!;
  assert.deepEqual(events.parameters.map((p) => p.name), ['types', 'phone', 'since', 'replay']);
  assert.ok(events.responses['200']!.content!['text/event-stream']);
  assert.match(events.description!, /`reset` event/);
  assert.match(events.description!, /Last-Event-ID/);
});
