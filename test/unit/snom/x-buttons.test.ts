import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  X_BUTTONS_CONTENT_TYPE,
  XButtonsParseError,
  decodeXButtons,
  encodeModSnom,
  encodeXButtons,
  encodeXButtonsBlock,
  isXButtonsBlock,
} from '../../../src/snom/x-buttons.js';
import { KeyStateError, X_BUTTONS_FIELDS } from '../../../src/snom/key-state.js';
import type { KeyState, XButtonsDocument } from '../../../src/snom/key-state.js';
import { KEY_ACTIONS, LED_COLOURS, LIGHTS } from '../../../src/snom/lights.js';

function encoded(doc: XButtonsDocument): string {
  const r = encodeXButtons(doc);
  if (!r.ok) assert.fail(`expected encodable, got: ${r.error.message}`);
  return r.value;
}

function decoded(input: string | Uint8Array): XButtonsDocument {
  const r = decodeXButtons(input);
  if (!r.ok) assert.fail(`expected decodable, got: ${r.error.message}`);
  return r.value;
}

/** [line, field, message] of a decode that must fail. */
function parseError(input: string | Uint8Array): [number, string | undefined, string] {
  const r = decodeXButtons(input);
  assert.equal(r.ok, false, `expected ${JSON.stringify(String(input))} to be rejected`);
  if (r.ok) throw new Error('unreachable');
  assert.ok(r.error instanceof XButtonsParseError);
  assert.equal(r.error.code, 'SNOM_ERR_XBUTTONS_PARSE');
  return [r.error.line, r.error.field, r.error.message];
}

describe('encodeXButtons', () => {
  test('content type', () => {
    assert.equal(X_BUTTONS_CONTENT_TYPE, 'application/x-buttons');
  });

  test('every field, in the fixed order, CRLF lines', () => {
    const state: KeyState = {
      extra: [{ name: 'z', value: '26' }, { name: 'x-a', value: 'b=c' }],
      messageWaiting: '1/3',
      direction: 'out',
      caller: 'Bob',
      forward: 'busy 3000',
      displayName: 'Desk',
      colour: 'red',
      number: '2000',
      action: 'invite',
      label: 'Call Bob',
      light: 'pickup',
      key: '7',
    };
    assert.equal(
      encoded([state]),
      'k=7\r\nc=pickup\r\nl=Call Bob\r\na=invite\r\nn=2000\r\no=red\r\nd=Desk\r\nf=busy 3000\r\ni=Bob\r\nb=out\r\n' +
        'm=1/3\r\nz=26\r\nx-a=b=c\r\n',
    );
  });

  test('absent fields are omitted; a key alone is one line', () => {
    assert.equal(encoded([{ key: '2' }]), 'k=2\r\n');
    assert.equal(encoded([{ key: '2', label: 'DND' }]), 'k=2\r\nl=DND\r\n');
    assert.equal(encoded([{ key: '2', label: '' }]), 'k=2\r\nl=\r\n');
  });

  test('blocks are separated by one empty line', () => {
    assert.equal(
      encoded([{ key: '1', light: 'on' }, { key: '2', light: 'off', label: 'Ü' }, { key: '3' }]),
      'k=1\r\nc=on\r\n\r\nk=2\r\nc=off\r\nl=Ü\r\n\r\nk=3\r\n',
    );
  });

  test('invalid input gives the KeyStateError and no text', () => {
    const r = encodeXButtons([{ key: '1' }, { key: '2', label: 'DND\nk=5' }]);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.ok(r.error instanceof KeyStateError);
    assert.equal(r.error.message, 'key state 2: label contains a control character (LF at position 3)');
    assert.equal('value' in r, false);
  });

  test('an empty document is refused', () => {
    const r = encodeXButtons([]);
    assert.equal(!r.ok && r.error.message, 'document has no key states');
  });

  test('options reach validation', () => {
    const long = 'x'.repeat(80);
    const refused = encodeXButtons([{ key: '1', label: long }]);
    assert.equal(!refused.ok && refused.error.message, 'key state 1: label is too long (80 characters, at most 64)');
    assert.deepEqual(encodeXButtons([{ key: '1', label: long }], { maxLabelLength: 80 }), {
      ok: true, value: `k=1\r\nl=${long}\r\n`,
    });
  });
});

describe('encodeModSnom', () => {
  test('wiki demo 1 (call 9000), byte for byte', () => {
    assert.deepEqual(
      encodeModSnom('2', 'on', 'DND', 'message', 'api+uuid_transfer 8f2e4b1c-1111-2222-3333-444455556666 9001'),
      { ok: true, value: 'k=2\nc=on\nl=DND\nn=api+uuid_transfer 8f2e4b1c-1111-2222-3333-444455556666 9001\na=message\n' },
    );
  });

  test('wiki demo 2 (call 9001), byte for byte', () => {
    assert.deepEqual(encodeModSnom('2', 'off', 'DND', 'message', 'notused'), {
      ok: true, value: 'k=2\nc=off\nl=DND\nn=notused\na=message\n',
    });
  });

  test('without an action: three lines and an empty line', () => {
    assert.deepEqual(encodeModSnom('3', 'hold', 'Line 2'), { ok: true, value: 'k=3\nc=hold\nl=Line 2\n\n' });
  });

  test('an action name without action is dropped, as with 7 mod_snom arguments', () => {
    assert.deepEqual(encodeModSnom('2', 'on', 'DND', 'message'), { ok: true, value: 'k=2\nc=on\nl=DND\n\n' });
    assert.deepEqual(encodeModSnom('2', 'on', 'DND', 'bogus'), { ok: true, value: 'k=2\nc=on\nl=DND\n\n' });
    assert.deepEqual(encodeModSnom('2', 'on', 'DND', undefined, '2000'), { ok: true, value: 'k=2\nc=on\nl=DND\n\n' });
  });

  test('validates, naming mod_snom\'s arguments', () => {
    const cases: [Parameters<typeof encodeModSnom>, string, string][] = [
      [['2', 'on', 'DND\nk=5'], 'label', 'label contains a control character (LF at position 3)'],
      [['2', 'blink', 'DND'], 'light', 'light "blink" is not one of off, on, hold, pickup, park, message, offline, error, seized, record'],
      [['2 3', 'on', 'DND'], 'key', 'key contains " " at position 1 (allowed: letters, digits and - _ . +)'],
      [['2', 'on', 'DND', 'transfer', '2000'], 'action_name', 'action_name "transfer" is not one of invite, message'],
      [['2', 'on', 'DND', 'message', 'api+x\r\nk=9'], 'action', 'action contains a control character (CR at position 5)'],
      [['2', 'on', 'x'.repeat(65)], 'label', 'label is too long (65 characters, at most 64)'],
    ];
    for (const [args, field, message] of cases) {
      const r = encodeModSnom(...args);
      assert.equal(r.ok, false, JSON.stringify(args));
      if (r.ok) continue;
      assert.ok(r.error instanceof KeyStateError);
      assert.equal(r.error.field, field);
      assert.equal(r.error.message, message);
    }
  });

  test('options are passed on', () => {
    assert.deepEqual(encodeModSnom('2', 'on', 'x'.repeat(65), undefined, undefined, { maxLabelLength: 100 }), {
      ok: true, value: `k=2\nc=on\nl=${'x'.repeat(65)}\n\n`,
    });
  });

  test('its bodies decode back', () => {
    assert.deepEqual(decoded('k=2\nc=off\nl=DND\nn=notused\na=message\n'), [
      { key: '2', light: 'off', label: 'DND', number: 'notused', action: 'message' },
    ]);
    assert.deepEqual(decoded('k=3\nc=hold\nl=Line 2\n\n'), [{ key: '3', light: 'hold', label: 'Line 2' }]);
  });
});

describe('decodeXButtons: accepted input', () => {
  const two = [{ key: '1', light: 'on', label: 'A' }, { key: '2', light: 'off' }];

  test('CRLF, LF and a mix', () => {
    assert.deepEqual(decoded('k=1\r\nc=on\r\nl=A\r\n\r\nk=2\r\nc=off\r\n'), two);
    assert.deepEqual(decoded('k=1\nc=on\nl=A\n\nk=2\nc=off\n'), two);
    assert.deepEqual(decoded('k=1\r\nc=on\nl=A\r\n\nk=2\nc=off'), two);
  });

  test('leading, trailing and repeated empty lines are ignored', () => {
    assert.deepEqual(decoded('\r\n\nk=1\nc=on\nl=A\n\n\r\n\nk=2\nc=off\n\n\n'), two);
  });

  test('a Buffer, with or without a BOM; a string with a BOM', () => {
    assert.deepEqual(decoded(Buffer.from('k=1\r\nl=Grüße 😀\r\n', 'utf8')), [{ key: '1', label: 'Grüße 😀' }]);
    assert.deepEqual(decoded(Buffer.from('\ufeffk=1\r\n', 'utf8')), [{ key: '1' }]);
    assert.deepEqual(decoded('\ufeffk=1\r\n'), [{ key: '1' }]);
    assert.deepEqual(decoded(new Uint8Array([0x6b, 0x3d, 0x39])), [{ key: '9' }]);
  });

  test('every known field', () => {
    const body = 'k=7\nc=pickup\nl=Call Bob\na=invite\nn=2000\no=red\nd=Desk\nf=busy 3000\ni=Bob\nb=out\nm=1/3\n';
    assert.deepEqual(decoded(body), [{
      key: '7', light: 'pickup', label: 'Call Bob', action: 'invite', number: '2000', colour: 'red',
      displayName: 'Desk', forward: 'busy 3000', caller: 'Bob', direction: 'out', messageWaiting: '1/3',
    }]);
  });

  test('fields after k= in any order; values keep =, blanks and emptiness', () => {
    assert.deepEqual(decoded('k=4\nn= a=b \nl=\nc=park'), [{ key: '4', number: ' a=b ', label: '', light: 'park' }]);
  });

  test('unknown fields are kept in order in extra', () => {
    const doc = decoded('k=1\nzz=2\nc=on\nX-Y=a b\nq=\n\nk=2\n');
    assert.deepEqual(doc, [
      { key: '1', light: 'on', extra: [{ name: 'zz', value: '2' }, { name: 'X-Y', value: 'a b' }, { name: 'q', value: '' }] },
      { key: '2' },
    ]);
    assert.equal('extra' in doc[1]!, false);
  });

  test('absent fields stay absent', () => {
    const [state] = decoded('k=5\n');
    assert.deepEqual(Object.keys(state!), ['key']);
  });

  test('c=sized is read as seized', () => {
    assert.deepEqual(decoded('k=1\nc=sized\n'), [{ key: '1', light: 'seized' }]);
  });

  test('no length limits when decoding', () => {
    const label = 'L'.repeat(1000);
    const key = 'k'.repeat(100);
    assert.deepEqual(decoded(`k=${key}\nl=${label}\nn=${'n'.repeat(5000)}\n`), [
      { key, label, number: 'n'.repeat(5000) },
    ]);
  });

  test('the same key twice in separate blocks is allowed (applied in order)', () => {
    assert.deepEqual(decoded('k=1\nc=on\n\nk=1\nc=off\n'), [{ key: '1', light: 'on' }, { key: '1', light: 'off' }]);
  });
});

describe('decodeXButtons: errors name the line', () => {
  test('a line without =', () => {
    assert.deepEqual(parseError('k=1\nc=on\nlabel DND\n'), [
      3, undefined, 'line 3: line has no "=" (expected name=value, or an empty line between key states)',
    ]);
    assert.deepEqual(parseError('k=1\n \n'), [
      2, undefined, 'line 2: line has no "=" (expected name=value, or an empty line between key states)',
    ]);
  });

  test('a block not starting with k=', () => {
    assert.deepEqual(parseError('\n\nc=on\nk=1\n'), [3, 'c', 'line 3: a key state must start with k= (found "c"=)']);
    assert.deepEqual(parseError('k=1\n\nl=x\n'), [3, 'l', 'line 3: a key state must start with k= (found "l"=)']);
    assert.deepEqual(parseError('K=1\n'), [1, 'K', 'line 1: a key state must start with k= (found "K"=)']);
    assert.deepEqual(parseError('=1\n'), [1, '', 'line 1: a key state must start with k= (found ""=)']);
  });

  test('duplicate fields in one block', () => {
    assert.deepEqual(parseError('k=1\nc=on\nl=a\nc=off\n'), [4, 'c', 'line 4: duplicate field c= (first on line 2)']);
    assert.deepEqual(parseError('k=1\nx=1\nx=2\n'), [3, 'x', 'line 3: duplicate field "x"= (first on line 2)']);
    assert.deepEqual(parseError('\nk=1\nc=on\nk=2\nc=off\n'), [
      4, 'k', 'line 4: k= again in the key state that started on line 2 (separate key states with an empty line)',
    ]);
  });

  test('values failing validation: the field\'s own line', () => {
    assert.deepEqual(parseError('k=1\nl=ok\nc=blink\n'), [
      3, 'c', 'line 3: light "blink" is not one of off, on, hold, pickup, park, message, offline, error, seized, record',
    ]);
    assert.deepEqual(parseError('k=1\n\nk=2\na=call\n'), [4, 'a', 'line 4: action "call" is not one of invite, message']);
    assert.deepEqual(parseError('k=1\no=blue\n'), [2, 'o', 'line 2: colour "blue" is not one of local, remote, red, green, orange']);
    assert.deepEqual(parseError('k=1\nl=a\tb\n'), [2, 'l', 'line 2: label contains a control character (TAB at position 1)']);
    assert.deepEqual(parseError('k=1\nn=x\0\n'), [2, 'n', 'line 2: number contains a control character (NUL at position 1)']);
    assert.deepEqual(parseError('k=\n'), [1, 'k', 'line 1: key is empty']);
    assert.deepEqual(parseError('k=1 \n'), [
      1, 'k', 'line 1: key contains " " at position 1 (allowed: letters, digits and - _ . +)',
    ]);
    assert.deepEqual(parseError('k=1\nl=\ud800\n'), [
      2, 'l', 'line 2: label is not valid Unicode (lone surrogate U+D800 at position 0)',
    ]);
  });

  test('a lone CR is a control character, not a line end', () => {
    assert.deepEqual(parseError('k=1\rc=on\n'), [1, 'k', 'line 1: key contains a control character (CR at position 1)']);
    assert.deepEqual(parseError('k=1\nl=x\r'), [2, 'l', 'line 2: label contains a control character (CR at position 1)']);
  });

  test('extra fields: bad names and values', () => {
    assert.deepEqual(parseError('k=1\nc=on\nC=off\n'), [
      3, 'C', 'line 3: extra field name "C" clashes with the known field c= (light)',
    ]);
    assert.deepEqual(parseError('k=1\nc=on\nx y=1\n'), [
      3, 'x y', "line 3: extra field name \"x y\" contains \" \" at position 1 (allowed: letters, digits and - . ! % * _ + ` ' ~)",
    ]);
    assert.deepEqual(parseError('k=1\nok=1\nx=\x1b[31m\n'), [
      3, 'x', 'line 3: extra field "x" value contains a control character (U+001B at position 0)',
    ]);
    assert.deepEqual(parseError('k=1\n\tx=1\n'), [2, '\tx', 'line 2: extra[0].name contains a control character (TAB at position 0)']);
  });

  test('invalid UTF-8 names its line', () => {
    const bytes = Buffer.concat([Buffer.from('k=1\r\nc=on\r\nl='), Buffer.from([0xc3, 0x28]), Buffer.from('\r\n')]);
    assert.deepEqual(parseError(bytes), [3, undefined, 'line 3: invalid UTF-8']);
    assert.deepEqual(parseError(Buffer.from([0x6b, 0x3d, 0xed, 0xa0, 0x80])), [1, undefined, 'line 1: invalid UTF-8']);
    assert.deepEqual(parseError(Buffer.from([0x6b, 0x3d, 0x31, 0x0a, 0xf0, 0x9f, 0x98])), [2, undefined, 'line 2: invalid UTF-8']);
  });

  test('no key state at all', () => {
    for (const input of ['', '\n', '\r\n\r\n\n', Buffer.alloc(0), '\ufeff']) {
      assert.deepEqual(parseError(input), [1, undefined, 'line 1: no key state (a document needs at least one k= line)']);
    }
  });

  test('not a string or bytes', () => {
    for (const input of [undefined, null, 42, { k: '1' }, ['k=1']]) {
      assert.deepEqual(parseError(input as unknown as string), [1, undefined, 'line 1: input must be a string or a byte buffer']);
    }
  });

  test('the first error wins, in line order', () => {
    assert.deepEqual(parseError('k=1\nc=bad\n\nk=2\nl=a\tb\n'), [
      2, 'c', 'line 2: light "bad" is not one of off, on, hold, pickup, park, message, offline, error, seized, record',
    ]);
  });
});

// ---- properties ----

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const KNOWN = new Set(X_BUTTONS_FIELDS.map((f) => f.name));
const safeChar = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => !CONTROL.test(c)), weight: 4 },
  { arbitrary: fc.constantFrom('=', ' ', 'k', '\u2028', '\ufeff', '😀', 'é', '\u00a0'), weight: 1 },
);
const text = (maxLength: number) => fc.string({ unit: safeChar, maxLength });
const extraName = fc.stringMatching(/^[A-Za-z0-9.!%*_+`'~-]{1,32}$/).filter((n) => !KNOWN.has(n.toLowerCase()));
const keyState: fc.Arbitrary<KeyState> = fc.record(
  {
    key: fc.stringMatching(/^[A-Za-z0-9_.+-]{1,32}$/),
    light: fc.constantFrom(...LIGHTS),
    label: text(64),
    action: fc.constantFrom(...KEY_ACTIONS),
    number: text(256),
    colour: fc.constantFrom(...LED_COLOURS),
    displayName: text(40),
    forward: text(40),
    caller: text(40),
    direction: fc.constantFrom('in', 'out'),
    messageWaiting: text(10),
    extra: fc.uniqueArray(fc.record({ name: extraName, value: text(60) }, { noNullPrototype: true }), {
      selector: (f) => f.name,
      minLength: 1,
      maxLength: 4,
    }),
  },
  { requiredKeys: ['key'], noNullPrototype: true },
);
const documentArb = fc.array(keyState, { minLength: 1, maxLength: 5 });

describe('properties', () => {
  test('any valid document survives encode → decode unchanged (CRLF, LF and bytes)', () => {
    fc.assert(
      fc.property(documentArb, (doc) => {
        const body = encoded(doc);
        assert.deepEqual(decoded(body), doc);
        assert.deepEqual(decoded(body.replaceAll('\r\n', '\n')), doc);
        assert.deepEqual(decoded(Buffer.from(body, 'utf8')), doc);
      }),
      { numRuns: 10000 },
    );
  });

  /** Returns normally only with a well-formed result; anything thrown fails the property. */
  function checkDecode(input: string | Uint8Array): void {
    const r = decodeXButtons(input);
    if (r.ok) {
      assert.ok(Array.isArray(r.value) && r.value.length > 0);
      return;
    }
    assert.ok(r.error instanceof XButtonsParseError);
    assert.ok(Number.isInteger(r.error.line) && r.error.line >= 1);
  }

  test('decode never throws for arbitrary strings', () => {
    const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    const structured = fc.string({
      unit: fc.oneof(fc.constantFrom('k=', 'c=', 'l=', 'x=', '=', '\n', '\r\n', '\r', 'on', 'sized', '1', ' ', '\t', '\ufeff', '\ud800'), anyUnit),
      maxLength: 40,
    });
    fc.assert(
      fc.property(fc.oneof(structured, fc.string({ unit: anyUnit }), fc.string({ unit: 'binary' })), (s) => {
        checkDecode(s);
        const lines = s.split(/\r?\n/).length;
        const r = decodeXButtons(s);
        if (!r.ok) assert.ok(r.error.line <= lines, `line ${r.error.line} of ${lines}`);
      }),
      { numRuns: 10000 },
    );
  });

  test('decode never throws for arbitrary bytes', () => {
    const structured = fc.array(fc.oneof(fc.constantFrom(0x0a, 0x0d, 0x3d, 0x6b, 0x63, 0xef, 0xbb, 0xbf, 0xc3, 0xed, 0xf0), fc.integer({ min: 0, max: 255 })), { maxLength: 60 });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array(), structured.map((a) => Uint8Array.from(a))), (bytes) => {
        checkDecode(bytes);
        checkDecode(Buffer.from(bytes));
      }),
      { numRuns: 10000 },
    );
  });

  test('encode refuses any key, label, number or extra value containing a control character', () => {
    const control = fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f }))
      .map((c) => String.fromCharCode(c));
    const tainted = fc.tuple(text(10), control, text(10)).map(([a, c, b]) => `${a}${c}${b}`);
    const where = fc.constantFrom('key', 'label', 'number', 'extra value', 'extra name');
    fc.assert(
      fc.property(documentArb, fc.nat(), where, tainted, (doc, at, which, value) => {
        const index = at % doc.length;
        const target = doc[index]!;
        const bad: KeyState =
          which === 'extra value' ? { ...target, extra: [{ name: 'zz', value }] }
          : which === 'extra name' ? { ...target, extra: [{ name: value, value: 'v' }] }
          : { ...target, [which]: value };
        const spoiled = doc.map((s, i) => (i === index ? bad : s));
        const r = encodeXButtons(spoiled);
        assert.equal(r.ok, false);
        if (!r.ok) {
          assert.equal(r.error.index, index);
          assert.match(r.error.problem, /^contains a control character \(/);
        }
      }),
      { numRuns: 10000 },
    );
  });
});

describe('encodeXButtonsBlock / isXButtonsBlock (stored blocks)', () => {
  test('a block is encodeXButtons of the one state; a control character still throws', () => {
    const state: KeyState = { key: '3', light: 'on', label: 'Anna', action: 'invite', number: '201', extra: [{ name: 'x-note', value: 'a=b' }] };
    assert.equal(encodeXButtonsBlock(state), 'k=3\r\nc=on\r\nl=Anna\r\na=invite\r\nn=201\r\nx-note=a=b\r\n');
    assert.equal(encodeXButtonsBlock(state), encoded([state]));
    assert.throws(() => encodeXButtonsBlock({ key: '3', label: 'a\r\nX-Injected: 1' }), TypeError);
    assert.throws(() => encodeXButtonsBlock({ key: '3', extra: [{ name: 'a\tb', value: 'v' }] }), TypeError);
  });

  test('isXButtonsBlock: one well-formed block of that key, nothing else', () => {
    assert.equal(isXButtonsBlock('k=3\r\nc=on\r\nl=a=b\r\n', '3'), true);
    assert.equal(isXButtonsBlock('k=3\r\n', '3'), true);
    for (const [text, key] of [
      ['k=3\r\nc=on\r\n', '4'], // another key
      ['k=33\r\nc=on\r\n', '3'], // a longer key
      ['k=3\r\nc=on', '3'], // no CRLF at the end
      ['k=3\r\nc=on\n', '3'], // LF alone
      ['k=3\r\nc=on\rl=x\r\n', '3'], // CR alone
      ['k=3\r\n\r\nk=4\r\n', '3'], // an empty line: two blocks
      ['k=3\r\nnovalue\r\n', '3'], // a line without =
      ['k=3\r\n=x\r\n', '3'], // an empty name
      ['k=3\r\nl=a\tb\r\n', '3'], // TAB
      ['k=3\r\nl=a\u0085b\r\n', '3'], // a C1 control
      ['c=on\r\nk=3\r\n', '3'], // k= not first
      ['', '3'],
    ] as const) {
      assert.equal(isXButtonsBlock(text, key), false, JSON.stringify(text));
    }
  });

  test('property: every valid state\'s block passes isXButtonsBlock and decodes back to the state', () => {
    fc.assert(
      fc.property(keyState, (state) => {
        const block = encodeXButtonsBlock(state);
        assert.equal(isXButtonsBlock(block, state.key), true);
        assert.deepEqual(decoded(block), [state]);
      }),
      { numRuns: 10000 },
    );
  });
});
