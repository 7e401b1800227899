import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Timer, TimerQueue } from '../../../../src/sip/transaction/timer-queue.js';
import { DEFAULT_TIMER_BASE, timerTable } from '../../../../src/sip/timers.js';
import { InvalidOptionError } from '../../../../src/util/errors.js';
import { FakeClock } from '../../../helpers/fake-clock.js';

function recorder(clock: FakeClock, log: Array<[string, number]>, name: string): Timer {
  return new Timer({ onTimer: () => log.push([name, clock.now()]) });
}

test('timers fire at their deadlines in time order across different delays', () => {
  const clock = new FakeClock();
  const q = new TimerQueue(clock);
  const log: Array<[string, number]> = [];
  q.start(recorder(clock, log, 'a500'), 500);
  q.start(recorder(clock, log, 'b100'), 100);
  clock.advance(50);
  q.start(recorder(clock, log, 'c500'), 500);
  q.start(recorder(clock, log, 'd100'), 100);
  assert.equal(q.size, 4);
  clock.advance(1000);
  assert.deepEqual(log, [['b100', 100], ['d100', 150], ['a500', 500], ['c500', 550]]);
  assert.equal(q.size, 0);
  assert.equal(clock.pendingCount, 0);
});

test('stop removes a timer; restart moves it; the clock is re-armed only as needed', () => {
  const clock = new FakeClock();
  const q = new TimerQueue(clock);
  const log: Array<[string, number]> = [];
  const a = recorder(clock, log, 'a');
  const b = recorder(clock, log, 'b');
  q.start(a, 100);
  q.start(b, 200);
  q.stop(a);
  assert.equal(a.active, false);
  q.start(b, 50); // restart: the old deadline is gone
  clock.advance(300);
  assert.deepEqual(log, [['b', 50]]);
  q.stop(a); // stopping an inactive timer is harmless
  assert.equal(q.size, 0);
});

test('a target may restart its own timer from onTimer (periodic timer)', () => {
  const clock = new FakeClock();
  const q = new TimerQueue(clock);
  const times: number[] = [];
  const t: Timer = new Timer({
    onTimer: () => {
      times.push(clock.now());
      if (times.length < 4) q.start(t, times.length * 100);
    },
  });
  q.start(t, 100);
  clock.advance(10_000);
  assert.deepEqual(times, [100, 200, 400, 700]);
});

test('an exception in a target goes to onError and later timers still fire', () => {
  const clock = new FakeClock();
  const errors: unknown[] = [];
  const q = new TimerQueue(clock, (e) => errors.push(e));
  const log: Array<[string, number]> = [];
  q.start(new Timer({ onTimer: () => { throw new Error('boom'); } }), 10);
  q.start(recorder(clock, log, 'after'), 10);
  clock.advance(20);
  assert.equal(errors.length, 1);
  assert.deepEqual(log, [['after', 10]]);
});

test('close stops everything and ignores later starts', () => {
  const clock = new FakeClock();
  const q = new TimerQueue(clock);
  const log: Array<[string, number]> = [];
  q.start(recorder(clock, log, 'a'), 10);
  q.close();
  q.start(recorder(clock, log, 'b'), 10);
  clock.advance(100);
  assert.deepEqual(log, []);
  assert.equal(q.size, 0);
  assert.equal(clock.pendingCount, 0);
});

test('timerTable derives RFC 3261 Table 4 from T1/T2/T4', () => {
  const t = timerTable();
  assert.deepEqual(
    { t1: t.t1, t2: t.t2, t4: t.t4, a: t.a, b: t.b, d: t.d, e: t.e, f: t.f, g: t.g, h: t.h, i: t.i, j: t.j, k: t.k },
    { t1: 500, t2: 4000, t4: 5000, a: 500, b: 32000, d: 32000, e: 500, f: 32000, g: 500, h: 32000, i: 5000, j: 32000, k: 5000 },
  );
  assert.deepEqual(DEFAULT_TIMER_BASE, { t1: 500, t2: 4000, t4: 5000 });
  const small = timerTable({ t1: 10, t2: 40, t4: 50 });
  assert.equal(small.f, 640);
  assert.equal(small.k, 50);
  assert.equal(small.t2, 40);
});

test('timerTable rejects bad values', () => {
  assert.throws(() => timerTable({ t1: 0 }), InvalidOptionError);
  assert.throws(() => timerTable({ t1: Number.NaN }), InvalidOptionError);
  assert.throws(() => timerTable({ t2: -1 }), InvalidOptionError);
  assert.throws(() => timerTable({ t1: 1000, t2: 500 }), /timers\.t2/);
});
