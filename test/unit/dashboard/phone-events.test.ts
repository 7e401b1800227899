import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { mergeEvents, newestFirst, RECENT_EVENTS } from '../../../dashboard/phone-events.js';

test('mergeEvents: newest first, same millisecond by sequence, doubles (same id) once, bounded', () => {
  const live = [{ at: 20, text: 'live b', id: 'r-9' }, { at: 10, text: 'live a', id: 'r-5' }];
  const replayed = [{ at: 5, text: 'old', id: 'r-2' }, { at: 10, text: 'live a again', id: 'r-5' }, { at: 10, text: 'same ms, later', id: 'r-6' }];
  assert.deepEqual(mergeEvents(live, replayed).map((e) => e.text), ['live b', 'same ms, later', 'live a', 'old']);
  assert.deepEqual(mergeEvents(live, replayed, 2).map((e) => e.text), ['live b', 'same ms, later']);
  assert.deepEqual(mergeEvents([], [{ at: 1, text: 'no id' }, { at: 1, text: 'no id' }]).length, 2, 'events without id are kept');
  assert.equal(RECENT_EVENTS, 30);
});

test('mergeEvents: any split of a history into known and more gives the whole history back, once', () => {
  fc.assert(fc.property(fc.uniqueArray(fc.nat(1000), { maxLength: 40 }), fc.array(fc.boolean(), { maxLength: 40 }), (seqs, inKnown) => {
    const all = seqs.map((s) => ({ at: Math.floor(s / 3), text: `e${s}`, id: `run-${s}` }));
    const known = all.filter((_, i) => inKnown[i] === true);
    // the rest, and some of the known ones again
    const more = all.filter((_, i) => inKnown[i] !== true || i % 2 === 0);
    const merged = mergeEvents(known, more, 1000);
    assert.deepEqual(merged.map((e) => e.id), [...all].sort(newestFirst).map((e) => e.id));
  }), { numRuns: 10000 });
});
