import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatNameAddr, parseNameAddr, parseNameAddrList, type NameAddr } from '../../../src/sip/name-addr.js';
import { InvalidHeaderError } from '../../../src/sip/headers.js';
import { InvalidUriError, parseUri, type SipUri } from '../../../src/sip/uri.js';

function ok(v: string): NameAddr {
  const r = parseNameAddr(v);
  assert.ok(r.ok, `${JSON.stringify(v)} should parse`);
  return r.value;
}

function bad(v: string): void {
  assert.equal(parseNameAddr(v).ok, false, `${JSON.stringify(v)} should not parse`);
}

test('parseNameAddr: quoted display name with quoted-pairs, params with LWS', () => {
  const na = ok('"J Rosenberg \\\\\\""       <sip:jdrosen@example.com> ;  tag = 98asjd8 ; x');
  assert.equal(na.displayName, 'J Rosenberg \\"');
  assert.equal(na.rawUri, 'sip:jdrosen@example.com');
  assert.equal((na.uri as SipUri).user, 'jdrosen');
  assert.deepEqual([...na.params], [['tag', '98asjd8'], ['x', undefined]]);
});

test('parseNameAddr: token display names, with or without LWS before < (RFC 4475 lwsdisp)', () => {
  assert.equal(ok('caller<sip:caller@example.com>;tag=323').displayName, 'caller');
  assert.equal(ok("token1~` token2'+_  <sip:m@example.com>").displayName, "token1~` token2'+_");
  assert.equal(ok('<sip:a@b>').displayName, undefined);
  assert.equal(ok('"" <sip:a@b>').displayName, '');
});

test('parseNameAddr: parameters after a bare addr-spec are header parameters (§20, RFC 4475 cparam01/02)', () => {
  const bare = ok('sip:+19725552222@gw1.example.net;unknownparam');
  assert.equal(bare.rawUri, 'sip:+19725552222@gw1.example.net');
  assert.equal((bare.uri as SipUri).params.size, 0);
  assert.deepEqual([...bare.params], [['unknownparam', undefined]]);
  const angle = ok('<sip:+19725552222@gw1.example.net;unknownparam>');
  assert.deepEqual([...(angle.uri as SipUri).params], [['unknownparam', undefined]]);
  assert.equal(angle.params.size, 0);
});

test('parseNameAddr: quoted parameter values keep their quotes; names are lowercased', () => {
  const na = ok('<sip:a@b>;+sip.Instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";Expires=60');
  assert.equal(na.params.get('+sip.instance'), '"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"');
  assert.equal(na.params.get('expires'), '60');
});

test('parseNameAddr: rejects RFC 4475 quotbal, badaspec, baddn, regbadct and other malformed values', () => {
  for (const v of [
    '"Mr. J. User <sip:j.user@example.com>', // unterminated quote
    '< sip:t.watson@example.org >', // spaces inside <>
    'Bell, Alexander <sip:a.g.bell@example.com>;tag=43', // unquoted comma
    'sip:user@example.com?Route=%3Csip:sip.example.com%3E', // ? in a bare addr-spec
    '"Joe" <sip:joe@example.org>;;;;', // empty parameters
    '', '   ', '<sip:a@b', '<>', '"x"sip:a@b', '<sip:a@b> junk', '<sip:a@b>;tag=1;tag=2', '<sip:a@b>;tag=',
    '<sip:a@b>;a b', '"a\\', 'a@b', '<sip:a@b>, <sip:c@d>', 'x <sip:a@b>;t="unterminated',
  ]) bad(v);
});

test('parseNameAddrList: comma-separated name-addrs (Route/Record-Route)', () => {
  const r = parseNameAddrList('<sip:p1.example.com;lr>, "x, y" <sip:p2.example.com;lr>;a=1');
  assert.ok(r.ok);
  assert.deepEqual(r.value.map((n) => [n.displayName, n.rawUri]), [
    [undefined, 'sip:p1.example.com;lr'], ['x, y', 'sip:p2.example.com;lr'],
  ]);
  assert.equal(parseNameAddrList('<sip:a@b>,').ok, false);
});

test('formatNameAddr: quotes the display name, brackets the URI, validates params', () => {
  const uri = parseUri('sip:alice@example.com');
  assert.ok(uri.ok);
  assert.equal(formatNameAddr({ displayName: 'Alice "A" \\ B', uri: uri.value, params: [['tag', 'x1']] }),
    '"Alice \\"A\\" \\\\ B" <sip:alice@example.com>;tag=x1');
  assert.equal(formatNameAddr({ uri: 'sip:a@b;lr' }), '<sip:a@b;lr>');
  const roundTrip = ok(formatNameAddr({ displayName: 'Bell, Alexander', uri: uri.value, params: [['q', '0.5']] }));
  assert.equal(roundTrip.displayName, 'Bell, Alexander');
  assert.throws(() => formatNameAddr({ displayName: 'a\r\nVia: x', uri: uri.value }), InvalidHeaderError);
  assert.throws(() => formatNameAddr({ uri: uri.value, params: [['tag', 'a;b=c']] }), InvalidHeaderError);
  assert.throws(() => formatNameAddr({ uri: uri.value, params: [['t g', 'a']] }), InvalidHeaderError);
  assert.throws(() => formatNameAddr({ uri: 'sip:a b' }), InvalidHeaderError);
  assert.throws(() => formatNameAddr({ uri: { kind: 'sip', scheme: 'sip', host: 'a>b', params: new Map(), headers: [] } }), InvalidUriError);
});
