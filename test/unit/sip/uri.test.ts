import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bareHost, formatUri, InvalidUriError, isIpv6, parseUri, uriEquals, type SipUri, type Uri } from '../../../src/sip/uri.js';

function ok(s: string): Uri {
  const r = parseUri(s);
  assert.ok(r.ok, `${s} should parse`);
  return r.value;
}

function sip(s: string): SipUri {
  const u = ok(s);
  assert.equal(u.kind, 'sip');
  return u as SipUri;
}

function bad(s: string): void {
  const r = parseUri(s);
  assert.equal(r.ok, false, `${JSON.stringify(s)} should not parse`);
  if (!r.ok) assert.equal(r.error.status, 400);
}

test('parseUri: a full SIP URI', () => {
  const u = sip('sips:alice:secret@Atlanta.example.com:5061;transport=TCP;LR?subject=project%20x&priority=urgent');
  assert.equal(u.scheme, 'sips');
  assert.equal(u.user, 'alice');
  assert.equal(u.password, 'secret');
  assert.equal(u.host, 'Atlanta.example.com');
  assert.equal(u.port, 5061);
  assert.deepEqual([...u.params], [['transport', 'TCP'], ['lr', undefined]]);
  assert.deepEqual(u.headers, [['subject', 'project x'], ['priority', 'urgent']]);
});

test('parseUri: scheme is case-insensitive; host-only URIs', () => {
  const u = sip('SIP:example.com');
  assert.equal(u.scheme, 'sip');
  assert.equal(u.user, undefined);
  assert.equal(u.port, undefined);
  assert.equal(u.params.size, 0);
  assert.deepEqual(u.headers, []);
});

test('parseUri: %-escapes decode exactly once (RFC 4475 esc01)', () => {
  const u = sip('sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31');
  assert.equal(u.user, 'caller');
  assert.deepEqual([...u.params], [['lr', undefined], ['name', 'value%41']]);
  assert.equal(sip('sip:sips%3Auser%40example.com@example.net').user, 'sips:user@example.com');
});

test('parseUri: ; in the user part is user text, not a parameter (RFC 4475 semiuri)', () => {
  const u = sip('sip:user;par=u%40example.net@example.com');
  assert.equal(u.user, 'user;par=u@example.net');
  assert.equal(u.params.size, 0);
});

test('parseUri: escaped NULs decode without truncating (RFC 4475 escnull)', () => {
  assert.equal(sip('sip:null-%00-null@example.com').user, 'null-\0-null');
  assert.equal(sip('sip:%00%00@h').user, '\0\0');
});

test('parseUri: UTF-8 escapes decode to text; non-UTF-8 octets are rejected', () => {
  assert.equal(sip('sip:J%C3%BCrgen@example.com').user, 'Jürgen');
  bad('sip:%FF@example.com');
  bad('sip:%C3@example.com');
});

test('parseUri: IPv6 references and IPv4 hosts', () => {
  const u = sip('sip:[2001:db8::1]:5060;maddr=[2001:db8::2]');
  assert.equal(u.host, '[2001:db8::1]');
  assert.equal(bareHost(u.host), '2001:db8::1');
  assert.equal(u.port, 5060);
  assert.equal(u.params.get('maddr'), '[2001:db8::2]');
  assert.equal(sip('sip:u@[::ffff:192.0.2.1]').host, '[::ffff:192.0.2.1]');
  assert.equal(sip('sip:192.0.2.1:5080').host, '192.0.2.1');
  assert.equal(isIpv6('1:2:3:4:5:6:7:8', 0, 15), true);
  assert.equal(isIpv6('1:2:3:4:5:6:7:8:9', 0, 17), false);
  assert.equal(isIpv6('1::2::3', 0, 7), false);
  assert.equal(isIpv6('::', 0, 2), true);
  assert.equal(isIpv6('12345::', 0, 7), false);
});

test('parseUri: tel URIs', () => {
  const u = ok('tel:+1-201-555-0123;phone-context=example.com');
  assert.deepEqual(u, { kind: 'tel', scheme: 'tel', number: '+1-201-555-0123', params: new Map([['phone-context', 'example.com']]) });
  bad('tel:;x=1');
});

test('parseUri: unknown schemes are kept opaque (RFC 4475 unkscm, novelsc)', () => {
  assert.deepEqual(ok('nobodyKnowsThisScheme:totallyopaquecontent'), {
    kind: 'absolute', scheme: 'nobodyknowsthisscheme', opaque: 'totallyopaquecontent',
  });
  assert.deepEqual(ok('urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6'), {
    kind: 'absolute', scheme: 'urn', opaque: 'uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
  });
});

test('parseUri: malformed URIs', () => {
  for (const s of [
    '', 'sip', ':x', '1sip:x', 'sip:', 'sip:@host', 'sip:a@b@c', 'sip:host:', 'sip:host:65536', 'sip:host:5x',
    'sip:ho st', 'sip:host;', 'sip:host;=v', 'sip:host;a=', 'sip:host;a=1;a=2', 'sip:host?', 'sip:host?a',
    'sip:host?=v', 'sip:-host', 'sip:host-', 'sip:a..b', 'sip:.a', 'sip:[::1', 'sip:[zz::1]', 'sip:u%4@h',
    'sip:u%zz@h', 'sip:<u>@h', 'sip:u@h>', 'sip:user@host;lr ', 'unknown:has space', 'x:%', 'x:',
    'sip:u@h\0', 'sip:ü@h',
  ]) bad(s);
});

test('formatUri: re-escapes so that parse(format(u)) equals u', () => {
  const cases = [
    'sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31',
    'sip:user;par=u%40example.net@example.com',
    'sip:%00%00@h',
    'sips:a:b@[2001:db8::1]:5061;transport=tls?Route=%3Csip:x%3E&a=',
    'sip:J%C3%BCrgen@example.com',
    'tel:+1-201-555-0123;phone-context=example.com',
    'urn:uuid:f81d4fae',
  ];
  for (const s of cases) {
    const u = ok(s);
    assert.deepEqual(ok(formatUri(u)), u, s);
  }
  assert.equal(formatUri(ok('sip:cal%6Cer@h;n%61me=v%61lue%25%34%31')), 'sip:caller@h;name=value%2541');
  assert.equal(formatUri(ok('sip:user;par=u%40example.net@example.com')), 'sip:user;par=u%40example.net@example.com');
});

test('formatUri: escapes what could inject parameters or headers and rejects bad hosts', () => {
  const u: SipUri = {
    kind: 'sip', scheme: 'sip', user: 'a@b;c', host: 'example.com', params: new Map([['x', 'v;y=1?z']]), headers: [['h&', 'a=b&c']],
  };
  assert.equal(formatUri(u), 'sip:a%40b;c@example.com;x=v%3By%3D1%3Fz?h%26=a%3Db%26c');
  assert.deepEqual(ok(formatUri(u)), u);
  assert.throws(() => formatUri({ ...u, host: 'evil.com;x' }), InvalidUriError);
  assert.throws(() => formatUri({ ...u, host: 'a b' }), InvalidUriError);
  assert.throws(() => formatUri({ ...u, port: 70000 }), InvalidUriError);
  assert.throws(() => formatUri({ kind: 'absolute', scheme: 'x', opaque: 'a b' }), InvalidUriError);
});

test('uriEquals: RFC 3261 §19.1.4 examples', () => {
  const eq = (a: string, b: string): boolean => uriEquals(ok(a), ok(b));
  assert.equal(eq('sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'), true);
  assert.equal(eq('sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'), true);
  assert.equal(eq('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;newparam=5'), true);
  assert.equal(eq('sip:alice@AtLanTa.CoM;Transport=tcp', 'sip:ALICE@AtLanTa.CoM;Transport=udp'), false);
  assert.equal(eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'), false);
  assert.equal(eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'), false);
  assert.equal(eq('sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting'), false);
  assert.equal(eq('sip:a@h?x=1&y=2', 'sip:a@h?y=2&x=1'), true);
  assert.equal(eq('sip:%00@h', 'sip:%00%00@h'), false);
  assert.equal(eq('tel:+1-201-555-0123', 'tel:+12015550123'), true);
  assert.equal(eq('sip:a@h', 'sips:a@h'), false);
  assert.equal(eq('urn:x', 'urn:x'), true);
});
