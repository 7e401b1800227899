import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_QUERY_PARAMS, parseQuery, queryValue } from '../../../../src/sim/web/query.js';
import { curlEscape } from '../../../../src/snom/command-request.js';

test('pairs, bare names, empty parts, + as space, percent-decoding', () => {
  assert.deepEqual(parseQuery(''), { ok: true, value: [] });
  assert.deepEqual(parseQuery('key=enter%2C50%3B%23&&RELEASE_ALL_CALLS&PLAY_RINGER:3=+Ringer&a=b=c&e=&'), {
    ok: true,
    value: [
      { name: 'key', value: 'enter,50;#' },
      { name: 'RELEASE_ALL_CALLS', value: undefined },
      { name: 'PLAY_RINGER:3', value: ' Ringer' },
      { name: 'a', value: 'b=c' },
      { name: 'e', value: '' },
    ],
  });
  assert.deepEqual(parseQuery('n=%E2%82%AC%2B1'), { ok: true, value: [{ name: 'n', value: '€+1' }] });
});

test('bad percent-encoding and invalid UTF-8 fail with the parameter number', () => {
  for (const [query, n] of [['a=%', 1], ['a=1&b=%zz', 2], ['%E0%A4=1', 1], ['a=%ED%A0%80', 1], ['a=%C0%AF', 1]] as const) {
    const r = parseQuery(query);
    assert.equal(r.ok, false, query);
    if (!r.ok) assert.equal(r.error.message, `parameter ${n}: bad percent-encoding or not UTF-8`);
  }
  assert.equal(parseQuery(Array.from({ length: MAX_QUERY_PARAMS }, (_, i) => `a${i}=1`).join('&')).ok, true);
  assert.equal(parseQuery(Array.from({ length: MAX_QUERY_PARAMS + 1 }, (_, i) => `a${i}=1`).join('&')).ok, false);
});

test('queryValue: first occurrence, bare names give empty text', () => {
  const r = parseQuery('a=1&a=2&b');
  assert.ok(r.ok);
  assert.equal(queryValue(r.value, 'a'), '1');
  assert.equal(queryValue(r.value, 'b'), '');
  assert.equal(queryValue(r.value, 'c'), undefined);
});

test('values escaped like curl_easy_escape come back exactly; nothing throws (property)', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), (value) => {
      assert.deepEqual(parseQuery(`v=${curlEscape(value)}`), { ok: true, value: [{ name: 'v', value }] });
    }),
    { numRuns: 10000 },
  );
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (query) => {
      const r = parseQuery(query);
      assert.equal(typeof r.ok, 'boolean');
    }),
    { numRuns: 10000 },
  );
});
