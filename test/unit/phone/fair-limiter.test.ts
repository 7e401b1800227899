import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AbortFlag } from '../../../src/phone/abort-flag.js';
import { FairLimiter } from '../../../src/phone/fair-limiter.js';
import { InvalidOptionError } from '../../../src/util/errors.js';

const tick = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await Promise.resolve();
};

test('caps per key and overall; tryAcquire never queues', () => {
  const l = new FairLimiter({ perKey: 2, total: 3 });
  assert.deepEqual([l.tryAcquire('a'), l.tryAcquire('a'), l.tryAcquire('a')], [true, true, false]);
  assert.deepEqual([l.tryAcquire('b'), l.tryAcquire('c')], [true, false]);
  assert.deepEqual([l.active, l.queued, l.activeFor('a'), l.activeFor('b'), l.activeFor('c')], [3, 0, 2, 1, 0]);
  l.release('a');
  assert.equal(l.tryAcquire('c'), true);
  for (const k of ['a', 'b', 'c']) l.release(k);
  assert.deepEqual([l.active, l.keys], [0, 0]);
  l.release('zzz'); // a release without a slot changes nothing
  assert.equal(l.active, 0);
});

test('waiters of one key are served in order; keys take turns for overall slots', async () => {
  const l = new FairLimiter({ perKey: 1, total: 1 });
  assert.equal(l.tryAcquire('A'), true);
  const order: string[] = [];
  const waits = ['A2', 'A3', 'A4', 'B1', 'C1'].map((name) => l.wait(name[0]!).then(() => order.push(name)));
  assert.equal(l.queued, 5);
  assert.equal(l.tryAcquire('B'), false, 'a free-looking key may not jump the queue while the total is full');
  for (const key of ['A', 'B', 'C', 'A', 'A']) {
    l.release(key);
    await tick();
  }
  l.release('A');
  await Promise.all(waits);
  assert.deepEqual(order, ['B1', 'C1', 'A2', 'A3', 'A4']);
  assert.deepEqual([l.active, l.queued, l.keys], [0, 0, 0]);
});

test('an abort removes the waiter, rejects with the reason and holds no slot', async () => {
  const l = new FairLimiter({ perKey: 1, total: 10 });
  assert.equal(l.tryAcquire('a'), true);
  const flag = new AbortFlag();
  const waiting = l.wait('a', flag);
  const next = l.wait('a');
  flag.abort(new Error('gone'));
  await assert.rejects(waiting, /gone/);
  assert.equal(l.queued, 1);
  l.release('a');
  await next;
  assert.equal(l.activeFor('a'), 1);
  const already = new AbortFlag();
  already.abort(new Error('earlier'));
  await assert.rejects(l.wait('a', already), /earlier/);
  assert.equal(flag.listenerCount('abort'), 0);
  assert.equal(l.queued, 0);
});

test('rejectAll rejects every waiter; slots in use stay counted until released', async () => {
  const l = new FairLimiter({ perKey: 1, total: 1 });
  l.tryAcquire('a');
  const waits = [l.wait('a'), l.wait('b')];
  l.rejectAll(new Error('closing'));
  for (const w of waits) await assert.rejects(w, /closing/);
  assert.deepEqual([l.active, l.queued], [1, 0]);
  l.release('a');
  assert.deepEqual([l.active, l.keys], [0, 0]);
});

test('bad options are refused', () => {
  for (const options of [{ perKey: 0, total: 1 }, { perKey: 1, total: 1.5 }, { perKey: NaN, total: 1 }, { perKey: 1, total: -1 }]) {
    assert.throws(() => new FairLimiter(options), InvalidOptionError);
  }
});

type Op = { kind: 'acquire'; key: number } | { kind: 'release'; key: number } | { kind: 'abort'; pick: number };

test('property: caps hold, no slot leaks, and no waiter idles while its key and the total have room', async () => {
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('acquire' as const), key: fc.nat(3) }),
    fc.record({ kind: fc.constant('release' as const), key: fc.nat(3) }),
    fc.record({ kind: fc.constant('abort' as const), pick: fc.nat(20) }),
  );
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.array(opArb, { maxLength: 40 }), async (perKey, total, ops) => {
      const l = new FairLimiter({ perKey, total });
      const pending: { key: string; flag: AbortFlag; settled: boolean }[] = [];
      const waiting = new Map<string, number>();
      for (const op of ops) {
        if (op.kind === 'acquire') {
          const key = `k${op.key}`;
          if (!l.tryAcquire(key)) {
            const entry = { key, flag: new AbortFlag(), settled: false };
            pending.push(entry);
            waiting.set(key, (waiting.get(key) ?? 0) + 1);
            l.wait(key, entry.flag).then(
              () => {
                entry.settled = true;
                waiting.set(key, waiting.get(key)! - 1);
              },
              () => {
                entry.settled = true;
                waiting.set(key, waiting.get(key)! - 1);
              },
            );
          }
        } else if (op.kind === 'release') {
          l.release(`k${op.key}`);
        } else {
          const open = pending.filter((p) => !p.settled);
          open[op.pick % Math.max(1, open.length)]?.flag.abort(new Error('x'));
        }
        await tick();
        let sum = 0;
        for (let k = 0; k < 4; k++) {
          const a = l.activeFor(`k${k}`);
          assert.ok(a <= perKey);
          sum += a;
          if ((waiting.get(`k${k}`) ?? 0) > 0 && l.active < total) assert.equal(a, perKey, 'a waiter idles beside a free slot');
        }
        assert.equal(sum, l.active);
        assert.ok(l.active <= total);
        assert.equal(l.queued, [...waiting.values()].reduce((x, y) => x + y, 0));
      }
    }),
    { numRuns: 10000 },
  );
});

test('AbortFlag aborts once, with its reason, and tells its listeners once', () => {
  const flag = new AbortFlag();
  let calls = 0;
  flag.once('abort', () => calls++);
  assert.doesNotThrow(() => flag.throwIfAborted());
  flag.abort(new Error('first'));
  flag.abort(new Error('second'));
  assert.deepEqual([flag.aborted, flag.reason?.message, calls], [true, 'first', 1]);
  assert.throws(() => flag.throwIfAborted(), /first/);
});

test('AbortFlag tells its one watcher once, before the listeners, and forgets it', () => {
  const flag = new AbortFlag();
  const order: string[] = [];
  const replaced = { aborted: () => order.push('replaced') };
  const watcher = { aborted: () => order.push(`watcher sees aborted=${flag.aborted}`) };
  flag.on('abort', () => order.push('listener'));
  flag.watch(replaced);
  flag.watch(watcher);
  assert.equal(flag.watcher, watcher);
  flag.abort(new Error('first'));
  flag.abort(new Error('second'));
  assert.deepEqual(order, ['watcher sees aborted=true', 'listener']);
  assert.equal(flag.watcher, undefined);
  const cleared = new AbortFlag();
  cleared.watch(watcher);
  cleared.watch(undefined);
  cleared.abort(new Error('x'));
  assert.equal(order.length, 2);
});
