import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InvalidOptionError } from '../../../src/util/errors.js';
import {
  KEY_STATE_DEFAULTS,
  KEY_STATE_LIMITS,
  KeyStateError,
  NO_LENGTH_LIMITS,
  X_BUTTONS_FIELDS,
  quoteForMessage,
  validateKeyState,
  validateXButtonsDocument,
  withDefaults,
} from '../../../src/snom/key-state.js';
import type { KeyState, KeyStateValidationOptions } from '../../../src/snom/key-state.js';
import {
  KEY_ACTIONS,
  LED_COLOURS,
  LIGHTS,
  LIGHT_ALIASES,
  isKeyAction,
  isLedColour,
  isLight,
} from '../../../src/snom/lights.js';

/** The error of a validation that must fail. */
function invalid(state: unknown, options?: KeyStateValidationOptions): KeyStateError {
  const r = validateKeyState(state, options);
  assert.equal(r.ok, false, `expected ${JSON.stringify(state)} to be rejected`);
  if (r.ok) throw new Error('unreachable');
  assert.ok(r.error instanceof KeyStateError);
  assert.equal(r.error.code, 'SNOM_ERR_INVALID_KEY_STATE');
  return r.error;
}

/** [field, message] of a rejected state. */
function rejection(state: unknown, options?: KeyStateValidationOptions): [string, string] {
  const e = invalid(state, options);
  return [e.field, e.message];
}

function valid(state: unknown, options?: KeyStateValidationOptions): KeyState {
  const r = validateKeyState(state, options);
  if (!r.ok) assert.fail(`expected valid, got: ${r.error.message}`);
  return r.value;
}

describe('value lists', () => {
  test('lights, actions and colours are exactly the documented sets', () => {
    assert.deepEqual(LIGHTS, ['off', 'on', 'hold', 'pickup', 'park', 'message', 'offline', 'error', 'seized', 'record']);
    assert.deepEqual(KEY_ACTIONS, ['invite', 'message']);
    assert.deepEqual(LED_COLOURS, ['local', 'remote', 'red', 'green', 'orange']);
    assert.deepEqual(LIGHT_ALIASES, { sized: 'seized' });
  });

  test('type guards are exact and case-sensitive', () => {
    assert.equal(isLight('hold'), true);
    assert.equal(isLight('HOLD'), false);
    assert.equal(isLight('sized'), false);
    assert.equal(isLight(undefined), false);
    assert.equal(isKeyAction('message'), true);
    assert.equal(isKeyAction('notify'), false);
    assert.equal(isLedColour('orange'), true);
    assert.equal(isLedColour('blue'), false);
  });

  test('wire field order is k c l a n o d f i b m', () => {
    assert.deepEqual(
      X_BUTTONS_FIELDS.map((f) => `${f.name}:${f.property}`),
      ['k:key', 'c:light', 'l:label', 'a:action', 'n:number', 'o:colour', 'd:displayName', 'f:forward', 'i:caller',
        'b:direction', 'm:messageWaiting'],
    );
  });

  test('default limits', () => {
    assert.deepEqual(KEY_STATE_LIMITS, {
      maxKeyLength: 32, maxLabelLength: 64, maxNumberLength: 256, maxValueLength: 256, maxFieldNameLength: 32,
    });
    assert.equal(Object.isFrozen(KEY_STATE_LIMITS), true);
    assert.equal(NO_LENGTH_LIMITS.maxLabelLength, Infinity);
  });
});

describe('validateKeyState: accepted states', () => {
  test('a key alone is valid', () => {
    assert.deepEqual(valid({ key: '2' }), { key: '2' });
  });

  test('every field, returned as a clean copy in wire order', () => {
    const input = {
      extra: [{ name: 'x-foo', value: 'bar' }],
      messageWaiting: '2/5',
      direction: 'in',
      caller: 'Alice <sip:100@pbx>',
      forward: 'always 2000',
      displayName: 'Reception',
      colour: 'green',
      number: 'api+uuid_transfer abc 9001',
      action: 'message',
      label: 'Grüße 😀 a=b',
      light: 'on',
      key: 'P1.a_b+c-d',
    };
    const out = valid(input);
    assert.notEqual(out, input);
    assert.deepEqual(Object.keys(out), [
      'key', 'light', 'label', 'action', 'number', 'colour', 'displayName', 'forward', 'caller', 'direction',
      'messageWaiting', 'extra',
    ]);
    assert.deepEqual(out, input);
  });

  test('undefined properties and an empty extra list are dropped', () => {
    const out = valid({ key: '3', light: undefined, label: 'x', extra: [] });
    assert.deepEqual(out, { key: '3', label: 'x' });
    assert.deepEqual(Object.keys(out), ['key', 'label']);
  });

  test('empty values other than the key are allowed', () => {
    assert.deepEqual(valid({ key: '1', label: '', number: '' }), { key: '1', label: '', number: '' });
  });

  test('every light, action and colour is accepted', () => {
    for (const light of LIGHTS) assert.equal(valid({ key: '1', light }).light, light);
    for (const action of KEY_ACTIONS) assert.equal(valid({ key: '1', action }).action, action);
    for (const colour of LED_COLOURS) assert.equal(valid({ key: '1', colour }).colour, colour);
  });

  test('non-control Unicode is fine: U+2028, BOM, noncharacter, astral pairs', () => {
    const label = '\u2028\ufeff\uffff𝄞';
    assert.equal(valid({ key: '1', label }).label, label);
  });
});

describe('validateKeyState: the key', () => {
  test('missing, empty, not a string', () => {
    assert.deepEqual(rejection({ label: 'x' }), ['key', 'key is missing']);
    assert.deepEqual(rejection({ key: '' }), ['key', 'key is empty']);
    assert.deepEqual(rejection({ key: 2 }), ['key', 'key must be a string (got number)']);
    assert.deepEqual(rejection({ key: null }), ['key', 'key must be a string (got null)']);
  });

  test('character set: letters, digits and - _ . + only', () => {
    const allowed = '(allowed: letters, digits and - _ . +)';
    assert.deepEqual(rejection({ key: '2=3' }), ['key', `key contains "=" at position 1 ${allowed}`]);
    assert.deepEqual(rejection({ key: 'a b' }), ['key', `key contains " " at position 1 ${allowed}`]);
    assert.deepEqual(rejection({ key: 'ü' }), ['key', `key contains "ü" at position 0 ${allowed}`]);
    assert.deepEqual(rejection({ key: 'k;1' }), ['key', `key contains ";" at position 1 ${allowed}`]);
  });

  test('at most 32 characters by default, configurable', () => {
    assert.equal(valid({ key: 'a'.repeat(32) }).key, 'a'.repeat(32));
    assert.deepEqual(rejection({ key: 'a'.repeat(33) }), ['key', 'key is too long (33 characters, at most 32)']);
    assert.equal(valid({ key: 'a'.repeat(33) }, { maxKeyLength: 40 }).key, 'a'.repeat(33));
  });

  test('a control character in the key is named as such', () => {
    assert.deepEqual(rejection({ key: '2\r\nc=on' }), ['key', 'key contains a control character (CR at position 1)']);
  });
});

describe('validateKeyState: enumerated fields', () => {
  test('unknown light, action, colour', () => {
    const lights = 'off, on, hold, pickup, park, message, offline, error, seized, record';
    assert.deepEqual(rejection({ key: '1', light: 'blink' }), ['light', `light "blink" is not one of ${lights}`]);
    assert.deepEqual(rejection({ key: '1', light: 'ON' }), ['light', `light "ON" is not one of ${lights}`]);
    assert.deepEqual(rejection({ key: '1', light: 'sized' }), ['light', `light "sized" is not one of ${lights}`]);
    assert.deepEqual(rejection({ key: '1', action: 'notify' }), [
      'action', 'action "notify" is not one of invite, message',
    ]);
    assert.deepEqual(rejection({ key: '1', colour: 'blue' }), [
      'colour', 'colour "blue" is not one of local, remote, red, green, orange',
    ]);
  });

  test('a long bad value is shortened in the message', () => {
    const e = invalid({ key: '1', light: 'x'.repeat(100) });
    assert.equal(e.problem, `"${'x'.repeat(32)}…" is not one of off, on, hold, pickup, park, message, offline, error, seized, record`);
  });

  test('a control character in an enumerated field is reported as one', () => {
    assert.deepEqual(rejection({ key: '1', light: 'on\n' }), [
      'light', 'light contains a control character (LF at position 2)',
    ]);
  });
});

describe('validateKeyState: control characters and Unicode', () => {
  test('the brief\'s example: a label that would rewrite another key', () => {
    const e = invalid({ key: '2', label: 'DND\nk=5' });
    assert.equal(e.field, 'label');
    assert.equal(e.subject, 'label');
    assert.equal(e.problem, 'contains a control character (LF at position 3)');
    assert.equal(e.message, 'label contains a control character (LF at position 3)');
    assert.equal(e.index, undefined);
  });

  test('CR, TAB, NUL, DEL, ESC and C1 controls are named', () => {
    const cases: [string, string][] = [
      ['a\rb', 'CR at position 1'],
      ['\tb', 'TAB at position 0'],
      ['ab\0', 'NUL at position 2'],
      ['a\x7f', 'DEL at position 1'],
      ['a\x1b[2J', 'U+001B at position 1'],
      ['a\x85', 'U+0085 at position 1'],
      ['a\x9f', 'U+009F at position 1'],
      ['\x01', 'U+0001 at position 0'],
    ];
    for (const [label, where] of cases) {
      assert.deepEqual(rejection({ key: '1', label }), ['label', `label contains a control character (${where})`]);
    }
  });

  test('the position counts code points, not UTF-16 units', () => {
    assert.deepEqual(rejection({ key: '1', label: '😀😀\n' }), [
      'label', 'label contains a control character (LF at position 2)',
    ]);
  });

  test('every text field checks control characters', () => {
    for (const property of ['number', 'displayName', 'forward', 'caller', 'direction', 'messageWaiting']) {
      assert.deepEqual(rejection({ key: '1', [property]: 'x\ty' }), [
        property, `${property} contains a control character (TAB at position 1)`,
      ]);
    }
  });

  test('lone surrogates are not valid Unicode', () => {
    assert.deepEqual(rejection({ key: '1', label: 'ab\ud800' }), [
      'label', 'label is not valid Unicode (lone surrogate U+D800 at position 2)',
    ]);
    assert.deepEqual(rejection({ key: '1', number: '😀\udc00x' }), [
      'number', 'number is not valid Unicode (lone surrogate U+DC00 at position 1)',
    ]);
    assert.deepEqual(rejection({ key: '1', caller: '\udbff\ud800' }), [
      'caller', 'caller is not valid Unicode (lone surrogate U+DBFF at position 0)',
    ]);
    assert.deepEqual(rejection({ key: '\ud83d' }), ['key', 'key is not valid Unicode (lone surrogate U+D83D at position 0)']);
  });
});

describe('validateKeyState: lengths', () => {
  test('label: 64 code points by default, emoji count once', () => {
    assert.equal(valid({ key: '1', label: '😀'.repeat(64) }).label, '😀'.repeat(64));
    assert.deepEqual(rejection({ key: '1', label: 'é'.repeat(65) }), [
      'label', 'label is too long (65 characters, at most 64)',
    ]);
  });

  test('label limit is configurable', () => {
    assert.equal(valid({ key: '1', label: 'x'.repeat(100) }, { maxLabelLength: 100 }).label, 'x'.repeat(100));
    assert.deepEqual(rejection({ key: '1', label: 'DND!' }, { maxLabelLength: 3 }), [
      'label', 'label is too long (4 characters, at most 3)',
    ]);
    assert.equal(valid({ key: '1', label: 'x'.repeat(5000) }, { maxLabelLength: Infinity }).label?.length, 5000);
  });

  test('number: 256, other values: 256', () => {
    assert.equal(valid({ key: '1', number: 'n'.repeat(256) }).number?.length, 256);
    assert.deepEqual(rejection({ key: '1', number: 'n'.repeat(257) }), [
      'number', 'number is too long (257 characters, at most 256)',
    ]);
    assert.equal(valid({ key: '1', displayName: 'd'.repeat(256) }).displayName?.length, 256);
    assert.deepEqual(rejection({ key: '1', forward: 'f'.repeat(257) }), [
      'forward', 'forward is too long (257 characters, at most 256)',
    ]);
    assert.deepEqual(rejection({ key: '1', number: 'n'.repeat(11) }, { maxNumberLength: 10 }), [
      'number', 'number is too long (11 characters, at most 10)',
    ]);
  });

  test('bad options throw InvalidOptionError', () => {
    const bad: unknown[] = [{ maxLabelLength: -1 }, { maxLabelLength: 1.5 }, { maxLabelLength: NaN },
      { maxLabelLength: '64' }, { maxLabel: 64 }, 'strict'];
    for (const options of bad) {
      assert.throws(() => validateKeyState({ key: '1' }, options as KeyStateValidationOptions), InvalidOptionError);
    }
    assert.throws(() => validateKeyState({ key: '1' }, { maxLabelLength: -1 }), {
      message: 'invalid option maxLabelLength: must be a non-negative integer or Infinity',
    });
    assert.equal(valid({ key: '1' }, { maxLabelLength: 0, maxKeyLength: undefined }).key, '1');
  });
});

describe('validateKeyState: shape', () => {
  test('not an object', () => {
    for (const state of [null, undefined, 'k=1', 2, [{ key: '1' }]]) {
      assert.deepEqual(rejection(state), ['', 'key state must be an object']);
    }
  });

  test('unknown property (a typo) is rejected', () => {
    assert.deepEqual(rejection({ key: '1', lable: 'x' }), ['lable', 'key state has an unknown property "lable"']);
  });
});

describe('validateKeyState: extra fields', () => {
  test('kept in order', () => {
    const extra = [{ name: 'z', value: '1' }, { name: 'x-Foo.bar', value: 'a b=c' }, { name: "q!%*_+`'~", value: '' }];
    assert.deepEqual(valid({ key: '1', extra }).extra, extra);
  });

  test('shape errors', () => {
    assert.deepEqual(rejection({ key: '1', extra: { x: '1' } }), [
      'extra', 'extra must be an array of { name, value } fields',
    ]);
    assert.deepEqual(rejection({ key: '1', extra: ['x=1'] }), ['extra[0]', 'extra[0] must be an object { name, value }']);
    assert.deepEqual(rejection({ key: '1', extra: [{ name: 'x', value: '1', line: 3 }] }), [
      'extra[0]', 'extra[0] has an unknown property "line"',
    ]);
    assert.deepEqual(rejection({ key: '1', extra: [{ name: 'x' }] }), [
      'extra[0].value', 'extra field "x" value must be a string (got undefined)',
    ]);
    assert.deepEqual(rejection({ key: '1', extra: [{ value: '1' }] }), [
      'extra[0].name', 'extra[0].name must be a string (got undefined)',
    ]);
  });

  test('names: non-empty tokens without = or blanks', () => {
    const allowed = "(allowed: letters, digits and - . ! % * _ + ` ' ~)";
    assert.deepEqual(rejection({ key: '1', extra: [{ name: '', value: '1' }] }), [
      'extra[0].name', 'extra field name "" is empty',
    ]);
    assert.deepEqual(rejection({ key: '1', extra: [{ name: 'a=b', value: '1' }] }), [
      'extra[0].name', `extra field name "a=b" contains "=" at position 1 ${allowed}`,
    ]);
    assert.deepEqual(rejection({ key: '1', extra: [{ name: 'a b', value: '1' }] }), [
      'extra[0].name', `extra field name "a b" contains " " at position 1 ${allowed}`,
    ]);
    assert.deepEqual(rejection({ key: '1', extra: [{ name: 'x\n', value: '1' }] }), [
      'extra[0].name', 'extra[0].name contains a control character (LF at position 1)',
    ]);
    assert.deepEqual(rejection({ key: '1', extra: [{ name: 'n'.repeat(33), value: '1' }] }), [
      'extra[0].name', 'extra[0].name is too long (33 characters, at most 32)',
    ]);
  });

  test('names of known fields, in any case, are refused', () => {
    assert.deepEqual(rejection({ key: '1', extra: [{ name: 'c', value: 'on' }] }), [
      'extra[0].name', 'extra field name "c" clashes with the known field c= (light)',
    ]);
    assert.deepEqual(rejection({ key: '1', extra: [{ name: 'ok', value: '1' }, { name: 'K', value: '5' }] }), [
      'extra[1].name', 'extra field name "K" clashes with the known field k= (key)',
    ]);
  });

  test('duplicate names', () => {
    assert.deepEqual(
      rejection({ key: '1', extra: [{ name: 'x', value: '1' }, { name: 'y', value: '2' }, { name: 'x', value: '3' }] }),
      ['extra[2].name', 'extra field name "x" appears twice (extra[0] and extra[2])'],
    );
  });

  test('values: control characters and length', () => {
    assert.deepEqual(rejection({ key: '1', extra: [{ name: 'x', value: 'a\0' }] }), [
      'extra[0].value', 'extra field "x" value contains a control character (NUL at position 1)',
    ]);
    assert.deepEqual(rejection({ key: '1', extra: [{ name: 'x', value: 'v'.repeat(257) }] }), [
      'extra[0].value', 'extra field "x" value is too long (257 characters, at most 256)',
    ]);
  });
});

describe('validateXButtonsDocument', () => {
  test('a valid document comes back as clean copies', () => {
    const r = validateXButtonsDocument([{ key: '1', light: 'on' }, { key: '2', extra: [] }]);
    assert.deepEqual(r, { ok: true, value: [{ key: '1', light: 'on' }, { key: '2' }] });
  });

  test('not an array, empty', () => {
    const notArray = validateXButtonsDocument({ key: '1' });
    assert.equal(!notArray.ok && notArray.error.message, 'document must be an array of key states');
    const empty = validateXButtonsDocument([]);
    assert.equal(!empty.ok && empty.error.message, 'document has no key states');
  });

  test('the failing key state is named by position', () => {
    const r = validateXButtonsDocument([{ key: '1' }, { key: '2', label: 'a\nb' }]);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.index, 1);
    assert.equal(r.error.field, 'label');
    assert.equal(r.error.message, 'key state 2: label contains a control character (LF at position 1)');
  });

  test('options apply to each key state; bad options throw', () => {
    const r = validateXButtonsDocument([{ key: '1', label: 'long' }], { maxLabelLength: 2 });
    assert.equal(!r.ok && r.error.message, 'key state 1: label is too long (4 characters, at most 2)');
    assert.throws(() => validateXButtonsDocument([], { maxKeyLength: -3 }), InvalidOptionError);
  });
});

describe('withDefaults', () => {
  test('fills absent light and action as a phone does', () => {
    assert.deepEqual(KEY_STATE_DEFAULTS, { light: 'off', action: 'invite' });
    assert.deepEqual(withDefaults({ key: '2', label: 'DND' }), { key: '2', label: 'DND', light: 'off', action: 'invite' });
  });

  test('keeps given values and does not modify its argument', () => {
    const state: KeyState = { key: '2', light: 'hold', action: 'message', number: 'x' };
    assert.deepEqual(withDefaults(state), { key: '2', light: 'hold', action: 'message', number: 'x' });
    const bare: KeyState = { key: '3' };
    withDefaults(bare);
    assert.deepEqual(bare, { key: '3' });
  });
});

describe('quoteForMessage', () => {
  test('escapes and shortens', () => {
    assert.equal(quoteForMessage('a\nb'), '"a\\nb"');
    assert.equal(quoteForMessage('😀'.repeat(40)), `"${'😀'.repeat(32)}…"`);
    assert.equal(quoteForMessage('x'.repeat(32)), `"${'x'.repeat(32)}"`);
  });
});

describe('property: control characters never pass validation', () => {
  const control = fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f }))
    .map((c) => String.fromCharCode(c));
  const text = fc.string({ unit: 'grapheme', maxLength: 20 });
  const tainted = fc.tuple(text, control, text).map(([a, c, b]) => `${a}${c}${b}`);
  const field = fc.constantFrom('key', 'label', 'number', 'displayName', 'forward', 'caller', 'direction',
    'messageWaiting', 'extra value', 'extra name');

  test('any field with a control character is rejected, naming that field', () => {
    fc.assert(
      fc.property(field, tainted, (which, value) => {
        const state: Record<string, unknown> = { key: '1', label: 'ok' };
        let expectedField: string = which;
        if (which === 'extra value') {
          state.extra = [{ name: 'x', value }];
          expectedField = 'extra[0].value';
        } else if (which === 'extra name') {
          state.extra = [{ name: value, value: 'v' }];
          expectedField = 'extra[0].name';
        } else {
          state[which] = value;
        }
        const r = validateKeyState(state, NO_LENGTH_LIMITS);
        assert.equal(r.ok, false);
        if (!r.ok) {
          assert.equal(r.error.field, expectedField);
          assert.match(r.error.problem, /^contains a control character \((CR|LF|TAB|NUL|DEL|U\+00[0-9A-F]{2}) at position \d+\)$/);
        }
      }),
      { numRuns: 10000 },
    );
  });
});
