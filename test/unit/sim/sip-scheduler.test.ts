import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConcurrencyLimiter, SimScheduler } from '../../../src/sim/sip-scheduler.js';
import { InvalidOptionError } from '../../../src/util/errors.js';
import { FakeClock } from '../../helpers/fake-clock.js';

test('tasks run at their time in time order, equal times in scheduling order, on one clock timer', () => {
  const clock = new FakeClock();
  const s = new SimScheduler({ clock });
  const ran: string[] = [];
  s.schedule(300, () => ran.push('c'));
  s.schedule(100, () => ran.push('a'));
  s.schedule(100, () => ran.push('b'));
  s.schedule(-5, () => ran.push('now'));
  assert.equal(s.size, 4);
  assert.equal(clock.pendingCount, 1, 'one clock timer whatever the number of tasks');
  clock.advance(99);
  assert.deepEqual(ran, ['now']);
  clock.advance(1);
  assert.deepEqual(ran, ['now', 'a', 'b']);
  clock.advance(200);
  assert.deepEqual(ran, ['now', 'a', 'b', 'c']);
  assert.equal(s.size, 0);
  assert.equal(clock.pendingCount, 0);
});

test('cancelled tasks never run; cancel after running is harmless; the timer follows the earliest live task', () => {
  const clock = new FakeClock();
  const s = new SimScheduler({ clock });
  const ran: number[] = [];
  const first = s.schedule(10, () => ran.push(10));
  s.schedule(20, () => ran.push(20));
  first.cancel();
  first.cancel();
  assert.equal(s.size, 1);
  clock.advance(15);
  assert.equal(ran.length, 0);
  clock.advance(5);
  assert.deepEqual([...ran], [20]);
  const done = s.schedule(1, () => ran.push(1));
  clock.advance(1);
  done.cancel();
  assert.equal(s.size, 0);
  assert.deepEqual(ran, [20, 1]);
});

test('a task scheduled by a running task runs at its own time; a throwing task is reported and the rest run', () => {
  const clock = new FakeClock();
  const errors: unknown[] = [];
  const s = new SimScheduler({ clock, onError: (e) => errors.push(e) });
  const ran: string[] = [];
  s.schedule(10, () => {
    ran.push('outer');
    s.schedule(5, () => ran.push('inner'));
  });
  s.schedule(10, () => {
    throw new Error('boom');
  });
  s.schedule(12, () => ran.push('after'));
  clock.advance(10);
  assert.deepEqual(ran, ['outer']);
  assert.equal((errors[0] as Error).message, 'boom');
  clock.advance(5);
  assert.deepEqual(ran, ['outer', 'after', 'inner']);
});

test('close() cancels everything and stops the clock timer; later tasks are inert', () => {
  const clock = new FakeClock();
  const s = new SimScheduler({ clock });
  let ran = 0;
  s.schedule(10, () => ran++);
  s.close();
  assert.equal(clock.pendingCount, 0);
  const late = s.schedule(1, () => ran++);
  clock.advance(100);
  assert.equal(ran, 0);
  assert.equal(s.size, 0);
  late.cancel();
  assert.equal(s.size, 0);
});

test('heap order holds for many random times', () => {
  const clock = new FakeClock();
  const s = new SimScheduler({ clock });
  const got: number[] = [];
  const times = Array.from({ length: 2000 }, (_, i) => (i * 7919) % 1000);
  const cancelled = new Set<number>();
  const tasks = times.map((t, i) => s.schedule(t, () => got.push(i)));
  for (let i = 0; i < tasks.length; i += 3) {
    tasks[i]!.cancel();
    cancelled.add(i);
  }
  clock.advance(1000);
  const expected = times.map((t, i) => ({ t, i })).filter(({ i }) => !cancelled.has(i)).sort((a, b) => a.t - b.t || a.i - b.i).map(({ i }) => i);
  assert.deepEqual(got, expected);
});

test('ConcurrencyLimiter runs at most max jobs at once, FIFO, and frees slots on rejection', async () => {
  const limiter = new ConcurrencyLimiter(2);
  const release: (() => void)[] = [];
  const started: number[] = [];
  const job = (n: number, fail = false) => () => new Promise<number>((resolve, reject) => {
    started.push(n);
    release.push(() => (fail ? reject(new Error(`job ${n}`)) : resolve(n)));
  });
  const results = [limiter.run(job(1, true)), limiter.run(job(2)), limiter.run(job(3)), limiter.run(job(4))];
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, [1, 2]);
  assert.deepEqual([limiter.active, limiter.waiting], [2, 2]);
  release[0]!();
  await assert.rejects(results[0]!, /job 1/);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, [1, 2, 3]);
  release[1]!();
  release[2]!();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, [1, 2, 3, 4]);
  release[3]!();
  assert.deepEqual(await Promise.all(results.slice(1)), [2, 3, 4]);
  assert.deepEqual([limiter.active, limiter.waiting], [0, 0]);
  assert.throws(() => new ConcurrencyLimiter(0), InvalidOptionError);
});
