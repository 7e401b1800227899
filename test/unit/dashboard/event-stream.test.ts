// The dashboard's EventStream (fetch + SseParser) against the real API over HTTP: history on the first
// connection, resumption without loss after the server drops the connection, reset after a restart.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/api/app.js';
import { createService, type Service } from '../../../src/service/index.js';
import { EventStream, readReplay } from '../../../dashboard/event-stream.js';

let service: Service;

before(async () => {
  service = createService({ domains: 'example.com', sip: { listen: { host: '127.0.0.1', port: 0 } }, delivery: { reconcileOnStart: false } });
  await service.start();
});

after(async () => {
  await service.close();
});

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const bind = (label: string) => service.bindKey({ profile: 'internal', user: '700', host: 'example.com', keys: [{ key: '1', label }] });

test('EventStream: first connection replays history, a dropped connection resumes without loss, a restarted service resets', async () => {
  let app: FastifyInstance = await buildApp({ service, heartbeatMs: 60_000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const seen: string[] = [];
  const opens: boolean[] = [];
  const resets: string[] = [];
  const states: string[] = [];
  const stream = new EventStream({
    url: `http://127.0.0.1:${port}/v1/events?types=keys`,
    headers: () => ({}),
    onEvent: (type, data, history) => seen.push(`${history ? 'history' : 'live'} ${type} ${(data as { keys: { state: { label: string } }[] }).keys[0]!.state.label}`),
    onState: (state) => states.push(state),
    onOpen: (fresh) => opens.push(fresh),
    onReset: (reason) => resets.push(reason),
    onUnauthorized: () => Promise.reject(new Error('no token in this test')),
    replay: 2,
    retryDelay: () => 50,
  });
  try {
    await bind('h1');
    await bind('h2');
    await bind('h3');
    stream.start();
    await until('the history', () => seen.length === 2);
    assert.deepEqual(seen, ['history keys h2', 'history keys h3'], 'the 2 most recent, oldest first');
    await bind('l1');
    await until('a live event', () => seen.length === 3);
    assert.equal(seen[2], 'live keys l1');
    assert.deepEqual(opens, [true]);
    const before = stream.lastEventId;
    assert.match(before, /^[0-9a-f]{12}-\d+$/);

    // the server drops every connection; events happen before the client is back
    app.server.closeAllConnections();
    await bind('m1');
    await bind('m2');
    await until('the missed events after the reconnection', () => seen.length === 5);
    await bind('l2');
    await until('the next live event', () => seen.length === 6);
    assert.deepEqual(seen.slice(3), ['live keys m1', 'live keys m2', 'live keys l2'], 'nothing lost, nothing twice');
    assert.deepEqual(opens, [true, false], 'the reconnection resumed: no reload asked for');
    assert.deepEqual(resets, []);
    assert.ok(states.includes('reconnecting'));

    // a new service run on the same port: the old id is unknown there
    await app.close();
    app = await buildApp({ service, heartbeatMs: 60_000 });
    await app.listen({ host: '127.0.0.1', port });
    await until('the reset', () => resets.length === 1);
    assert.deepEqual(resets, ['unknown-id']);
    assert.deepEqual(opens, [true, false, false]);
    await bind('after-restart');
    await until('live after the reset', () => seen.length === 7);
    assert.equal(seen[6], 'live keys after-restart');
    assert.notEqual(stream.lastEventId.split('-')[0], before.split('-')[0], 'it resumes from the new run now');
  } finally {
    stream.stop();
    await app.close();
  }
});

test('readReplay: one phone\'s most recent events up to `replayed`, oldest first; an HTTP error rejects', async () => {
  const app = await buildApp({ service, heartbeatMs: 60_000, tokens: ['replay-token-0123456789'] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/events`;
  const auth = { authorization: 'Bearer replay-token-0123456789' };
  try {
    await service.bindKey({ profile: 'internal', user: '800', host: 'example.com', keys: [{ key: '1', label: 'a' }] });
    await service.bindKey({ profile: 'internal', user: '801', host: 'example.com', keys: [{ key: '1', label: 'other' }] });
    await service.bindKey({ profile: 'internal', user: '800', host: 'example.com', keys: [{ key: '2', label: 'b' }] });
    await service.bindKey({ profile: 'internal', user: '800', host: 'example.com', keys: [{ key: '3', label: 'c' }] });
    const events = await readReplay(`${base}?phone=800@example.com&replay=2`, auth);
    assert.deepEqual(events.map((e) => [e.type, (e.data as { keys: { state: { label: string } }[] }).keys[0]!.state.label]), [['keys', 'b'], ['keys', 'c']]);
    const seqs = events.map((e) => Number(e.id.split('-')[1]));
    assert.equal(seqs[1], seqs[0]! + 1);
    await assert.rejects(readReplay(`${base}?phone=800@example.com&replay=2`, {}), /^Error: the event history answered HTTP 401$/);
    assert.deepEqual(await readReplay(`${base}?phone=nobody@example.com&replay=5`, auth), []);
  } finally {
    await app.close();
  }
});
