import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapBounded } from '../../../../src/service/commands/bounded-map.js';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('at most `limit` calls pending, started in order, results in list order, onResult in completion order', async () => {
  let current = 0;
  let max = 0;
  const started: number[] = [];
  const finished: number[] = [];
  const delays = [30, 5, 20, 1, 10, 1, 15, 2];
  const results = await mapBounded(delays, 3, async (ms, i) => {
    started.push(i);
    current++;
    max = Math.max(max, current);
    await tick(ms);
    current--;
    return ms * 2;
  }, (r, i) => finished.push(i));
  assert.equal(max, 3);
  assert.deepEqual(started, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(results, delays.map((d) => d * 2));
  assert.deepEqual([...finished].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.notDeepEqual(finished, [0, 1, 2, 3, 4, 5, 6, 7], 'completion order differs from list order here');
});

test('empty input and a limit above the item count', async () => {
  assert.deepEqual(await mapBounded([], 4, () => Promise.resolve(1)), []);
  assert.deepEqual(await mapBounded([1, 2], 100, (x) => Promise.resolve(x + 1)), [2, 3]);
});

test('a rejection stops further starts and propagates after started calls settle', async () => {
  const started: number[] = [];
  let settled = 0;
  await assert.rejects(
    mapBounded([0, 1, 2, 3, 4, 5], 2, async (i) => {
      started.push(i);
      await tick(i === 1 ? 1 : 10);
      settled++;
      if (i === 1) throw new Error('boom');
      return i;
    }),
    /boom/,
  );
  assert.deepEqual(started, [0, 1], 'item 1 failed before item 0 finished: nothing else started');
  assert.equal(settled, 2, 'the rejection waited for item 0');
});

test('a bad limit is a RangeError', async () => {
  for (const limit of [0, -1, 1.5, NaN]) await assert.rejects(mapBounded([1], limit, () => Promise.resolve(1)), RangeError);
});
