import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/api/app.js';
import { eventAor, EventLog } from '../../../src/api/routes-events.js';
import { createService, type Service } from '../../../src/service/index.js';
import { InvalidOptionError } from '../../../src/util/errors.js';
import { openSse, type SseFrame, type SseStream } from './sse-client.js';

let service: Service;
const opened: SseStream[] = [];

before(async () => {
  service = createService({ domains: 'example.com', sip: { listen: { host: '127.0.0.1', port: 0 } }, delivery: { reconcileOnStart: false } });
  await service.start();
});

after(async () => {
  for (const s of opened) s.close();
  await service.close();
});

/** An app listening on loopback; closed by the returned function. */
async function listening(eventBufferSize?: number): Promise<{ app: FastifyInstance; base: string }> {
  const app = await buildApp({ service, heartbeatMs: 60_000, ...(eventBufferSize === undefined ? {} : { eventBufferSize }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/events` };
}

async function sse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const s = await openSse(url, headers);
  opened.push(s);
  assert.equal(s.status, 200, s.text());
  return s;
}

const bind = (user: string, key: string, label: string) => service.bindKey({ profile: 'internal', user, host: 'example.com', keys: [{ key, label }] });
const labels = (frames: readonly SseFrame[]) => frames.map((f) => (f.type === 'keys' ? `keys:${(f.data as { user: string; keys: { state: { label: string } }[] }).keys[0]!.state.label}` : f.type));

test('every event has an id <run>-<seq> counting up from 1; a second app (another run) has another run', async () => {
  const { app, base } = await listening();
  const other = await listening();
  try {
    const s = await sse(base);
    await s.waitForCount(0);
    await bind('100', '1', 'a');
    await bind('100', '1', 'b');
    const frames = await s.waitForCount(2);
    const [run, seq] = [frames[0]!.id!.split('-')[0]!, frames.map((f) => Number(f.id!.split('-')[1]))];
    assert.match(run, /^[0-9a-f]{12}$/);
    assert.deepEqual(seq, [1, 2]);
    assert.deepEqual(frames.map((f) => f.id), [`${run}-1`, `${run}-2`]);
    const o = await sse(other.base);
    await bind('100', '1', 'c');
    const [first] = await o.waitForCount(1);
    // the other app saw the first two too: it numbers from its own start
    assert.notEqual(first!.id!.split('-')[0], run);
    assert.equal(first!.id!.split('-')[1], '3');
  } finally {
    await app.close();
    await other.app.close();
  }
});

test('Last-Event-ID: the missed events (types filter applied) come first, then replayed, then live, no duplicate', async () => {
  const { app, base } = await listening();
  try {
    const first = await sse(base);
    await bind('200', '1', 'one');
    const [seen] = await first.waitForCount(1);
    first.close();
    await bind('200', '1', 'two');
    await app.inject({ method: 'GET', url: '/v1/action-url/incoming?remote=555', remoteAddress: '127.0.0.1' });
    await bind('200', '2', 'three');
    const all = await sse(base, { 'last-event-id': seen!.id! });
    const replayed = await all.waitForCount(4);
    assert.deepEqual(labels(replayed), ['keys:two', 'action-url', 'keys:three', 'replayed']);
    const run = seen!.id!.split('-')[0]!;
    assert.deepEqual(replayed.map((f) => f.id), [`${run}-2`, `${run}-3`, `${run}-4`, undefined]);
    assert.deepEqual(replayed[3]!.data, { count: 3, lastId: `${run}-4` });
    const onlyDelivery = await sse(`${base}?types=delivery,button-press`, { 'last-event-id': seen!.id! });
    assert.deepEqual(await onlyDelivery.waitForCount(1), [{ type: 'replayed', data: { count: 0, lastId: `${run}-4` } }]);
    const onlyAction = await sse(`${base}?types=action-url`, { 'last-event-id': seen!.id! });
    assert.deepEqual(labels(await onlyAction.waitForCount(2)), ['action-url', 'replayed']);
    await bind('200', '3', 'four');
    const live = await all.waitForCount(5);
    assert.deepEqual(labels(live), ['keys:two', 'action-url', 'keys:three', 'replayed', 'keys:four']);
    assert.equal(live[4]!.id, `${run}-5`);
    assert.doesNotMatch(onlyDelivery.text(), /event: keys/);
  } finally {
    await app.close();
  }
});

test('?since= resumes like the header; the header wins when both are given', async () => {
  const { app, base } = await listening();
  try {
    const s = await sse(base);
    await bind('300', '1', 'x1');
    await bind('300', '1', 'x2');
    await bind('300', '1', 'x3');
    const ids = (await s.waitForCount(3)).map((f) => f.id!);
    const bySince = await sse(`${base}?since=${encodeURIComponent(ids[0]!)}`);
    assert.deepEqual(labels(await bySince.waitForCount(3)), ['keys:x2', 'keys:x3', 'replayed']);
    const both = await sse(`${base}?since=${encodeURIComponent(ids[0]!)}`, { 'last-event-id': ids[1]! });
    assert.deepEqual(labels(await both.waitForCount(2)), ['keys:x3', 'replayed']);
    const atHead = await sse(`${base}?since=${encodeURIComponent(ids[2]!)}`);
    assert.deepEqual((await atHead.waitForCount(1)).map((f) => f.type), ['replayed']);
    const bad = await app.inject({ method: 'GET', url: '/v1/events?since=a%20b' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json<{ error: { message: string } }>().error.message, /^querystring\.since must match pattern/);
  } finally {
    await app.close();
  }
});

test('reset: an id of another run, a future id or garbage is unknown-id; one whose successors were dropped is too-old', async () => {
  const { app, base } = await listening(3);
  try {
    const s = await sse(base);
    for (let i = 1; i <= 5; i++) await bind('400', '1', `r${i}`);
    const ids = (await s.waitForCount(5)).map((f) => f.id!);
    const run = ids[0]!.split('-')[0]!;
    const head = `${run}-5`;
    const cases: [string, string][] = [
      ['0123456789ab-2', 'unknown-id'], [`${run}-6`, 'unknown-id'], ['garbage', 'unknown-id'], [`${run}-01`, 'unknown-id'], [`${run}-`, 'unknown-id'],
      [`${run}-1`, 'too-old'], [`${run}-0`, 'too-old'],
    ];
    for (const [id, reason] of cases) {
      const r = await sse(base, { 'last-event-id': id });
      assert.deepEqual(await r.waitForCount(1), [{ id: head, type: 'reset', data: { reason, lastId: head } }], id);
      r.close();
    }
    // the buffer holds 3..5: resuming after 2 loses nothing
    const ok = await sse(base, { 'last-event-id': `${run}-2` });
    assert.deepEqual(labels(await ok.waitForCount(4)), ['keys:r3', 'keys:r4', 'keys:r5', 'replayed']);
    // after a reset the stream goes on live, and the reset's id resumes without loss
    const after = await sse(base, { 'last-event-id': 'garbage' });
    await after.waitForCount(1);
    await bind('400', '1', 'r6');
    assert.deepEqual(labels(await after.waitForCount(2)), ['reset', 'keys:r6']);
  } finally {
    await app.close();
  }
});

test('?replay=N sends the N most recent kept events (after ?phone= and ?types=), then replayed; 0 keeps none', async () => {
  const { app, base } = await listening();
  try {
    const s = await sse(base);
    await bind('500', '1', 'p1');
    await bind('501', '1', 'q1');
    await bind('500', '2', 'p2');
    await bind('500', '3', 'p3');
    await s.waitForCount(4);
    const last2 = await sse(`${base}?replay=2&phone=500@EXAMPLE.com`);
    const frames = await last2.waitForCount(3);
    assert.deepEqual(labels(frames), ['keys:p2', 'keys:p3', 'replayed']);
    assert.equal((frames[2]!.data as { count: number }).count, 2);
    const many = await sse(`${base}?replay=100&phone=501@example.com`);
    assert.deepEqual(labels(await many.waitForCount(2)), ['keys:q1', 'replayed']);
    const none = await sse(`${base}?replay=0`);
    assert.deepEqual((await none.waitForCount(1)).map((f) => f.type), ['replayed']);
    const wrongType = await sse(`${base}?replay=5&types=delivery`);
    assert.deepEqual(await wrongType.waitForCount(1), [{ type: 'replayed', data: { count: 0, lastId: (await s.waitForCount(4))[3]!.id } }]);
    // ?phone= filters the live events too
    await bind('501', '2', 'q2');
    await bind('500', '4', 'p4');
    assert.deepEqual(labels(await last2.waitForCount(4)), ['keys:p2', 'keys:p3', 'replayed', 'keys:p4']);
    for (const q of ['replay=-1', 'replay=1.5', 'replay=x', 'phone=nobody']) {
      const r = await app.inject({ method: 'GET', url: `/v1/events?${q}` });
      assert.equal(r.statusCode, 400, q);
    }
  } finally {
    await app.close();
  }
});

test('eventBufferSize 0: no replay, resuming from the newest id works, anything older is too-old', async () => {
  const { app, base } = await listening(0);
  try {
    const s = await sse(base);
    await bind('600', '1', 'z1');
    await bind('600', '1', 'z2');
    const ids = (await s.waitForCount(2)).map((f) => f.id!);
    const atHead = await sse(base, { 'last-event-id': ids[1]! });
    assert.deepEqual(await atHead.waitForCount(1), [{ type: 'replayed', data: { count: 0, lastId: ids[1] } }]);
    const old = await sse(base, { 'last-event-id': ids[0]! });
    assert.equal((await old.waitForCount(1))[0]!.type, 'reset');
    const replay = await sse(`${base}?replay=10`);
    assert.deepEqual((await replay.waitForCount(1)).map((f) => f.type), ['replayed']);
  } finally {
    await app.close();
  }
  await assert.rejects(buildApp({ service, eventBufferSize: -1 }), InvalidOptionError);
});

test('EventLog: resuming from any id gives exactly the events after it while they are kept, else too-old', () => {
  fc.assert(fc.property(fc.nat(20), fc.nat(60), fc.nat(70), (capacity, appended, from) => {
    const log = new EventLog(capacity, 'run');
    for (let i = 1; i <= appended; i++) log.append('keys', { user: 'u', host: 'h', n: i });
    const r = log.resume(`run-${from}`);
    if (from > appended) assert.deepEqual(r, { ok: false, reason: 'unknown-id' });
    else if (appended - from > capacity) assert.deepEqual(r, { ok: false, reason: 'too-old' });
    else {
      assert.ok(r.ok);
      assert.deepEqual(r.events.map((e) => e.seq), Array.from({ length: appended - from }, (_, i) => from + 1 + i));
    }
    assert.deepEqual(log.kept().map((e) => e.seq), Array.from({ length: Math.min(capacity, appended) }, (_, i) => appended - Math.min(capacity, appended) + 1 + i));
    assert.equal(log.lastId, `run-${appended}`);
  }), { numRuns: 10000 });
});

test('EventLog: frames carry id, type and JSON data; eventAor finds the phone of each payload', () => {
  const log = new EventLog(2, 'abc');
  const seen: number[] = [];
  const off = log.subscribe((e) => seen.push(e.seq));
  assert.equal(log.append('keys', { user: '7', host: 'X.example' }).frame, 'id: abc-1\nevent: keys\ndata: {"user":"7","host":"X.example"}\n\n');
  off();
  log.append('keys', {});
  assert.deepEqual(seen, [1]);
  assert.equal(eventAor({ user: '7', host: 'X.Example' }), '7@x.example');
  assert.equal(eventAor({ type: 'registered', user: '8', domain: 'D.example' }), '8@d.example');
  assert.equal(eventAor({ event: 'incoming', phone: { remoteAddress: '10.0.0.1', user: '9', domain: 'e.example' } }), '9@e.example');
  assert.equal(eventAor({ event: 'incoming', phone: { remoteAddress: '10.0.0.1' } }), undefined);
  assert.equal(eventAor({ user: undefined, domain: 'x' }), undefined);
  assert.equal(eventAor(null), undefined);
  assert.equal(eventAor('text'), undefined);
  assert.throws(() => new EventLog(1.5), InvalidOptionError);
});
