import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthFailureLimiter } from '../../../src/service/auth-failure-limiter.js';

test('blocks a source and user after maxFailures within the window, per key; success and the window reset it', () => {
  let now = 0;
  const l = new AuthFailureLimiter({ maxFailures: 3, windowMs: 1000, maxEntries: 100, now: () => now });
  for (let i = 0; i < 3; i++) l.failed('10.0.0.1', 'alice');
  assert.equal(l.blocked('10.0.0.1', 'alice'), false, 'three failures are allowed');
  l.failed('10.0.0.1', 'alice');
  assert.equal(l.blocked('10.0.0.1', 'alice'), true);
  assert.equal(l.blocked('10.0.0.1', 'bob'), false, 'another user behind the same address');
  assert.equal(l.blocked('10.0.0.2', 'alice'), false, 'another address');
  now = 999;
  assert.equal(l.blocked('10.0.0.1', 'alice'), true);
  now = 1000;
  assert.equal(l.blocked('10.0.0.1', 'alice'), false, 'the window ended');
  for (let i = 0; i < 4; i++) l.failed('10.0.0.1', 'alice');
  assert.equal(l.blocked('10.0.0.1', 'alice'), true);
  l.succeeded('10.0.0.1', 'alice');
  assert.equal(l.blocked('10.0.0.1', 'alice'), false);
});

test('memory is bounded; maxFailures 0 disables it', () => {
  const l = new AuthFailureLimiter({ maxFailures: 1, windowMs: 1000, maxEntries: 10, now: () => 0 });
  for (let i = 0; i < 50; i++) l.failed(`10.0.0.${i}`, 'u');
  assert.equal(l.size, 10);
  const off = new AuthFailureLimiter({ maxFailures: 0, windowMs: 1000, maxEntries: 10, now: () => 0 });
  for (let i = 0; i < 5; i++) off.failed('a', 'u');
  assert.deepEqual([off.blocked('a', 'u'), off.size], [false, 0]);
});
