import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Backoff } from '../../../src/esl/backoff.js';

describe('Backoff', () => {
  test('doubles from min to max (no jitter at random 0.5), reset starts over', () => {
    const b = new Backoff({ minMs: 100, maxMs: 1000, random: () => 0.5 });
    assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()], [100, 200, 400, 800, 1000, 1000]);
    assert.equal(b.attempts, 6);
    b.reset();
    assert.equal(b.next(), 100);
  });

  test('jitter is ±20 % and stays within [min, max]', () => {
    assert.equal(new Backoff({ minMs: 100, maxMs: 1000, random: () => 0 }).next(), 100);
    const high = new Backoff({ minMs: 100, maxMs: 1000, random: () => 0.999999 });
    assert.deepEqual([high.next(), high.next()], [120, 240]);
  });

  test('property: every delay is within [min, max] whatever the random source says', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 100000 }), fc.array(fc.double(), { maxLength: 40 }), (min, extra, randoms) => {
        let i = 0;
        const b = new Backoff({ minMs: min, maxMs: min + extra, random: () => randoms[i++ % Math.max(1, randoms.length)] ?? 0.5 });
        for (let k = 0; k < 40; k++) {
          const d = b.next();
          assert.ok(d >= min && d <= min + extra, `${d} not in [${min}, ${min + extra}]`);
        }
      }),
      { numRuns: 10000 },
    );
  });
});
