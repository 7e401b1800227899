import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedLog } from '../../../src/sim/bounded-log.js';

test('keeps the newest max entries in order', () => {
  const log = new BoundedLog<number>(3);
  assert.deepEqual(log.items(), []);
  for (let i = 1; i <= 100; i++) {
    log.push(i);
    assert.deepEqual(log.items(), [i - 2, i - 1, i].filter((n) => n >= 1), `after ${i}`);
  }
  assert.deepEqual(log.filter((n) => n % 2 === 0), [98, 100]);
  log.clear();
  assert.deepEqual(log.items(), []);
});
