import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { separateString, separateStringDetailed, stripApiWhitespace } from '../../../src/snom/separate-string.js';

const split8 = (line: string): string[] => separateString(line, 8);

describe('separateString: blank mode (switch_separate_string with delim " ")', () => {
  test('runs of spaces are one separator; leading and trailing spaces are ignored', () => {
    assert.deepEqual(split8('a b'), ['a', 'b']);
    assert.deepEqual(split8('  a   b  '), ['a', 'b']);
    assert.deepEqual(split8('2 on DND 2000 pbx.example internal'), ['2', 'on', 'DND', '2000', 'pbx.example', 'internal']);
  });

  test('only the space separates: TAB, CR, LF, VT, NBSP are ordinary characters', () => {
    assert.deepEqual(split8('a\tb c'), ['a\tb', 'c']);
    assert.deepEqual(split8('a\r\nb'), ['a\r\nb']);
    assert.deepEqual(split8('a\u000bb\u00a0c'), ['a\u000bb\u00a0c']);
    assert.deepEqual(split8('\ta'), ['\ta']);
  });

  test('the empty string gives no argument, a string of spaces one empty argument', () => {
    assert.deepEqual(split8(''), []);
    assert.deepEqual(split8(' '), ['']);
    assert.deepEqual(split8('    '), ['']);
  });

  test('single quotes group and are removed; double quotes are ordinary', () => {
    assert.deepEqual(split8("2 on 'My Label' 2000"), ['2', 'on', 'My Label', '2000']);
    assert.deepEqual(split8("a'b c'd"), ['ab cd']);
    assert.deepEqual(split8("''"), ['']);
    assert.deepEqual(split8("x '' y"), ['x', '', 'y']);
    assert.deepEqual(split8("'  padded  '"), ['  padded  ']);
    assert.deepEqual(split8('"a b"'), ['"a', 'b"']);
  });

  test('an unpartnered quote is kept and stops later spaces from separating', () => {
    assert.deepEqual(split8("it's a label"), ["it's a label"]);
    assert.deepEqual(split8("a 'b"), ['a', "'b"]);
    assert.deepEqual(split8("'a' 'b"), ['a', "'b"]);
  });

  test('three quotes: the first two pair, the third is literal and swallows the rest', () => {
    assert.deepEqual(split8("'a b' c'd e"), ["a b", "c'd e"]);
  });

  test('backslash hides the next character from splitting; only known pairs are replaced', () => {
    assert.deepEqual(split8('My\\ Label'), ['My\\ Label']);
    assert.deepEqual(split8('My\\sLabel'), ['My Label']);
    assert.deepEqual(split8("it\\'s x"), ["it's", 'x']);
    assert.deepEqual(split8('say\\"hi\\"'), ['say"hi"']);
    assert.deepEqual(split8('a\\\\ b'), ['a\\', 'b']);
    assert.deepEqual(split8('a\\nb a\\rb a\\tb'), ['a\nb', 'a\rb', 'a\tb']);
    assert.deepEqual(split8('\\q \\: \\^'), ['\\q', '\\:', '\\^']);
    assert.deepEqual(split8("\\'a b\\'"), ["'a", "b'"]);
  });

  test('an escaped quote does not close a group, yet counts as the partner of an earlier quote', () => {
    assert.deepEqual(split8("'a\\' b c"), ["a' b c"]);
  });

  test('a trailing backslash is kept', () => {
    assert.deepEqual(split8('a\\'), ['a\\']);
    assert.deepEqual(split8('a \\'), ['a', '\\']);
  });

  test('a full array: the last argument is the rest, inner spaces kept, quotes and escapes resolved', () => {
    assert.deepEqual(separateString("a b  'c d'  x ", 2), ['a', 'b  c d  x']);
    assert.deepEqual(separateString('a b c', 1), ['a b c']);
    assert.deepEqual(separateString('  a b  ', 1), ['a b']);
    assert.deepEqual(separateString('a b\\sc  d\\', 2), ['a', 'b c  d\\']);
    assert.deepEqual(
      split8('2 on DND 2000 pbx.example internal message api+uuid_transfer 3f1c5e 9001'),
      ['2', 'on', 'DND', '2000', 'pbx.example', 'internal', 'message', 'api+uuid_transfer 3f1c5e 9001'],
    );
  });

  test('the snom_command password slot keeps spaces of a multi-word password', () => {
    assert.deepEqual(separateString('10.0.0.9 key enter admin my secret  pw', 5), [
      '10.0.0.9', 'key', 'enter', 'admin', 'my secret  pw',
    ]);
  });

  test('text after a NUL is not seen', () => {
    assert.deepEqual(split8('a b\u0000c d'), ['a', 'b']);
    assert.deepEqual(split8('\u0000a'), []);
  });

  test('non-ASCII text passes through unchanged', () => {
    assert.deepEqual(split8('Küche 📞 \'Büro 2\''), ['Küche', '📞', 'Büro 2']);
  });

  test('maxArgs below 1 or NaN gives nothing; fractions floor; Infinity is unlimited', () => {
    assert.deepEqual(separateString('a b', 0), []);
    assert.deepEqual(separateString('a b', -3), []);
    assert.deepEqual(separateString('a b', Number.NaN), []);
    assert.deepEqual(separateString('a b c', 2.9), ['a', 'b c']);
    assert.deepEqual(separateString('a b c d e f g h i j', Number.POSITIVE_INFINITY), 'abcdefghij'.split(''));
  });
});

describe('separateString: ^^X custom separator (separate_string_char_delim)', () => {
  test('X replaces the space as separator; spaces around fields are trimmed', () => {
    assert.deepEqual(split8('^^:2:on:My Label:2000:pbx.example:internal'), [
      '2', 'on', 'My Label', '2000', 'pbx.example', 'internal',
    ]);
    assert.deepEqual(split8('^^: a : b '), ['a', 'b']);
    assert.deepEqual(split8('^^,a,b'), ['a', 'b']);
  });

  test('empty fields count; a trailing separator adds none', () => {
    assert.deepEqual(split8('^^:a::b'), ['a', '', 'b']);
    assert.deepEqual(split8('^^::a'), ['', 'a']);
    assert.deepEqual(split8('^^:a:'), ['a']);
    assert.deepEqual(split8('^^:a::'), ['a', '']);
    assert.deepEqual(split8('^^::'), ['']);
  });

  test('the form needs one character after X; otherwise the line is split on blanks', () => {
    assert.deepEqual(split8('^^:'), ['^^:']);
    assert.deepEqual(split8('^^'), ['^^']);
    assert.deepEqual(split8('^^:a'), ['a']);
    assert.deepEqual(split8(' ^^:a:b'), ['^^:a:b']);
    assert.deepEqual(split8('^^ a  b'), ['a', 'b']);
  });

  test('\\X escapes the separator; quotes group only when a partner follows', () => {
    assert.deepEqual(split8('^^:x\\:y:z'), ['x:y', 'z']);
    assert.deepEqual(split8("^^:'a:b':c"), ['a:b', 'c']);
    assert.deepEqual(split8("^^:it's:x"), ["it's", 'x']);
    assert.deepEqual(split8('^^:a\\sb:c\\q'), ['a b', 'c\\q']);
  });

  test('a full array keeps the rest, separators included', () => {
    assert.deepEqual(separateString('^^:a:b:c:d', 2), ['a', 'b:c:d']);
    assert.deepEqual(separateString('^^:a:b\\:c:d', 2), ['a', 'b:c:d']);
  });

  test('a non-ASCII separator is one whole character', () => {
    assert.deepEqual(split8('^^§a b§c'), ['a b', 'c']);
    assert.deepEqual(split8('^^📞a📞b'), ['a', 'b']);
  });

  test('the detailed form reports the separator', () => {
    assert.equal(separateStringDetailed('^^:a', 8).separator, ':');
    assert.equal(separateStringDetailed('a b', 8).separator, ' ');
  });
});

describe('separateStringDetailed: raw spans', () => {
  test('spans point at the raw text of each argument, leading spaces skipped', () => {
    const line = "  ab  'c d'  e";
    const { args } = separateStringDetailed(line, 8);
    assert.deepEqual(
      args.map((a) => [a.value, line.slice(a.start, a.end)]),
      [['ab', 'ab'], ['c d', "'c d'"], ['e', 'e']],
    );
  });

  test('the last argument of a full array spans to the end of the scanned text', () => {
    const line = 'a b c\u0000zz';
    const { args, scannedLength } = separateStringDetailed(line, 2);
    assert.equal(scannedLength, 5);
    assert.deepEqual(args.map((a) => [a.start, a.end]), [[0, 1], [2, 5]]);
  });

  test('spans in ^^X mode are offsets in the original line', () => {
    const line = '^^:ab: c';
    const { args } = separateStringDetailed(line, 8);
    assert.deepEqual(args.map((a) => line.slice(a.start, a.end)), ['ab', 'c']);
  });
});

describe('stripApiWhitespace (switch_strip_whitespace)', () => {
  test('strips space, TAB, LF, VT, CR at both ends and nothing else', () => {
    assert.equal(stripApiWhitespace(' \t\r\n\u000b a b \u000b\n\r\t '), 'a b');
    assert.equal(stripApiWhitespace('\fa\f'), '\fa\f');
    assert.equal(stripApiWhitespace('\u00a0a'), '\u00a0a');
    assert.equal(stripApiWhitespace(' \t '), '');
  });
});

describe('separateString: properties', () => {
  const anyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.string({ unit: fc.constantFrom(' ', "'", '\\', '^', ':', 'a', 's', 'n', '\t', '\u0000'), maxLength: 40 }),
  );

  test('never throws, never returns more than maxArgs, spans are ordered and in range', () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: -2, max: 10 }), (line, max) => {
        const { args, scannedLength } = separateStringDetailed(line, max);
        assert.ok(args.length <= Math.max(0, max));
        let previous = 0;
        for (const a of args) {
          assert.ok(a.start >= previous && a.start <= a.end && a.end <= scannedLength);
          previous = a.end;
        }
      }),
      { numRuns: 10000 },
    );
  });

  test('blank-free, quote-free, backslash-free tokens joined by runs of spaces split back to themselves', () => {
    const token = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 12 })
      .filter((t) => !/[ '\\\u0000]/.test(t) && !t.startsWith('^^'));
    const gap = fc.integer({ min: 1, max: 4 }).map((n) => ' '.repeat(n));
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 8 }), fc.array(gap, { minLength: 9, maxLength: 9 }), gap, (tokens, gaps, lead) => {
        const line = lead + tokens.map((t, i) => t + (gaps[i] as string)).join('');
        assert.deepEqual(separateString(line, 8), tokens);
      }),
      { numRuns: 10000 },
    );
  });

  test('a full array keeps the rest of such tokens with their spacing', () => {
    const token = fc.stringMatching(/^[a-zA-Z0-9+.,;#*]{1,6}$/);
    fc.assert(
      fc.property(fc.array(token, { minLength: 3, maxLength: 8 }), fc.integer({ min: 1, max: 3 }), (tokens, n) => {
        const sep = ' '.repeat(n);
        const rest = tokens.slice(1).join(sep);
        assert.deepEqual(separateString(tokens.join(sep), 2), [tokens[0], rest]);
      }),
      { numRuns: 10000 },
    );
  });
});
