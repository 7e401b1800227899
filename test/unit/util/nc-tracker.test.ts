import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NC_WINDOW, NcTracker } from '../../../src/util/nc-tracker.js';

test('each nc is accepted once; late ones within the window too', () => {
  const t = new NcTracker(10, 1000);
  assert.equal(t.check('n', 1000, 1), 'fresh');
  t.record('n', 1000, 1);
  assert.equal(t.check('n', 1000, 1), 'replayed');
  assert.equal(t.check('n', 1000, 3), 'fresh');
  t.record('n', 1000, 3);
  assert.equal(t.check('n', 1000, 2), 'fresh', 'nc 2 arrives after 3');
  t.record('n', 1000, 2);
  assert.equal(t.check('n', 1000, 2), 'replayed');
  assert.equal(t.check('n', 1000, 3), 'replayed');
  t.record('n', 1000, 3 + NC_WINDOW);
  assert.equal(t.check('n', 1000, 4), 'fresh', `4 is ${NC_WINDOW - 1} below the top`);
  assert.equal(t.check('n', 1000, 3), 'replayed', 'outside the window');
  assert.equal(t.check('n', 1000, 1), 'replayed');
  t.record('n', 1000, 1000);
  assert.equal(t.check('n', 1000, 999), 'fresh');
  assert.equal(t.check('n', 1000, 1000), 'replayed');
});

test('bounded: the least recently used nonce is dropped and then counts as unknown', () => {
  const t = new NcTracker(2, 1000);
  t.record('a', 1001, 1);
  t.record('b', 1002, 1);
  t.record('a', 1001, 2); // a is now the most recent
  t.record('c', 1003, 1); // drops b
  assert.equal(t.size, 2);
  assert.equal(t.check('b', 1002, 2), 'unknown');
  assert.equal(t.check('x', 1002, 1), 'unknown', 'issued no later than the dropped nonce');
  assert.equal(t.check('y', 1004, 1), 'fresh');
  assert.equal(t.check('a', 1001, 2), 'replayed');
});

test('nonces issued before the tracker existed are unknown; those at or after are fresh', () => {
  const t = new NcTracker(5, 5000);
  assert.equal(t.check('old', 4999, 1), 'unknown');
  assert.equal(t.check('new', 5000, 1), 'fresh');
});
