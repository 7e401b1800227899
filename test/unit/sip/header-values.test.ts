import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isCallId, MAX_CSEQ, paramText, parseContactList, parseContentLength, parseCSeq, parseExpires, parseGenericParams,
  parseMaxForwards, parseOptionTags, parseValueWithParams, splitHeaderList,
} from '../../../src/sip/header-values.js';
import type { SipUri } from '../../../src/sip/uri.js';

test('parseCSeq: number, LWS, method; 0 allowed; 2**31 and above rejected (§8.1.1.5, RFC 4475 scalar02)', () => {
  assert.deepEqual(parseCSeq('0009 INVITE'), { ok: true, value: { seq: 9, method: 'INVITE' } });
  assert.deepEqual(parseCSeq('  0 \t REGISTER '), { ok: true, value: { seq: 0, method: 'REGISTER' } });
  assert.deepEqual(parseCSeq(`${MAX_CSEQ} ACK`), { ok: true, value: { seq: 2147483647, method: 'ACK' } });
  for (const v of ['2147483648 ACK', '36893488147419103232 REGISTER', '1INVITE', 'INVITE', '1', '-1 INVITE', '1 INV ITE', '1 INV;', ''])
    assert.equal(parseCSeq(v).ok, false, v);
});

test('parseMaxForwards: 0..255 with leading zeros', () => {
  assert.deepEqual(parseMaxForwards('0068'), { ok: true, value: 68 });
  assert.deepEqual(parseMaxForwards('0'), { ok: true, value: 0 });
  assert.deepEqual(parseMaxForwards('255'), { ok: true, value: 255 });
  for (const v of ['256', '300', '-1', '', 'x', '1 2']) assert.equal(parseMaxForwards(v).ok, false, v);
});

test('parseExpires and parseContentLength', () => {
  assert.deepEqual(parseExpires('3600'), { ok: true, value: 3600 });
  assert.deepEqual(parseExpires('4294967295'), { ok: true, value: 4294967295 });
  assert.equal(parseExpires('4294967296').ok, false);
  assert.equal(parseExpires('1'.repeat(100)).ok, false);
  assert.equal(parseExpires('Thu, 01 Dec 1994').ok, false);
  assert.deepEqual(parseContentLength(' 150 '), { ok: true, value: 150 });
  for (const v of ['-999', '', '1 2', '5,5', '99999999999']) assert.equal(parseContentLength(v).ok, false, v);
});

test('isCallId: word [@ word] (§25.1)', () => {
  assert.equal(isCallId('a84b4c76e66710@pc33.atlanta.com'), true);
  assert.equal(isCallId("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{"), true);
  for (const v of ['', '@', 'a@', '@b', 'a@b@c', 'a b', 'a;b', 'a\0b']) assert.equal(isCallId(v), false, v);
});

test('parseContactList: * , lists, expires and q', () => {
  assert.deepEqual(parseContactList(' * '), { ok: true, value: '*' });
  const r = parseContactList('"Mr. Watson" <sip:watson@worcester.bell-telephone.com>;q=0.7; expires=3600, "Mr. Watson" <mailto:watson@bell-telephone.com> ;q=0.1');
  assert.ok(r.ok && r.value !== '*');
  assert.deepEqual(r.value.map((c) => [c.displayName, c.uri.scheme, c.q, c.expires]), [
    ['Mr. Watson', 'sip', 0.7, 3600], ['Mr. Watson', 'mailto', 0.1, undefined],
  ]);
  // a bad expires or q is not an error: the registrar applies its default (§10.3)
  const big = parseContactList('<sip:user@host129.example.com>;expires=280297596632815;q=2');
  assert.ok(big.ok && big.value !== '*');
  assert.equal(big.value[0]!.expires, undefined);
  assert.equal(big.value[0]!.q, undefined);
  assert.equal(big.value[0]!.params.get('expires'), '280297596632815');
  const esc = parseContactList('<sip:user@example.com?Route=%3Csip:sip.example.com%3E>');
  assert.ok(esc.ok && esc.value !== '*');
  assert.deepEqual((esc.value[0]!.uri as SipUri).headers, [['Route', '<sip:sip.example.com>']]);
  for (const v of ['', '*, <sip:a@b>', '<sip:a@b>,', ',<sip:a@b>', '"Joe" <sip:joe@example.org>;;;;', 'sip:u@h?Route=x'])
    assert.equal(parseContactList(v).ok, false, v);
});

test('splitHeaderList: commas inside quotes and <> do not split; empties are kept', () => {
  assert.deepEqual(splitHeaderList('a, "b, c" <sip:x,y@h>, d'), ['a', '"b, c" <sip:x,y@h>', 'd']);
  assert.deepEqual(splitHeaderList(';;,,;;,;'), [';;', '', ';;', ';']);
  assert.deepEqual(splitHeaderList('  '), []);
  assert.deepEqual(splitHeaderList('"a\\", b", c'), ['"a\\", b"', 'c']);
  assert.deepEqual(splitHeaderList('"open, x'), ['"open, x']);
});

test('parseOptionTags: tokens; empty value is an empty list', () => {
  assert.deepEqual(parseOptionTags('100rel, timer,path'), { ok: true, value: ['100rel', 'timer', 'path'] });
  assert.deepEqual(parseOptionTags(''), { ok: true, value: [] });
  for (const v of ['a,,b', 'a b', 'a,']) assert.equal(parseOptionTags(v).ok, false, v);
});

test('generic parameters and values with parameters', () => {
  const p = parseGenericParams(' ; a = 1 ;B;c="x;y"');
  assert.ok(p.ok);
  assert.deepEqual([...p.value], [['a', '1'], ['b', undefined], ['c', '"x;y"']]);
  assert.equal(parseGenericParams(';;').ok, false);
  const ct = parseValueWithParams('multipart/mixed;boundary="7a9c;bec"; charset=utf-8');
  assert.ok(ct.ok);
  assert.equal(ct.value.value, 'multipart/mixed');
  assert.equal(paramText(ct.value.params.get('boundary')), '7a9c;bec');
  assert.equal(paramText('"a\\"b"'), 'a"b');
  assert.equal(paramText('tok'), 'tok');
});
