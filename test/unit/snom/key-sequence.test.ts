import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  KEY_SEQUENCE_LIMITS,
  KeySequenceError,
  formatKeySequence,
  parseKeySequence,
  type KeyEvent,
} from '../../../src/snom/key-sequence.js';
import { keyEventArb } from './key-arbitraries.js';

test('parses the mod_snom example, keys kept as written', () => {
  const r = parseKeySequence('enter,50,5000;cancel,50,1000');
  assert.deepEqual(r, {
    ok: true,
    value: [
      { key: 'enter', holdMs: 50, pauseMs: 5000 },
      { key: 'cancel', holdMs: 50, pauseMs: 1000 },
    ],
  });
});

test('single keys and optional times', () => {
  assert.deepEqual(parseKeySequence('ENTER'), { ok: true, value: [{ key: 'ENTER' }] });
  assert.deepEqual(parseKeySequence('#'), { ok: true, value: [{ key: '#' }] });
  assert.deepEqual(parseKeySequence('1;2,0;P3,60000,0'), {
    ok: true,
    value: [{ key: '1' }, { key: '2', holdMs: 0 }, { key: 'P3', holdMs: 60000, pauseMs: 0 }],
  });
  assert.deepEqual(parseKeySequence('up,050'), { ok: true, value: [{ key: 'up', holdMs: 50 }] });
});

function failure(text: string): { reason: string; index: number | undefined; message: string } {
  const r = parseKeySequence(text);
  assert.equal(r.ok, false, text);
  if (r.ok) throw new Error('unreachable');
  assert.ok(r.error instanceof KeySequenceError);
  assert.equal(r.error.code, 'SNOM_ERR_INVALID_KEY_SEQUENCE');
  return { reason: r.error.reason, index: r.error.index, message: r.error.message };
}

test('bad sequences give a typed reason and the 0-based press', () => {
  const cases: [string, string, number | undefined][] = [
    ['', 'empty', undefined],
    [';', 'empty-element', 0],
    ['enter;', 'empty-element', 1],
    ['enter;;cancel', 'empty-element', 1],
    [',50', 'empty-element', 0],
    ['enter,50,10,3', 'too-many-fields', 0],
    ['enterx', 'unknown-key', 0],
    ['enter;reboot=Reboot', 'unknown-key', 1],
    ['enter&reboot=Reboot', 'unknown-key', 0],
    ['../', 'unknown-key', 0],
    ['%', 'unknown-key', 0],
    ['enter ', 'unknown-key', 0],
    ['enter,', 'bad-time', 0],
    ['enter,-1', 'bad-time', 0],
    ['enter,1.5', 'bad-time', 0],
    ['enter, 50', 'bad-time', 0],
    ['enter,5e3', 'bad-time', 0],
    ['enter,50,', 'bad-time', 0],
    ['enter,60001', 'time-too-large', 0],
    ['enter,50,999999999999', 'time-too-large', 0],
    [Array(65).fill('1').join(';'), 'too-many-events', undefined],
  ];
  for (const [text, reason, index] of cases) {
    const f = failure(text);
    assert.deepEqual([f.reason, f.index], [reason, index], JSON.stringify(text));
  }
  assert.equal(parseKeySequence(Array(64).fill('1').join(';')).ok, true);
  assert.equal(failure('up;enter\r\nX').message, 'key 2: unknown key "enter\\r\\nX"');
  assert.equal(parseKeySequence(undefined as unknown as string).ok, false);
});

test('formatting validates and writes the canonical text', () => {
  assert.deepEqual(formatKeySequence([{ key: 'ENTER', holdMs: 50, pauseMs: 5000 }, { key: 'cancel' }]), {
    ok: true,
    value: 'ENTER,50,5000;cancel',
  });
  const bad: [KeyEvent[], string][] = [
    [[], 'empty'],
    [[{ key: '' }], 'empty-element'],
    [[{ key: 'NOPE' }], 'unknown-key'],
    [[{ key: 'UP', pauseMs: 5 }], 'pause-without-hold'],
    [[{ key: 'UP', holdMs: -1 }], 'bad-time'],
    [[{ key: 'UP', holdMs: 1.5 }], 'bad-time'],
    [[{ key: 'UP', holdMs: Number.NaN }], 'bad-time'],
    [[{ key: 'UP', holdMs: 1, pauseMs: 60_001 }], 'time-too-large'],
    [Array<KeyEvent>(KEY_SEQUENCE_LIMITS.maxEvents + 1).fill({ key: 'UP' }), 'too-many-events'],
  ];
  for (const [events, reason] of bad) {
    const r = formatKeySequence(events);
    assert.equal(r.ok ? 'ok' : r.error.reason, reason, JSON.stringify(events).slice(0, 60));
  }
});

test('property: format then parse gives the same events back', () => {
  fc.assert(
    fc.property(fc.array(keyEventArb, { minLength: 1, maxLength: KEY_SEQUENCE_LIMITS.maxEvents }), (events) => {
      const text = formatKeySequence(events);
      assert.equal(text.ok, true);
      if (!text.ok) return;
      assert.deepEqual(parseKeySequence(text.value), { ok: true, value: events });
    }),
    { numRuns: 10000 },
  );
});

test('property: parsing arbitrary text never throws', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 80, unit: fc.constantFrom('e', 'n', 't', 'r', ',', ';', '5', '0', '#', 'P', ' ', '-') }), (text) => {
      const r = parseKeySequence(text);
      if (r.ok) assert.ok(r.value.length >= 1);
    }),
    { numRuns: 10000 },
  );
});
