import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from '../../../src/service/event-bus.js';

interface Map1 {
  a: { n: number };
  b: string;
}

test('on/off deliver in subscription order; a throwing listener is reported and isolated', () => {
  const errors: unknown[] = [];
  const bus = new EventBus<Map1>((e) => errors.push(e));
  const seen: string[] = [];
  const first = (d: { n: number }): void => {
    seen.push(`1:${d.n}`);
  };
  bus.on('a', first);
  bus.on('a', () => {
    throw new Error('boom');
  });
  const offThird = bus.on('a', (d) => seen.push(`3:${d.n}`));
  bus.onAny((e) => seen.push(`any:${e.type}`));
  bus.emit('a', { n: 1 });
  bus.off('a', first);
  offThird();
  bus.emit('a', { n: 2 });
  bus.emit('b', 'x');
  assert.deepEqual(seen, ['1:1', '3:1', 'any:a', 'any:a', 'any:b']);
  assert.equal(errors.length, 2);
  assert.equal((errors[0] as Error).message, 'boom');
  assert.equal(bus.hasListeners('b'), true, 'onAny counts');
});

test('once resolves with the first matching event, and rejects when aborted', async () => {
  const bus = new EventBus<Map1>();
  const p = bus.once('a', (d) => d.n > 1);
  bus.emit('a', { n: 1 });
  bus.emit('a', { n: 2 });
  bus.emit('a', { n: 3 });
  assert.deepEqual(await p, { n: 2 });
  assert.equal(bus.hasListeners('a'), false, 'unsubscribed');
  const ac = new AbortController();
  const q = bus.once('b', undefined, ac.signal);
  ac.abort(new Error('stop'));
  await assert.rejects(q, /stop/);
  assert.equal(bus.hasListeners('b'), false);
});

test('stream: filtered, ordered, bounded (drops the oldest and counts), ends on close or abort', async () => {
  const bus = new EventBus<Map1>();
  const ac = new AbortController();
  const s = bus.stream({ types: ['a'], maxBuffered: 3, signal: ac.signal });
  for (let n = 1; n <= 5; n++) bus.emit('a', { n });
  bus.emit('b', 'ignored');
  assert.equal(s.dropped, 2);
  const got: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await s.next();
    assert.equal(r.done, false);
    if (!r.done) got.push(r.value.data.n);
  }
  assert.deepEqual(got, [3, 4, 5]);
  const waiting = s.next();
  bus.emit('a', { n: 6 });
  assert.deepEqual(await waiting, { done: false, value: { type: 'a', data: { n: 6 } } });
  const pending = s.next();
  ac.abort();
  assert.deepEqual(await pending, { done: true, value: undefined });
  assert.equal(bus.hasListeners('a'), false);
  assert.throws(() => bus.stream({ maxBuffered: 0 }), RangeError);

  const all = bus.stream();
  const collected: string[] = [];
  const loop = (async () => {
    for await (const e of all) {
      collected.push(e.type);
      if (collected.length === 2) break;
    }
  })();
  bus.emit('b', 'x');
  bus.emit('a', { n: 7 });
  await loop;
  assert.deepEqual(collected, ['b', 'a']);
  assert.equal(bus.hasListeners('a'), false, 'break closed the stream');
});
