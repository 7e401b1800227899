import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeySequenceRunner, REAL_TIMERS } from '../../../src/sim/key-sequence-runner.js';
import { FakeTime } from './fake-time.js';

interface Step {
  readonly name: string;
  readonly holdMs: number;
  readonly pauseMs: number;
}

function recorder(time: { now: number } | (() => number)): { log: string[]; handlers: ConstructorParameters<typeof KeySequenceRunner<Step, string>>[1] } {
  const now = typeof time === 'function' ? time : (): number => time.now;
  const log: string[] = [];
  return {
    log,
    handlers: {
      down: (step, id) => {
        log.push(`${now()} down ${step.name}#${id}`);
        return step.name;
      },
      up: (name) => log.push(`${now()} up ${name}`),
      cancelled: (name) => log.push(`${now()} cancelled ${name}`),
    },
  };
}

test('steps run press, hold, release, pause; sequences queue; nothing runs synchronously', async () => {
  const time = new FakeTime();
  const { log, handlers } = recorder(time);
  const runner = new KeySequenceRunner<Step, string>(time.timers, handlers);
  const a = runner.enqueue([{ name: 'A', holdMs: 10, pauseMs: 5 }, { name: 'B', holdMs: 0, pauseMs: 100 }]);
  const b = runner.enqueue([{ name: 'C', holdMs: 1, pauseMs: 0 }]);
  assert.equal(runner.pending, 2);
  assert.deepEqual(log, []);
  time.advance(1000);
  assert.deepEqual(log, ['0 down A#1', '10 up A', '15 down B#1', '15 up B', '115 down C#2', '116 up C']);
  assert.deepEqual([await a.done, await b.done, runner.pending], ['done', 'done', 0]);
});

test('cancelAll reports the held key, resolves every sequence cancelled and leaves no timer', async () => {
  const time = new FakeTime();
  const { log, handlers } = recorder(time);
  const runner = new KeySequenceRunner<Step, string>(time.timers, handlers);
  const a = runner.enqueue([{ name: 'A', holdMs: 50, pauseMs: 0 }, { name: 'B', holdMs: 0, pauseMs: 0 }]);
  const b = runner.enqueue([{ name: 'C', holdMs: 0, pauseMs: 0 }]);
  time.advance(20);
  runner.cancelAll();
  time.advance(1000);
  assert.deepEqual(log, ['0 down A#1', '20 cancelled A']);
  assert.deepEqual([await a.done, await b.done, time.pending, runner.pending], ['cancelled', 'cancelled', 0, 0]);
  // The runner still works afterwards.
  runner.enqueue([{ name: 'D', holdMs: 0, pauseMs: 0 }]);
  time.advance(0);
  assert.equal(log.at(-1), '1020 up D');
});

test('a handler that cancels from down() ends that press as cancelled', async () => {
  const time = new FakeTime();
  const log: string[] = [];
  const runner: KeySequenceRunner<Step, string> = new KeySequenceRunner<Step, string>(time.timers, {
    down: (step) => {
      log.push(`down ${step.name}`);
      if (step.name === 'R') runner.cancelAll();
      return step.name;
    },
    up: (name) => log.push(`up ${name}`),
    cancelled: (name) => log.push(`cancelled ${name}`),
  });
  const a = runner.enqueue([{ name: 'R', holdMs: 5, pauseMs: 0 }, { name: 'X', holdMs: 0, pauseMs: 0 }]);
  time.advance(100);
  assert.deepEqual(log, ['down R', 'cancelled R']);
  assert.equal(await a.done, 'cancelled');
});

test('real timers: hold and pause are honoured within a few ms', async () => {
  const start = performance.now();
  const now = (): number => performance.now() - start;
  const times: Record<string, number> = {};
  const runner = new KeySequenceRunner<Step, string>(REAL_TIMERS, {
    down: (step) => {
      times[`down ${step.name}`] = now();
      return step.name;
    },
    up: (name) => (times[`up ${name}`] = now()),
    cancelled: () => assert.fail('not cancelled'),
  });
  const { done } = runner.enqueue([{ name: 'A', holdMs: 80, pauseMs: 120 }, { name: 'B', holdMs: 40, pauseMs: 0 }]);
  assert.equal(await done, 'done');
  const hold = times['up A']! - times['down A']!;
  const pause = times['down B']! - times['up A']!;
  const hold2 = times['up B']! - times['down B']!;
  assert.ok(hold >= 79 && hold <= 80 + 60, `hold ${hold}`);
  assert.ok(pause >= 119 && pause <= 120 + 60, `pause ${pause}`);
  assert.ok(hold2 >= 39 && hold2 <= 40 + 60, `hold ${hold2}`);
});
