import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhoneAuthCache, RequestAuthenticator, basicAuthorization, type AuthStep } from '../../../src/phone/phone-auth.js';
import { DigestServer } from '../../../src/util/digest-server.js';
import { parseDigestCredentials } from '../../../src/util/digest.js';

const ORIGIN = 'http://192.0.2.7:80';
const CREDS = { username: 'admin', password: 'pw' };
const BASIC = 'Basic realm="snom"';

function header(step: AuthStep): string {
  assert.ok(step.ok, step.ok ? '' : step.message);
  return step.authorization;
}

function nc(value: string | undefined): string | undefined {
  assert.ok(value !== undefined);
  const r = parseDigestCredentials(value);
  assert.ok(r.ok);
  return r.value.nc;
}

test('basicAuthorization encodes user:password as UTF-8 base64 (RFC 7617)', () => {
  assert.equal(basicAuthorization({ username: 'Aladdin', password: 'open sesame' }), 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  assert.equal(basicAuthorization({ username: 'test', password: '123\u00a3' }), 'Basic dGVzdDoxMjPCow==');
});

test('Basic: answered; cached only once accepted; then sent preemptively; refused when sent again', () => {
  const cache = new PhoneAuthCache(10);
  const a = new RequestAuthenticator(cache, ORIGIN, CREDS);
  assert.equal(a.initial('/x'), undefined);
  assert.equal(a.scheme, 'none');
  assert.equal(header(a.answer([BASIC], '/x')), basicAuthorization(CREDS));
  assert.equal(a.scheme, 'basic');
  assert.equal(cache.size, 0);
  a.accepted();
  assert.equal(cache.size, 1);
  const b = new RequestAuthenticator(cache, ORIGIN, CREDS);
  assert.equal(b.initial('/y'), basicAuthorization(CREDS));
  assert.equal(b.scheme, 'basic');
  const refused = b.answer([BASIC], '/y');
  assert.ok(!refused.ok);
  assert.match(refused.message, /refused the credentials of "admin" \(Basic\)/);
  assert.equal(cache.size, 0);
  const c = new RequestAuthenticator(cache, ORIGIN, CREDS);
  header(c.answer([BASIC], '/z'));
  const again = c.answer([BASIC], '/z');
  assert.ok(!again.ok);
});

test('Digest: answered against a real DigestServer; the next request reuses the nonce with nc 2; stale re-answered', () => {
  let now = 0;
  const server = new DigestServer({ realm: 'snom', now: () => now, nonceLifetimeMs: 1000 });
  const lookup = (u: string) => (u === 'admin' ? { password: 'pw' } : undefined);
  const cache = new PhoneAuthCache(10);
  const a = new RequestAuthenticator(cache, ORIGIN, CREDS);
  const first = header(a.answer(server.challenge(), '/command.htm?key=ENTER'));
  assert.equal(server.verify(first, 'GET', lookup, { uri: '/command.htm?key=ENTER' }).status, 'ok');
  assert.equal(a.scheme, 'digest');
  a.accepted();
  const b = new RequestAuthenticator(cache, ORIGIN, CREDS);
  const pre = b.initial('/command.htm?key=CANCEL');
  assert.equal(nc(pre), '00000002');
  assert.equal(server.verify(pre!, 'GET', lookup, { uri: '/command.htm?key=CANCEL' }).status, 'ok');
  // The nonce expires: the preemptive answer is stale; a fresh challenge is answered (answered count 0).
  now = 5000;
  const c = new RequestAuthenticator(cache, ORIGIN, CREDS);
  const old = c.initial('/a');
  assert.equal(server.verify(old!, 'GET', lookup, { uri: '/a' }).status, 'stale');
  const renewed = header(c.answer(server.challenge({ stale: true }), '/a'));
  assert.equal(nc(renewed), '00000001');
  assert.equal(server.verify(renewed, 'GET', lookup, { uri: '/a' }).status, 'ok');
  // An answered challenge refused without stale: rejected.
  const refused = c.answer(server.challenge(), '/a');
  assert.ok(!refused.ok);
  assert.match(refused.message, /refused the credentials of "admin" \(Digest\)/);
});

test('Digest is preferred over Basic; Basic is used when the Digest challenge cannot be answered', () => {
  const cache = new PhoneAuthCache(10);
  const digest = new DigestServer({ realm: 'snom' }).challenge();
  assert.match(header(new RequestAuthenticator(cache, ORIGIN, CREDS).answer([BASIC, ...digest], '/')), /^Digest /);
  const odd = 'Digest realm="snom", nonce="n", algorithm=SHA-512-256';
  assert.match(header(new RequestAuthenticator(cache, ORIGIN, CREDS).answer([odd, BASIC], '/')), /^Basic /);
  const only = new RequestAuthenticator(cache, ORIGIN, CREDS).answer([odd], '/');
  assert.ok(!only.ok);
  assert.match(only.message, /cannot answer the Digest challenge/);
});

test('a phone that switched from Basic to Digest: the cached Basic is refused, the Digest challenge answered', () => {
  const cache = new PhoneAuthCache(10);
  const a = new RequestAuthenticator(cache, ORIGIN, CREDS);
  header(a.answer([BASIC], '/'));
  a.accepted();
  const b = new RequestAuthenticator(cache, ORIGIN, CREDS);
  assert.match(b.initial('/') ?? '', /^Basic /);
  assert.match(header(b.answer(new DigestServer({ realm: 'snom' }).challenge(), '/')), /^Digest /);
  b.accepted();
  assert.match(new RequestAuthenticator(cache, ORIGIN, CREDS).initial('/') ?? '', /^Digest /);
});

test('no usable challenge: refused with a message naming the schemes only', () => {
  const cache = new PhoneAuthCache(10);
  const none = new RequestAuthenticator(cache, ORIGIN, CREDS).answer([], '/');
  assert.ok(!none.ok);
  assert.match(none.message, /no usable WWW-Authenticate/);
  const garbage = new RequestAuthenticator(cache, ORIGIN, CREDS).answer(['"', 'Negotiate abc==', 'NTLM'], '/');
  assert.ok(!garbage.ok);
  assert.equal(garbage.message, 'unsupported authentication scheme "negotiate", "ntlm"');
});

test('the cache is per origin and username, needs the same password, and is bounded', () => {
  const cache = new PhoneAuthCache(2);
  cache.set(ORIGIN, CREDS, { scheme: 'basic' });
  assert.deepEqual(cache.get(ORIGIN, CREDS), { scheme: 'basic' });
  assert.equal(cache.get(ORIGIN, { username: 'admin', password: 'other' }), undefined);
  assert.equal(cache.get('http://192.0.2.8:80', CREDS), undefined);
  assert.equal(cache.get(ORIGIN, { username: 'other', password: 'pw' }), undefined);
  cache.delete(ORIGIN, { username: 'admin', password: 'other' });
  assert.equal(cache.size, 1, 'a delete with another password keeps the entry');
  cache.set('o2', CREDS, { scheme: 'basic' });
  cache.get(ORIGIN, CREDS); // ORIGIN is now the most recently used
  cache.set('o3', CREDS, { scheme: 'basic' });
  assert.equal(cache.size, 2);
  assert.equal(cache.get('o2', CREDS), undefined);
  assert.ok(cache.get(ORIGIN, CREDS));
  cache.clear();
  assert.equal(cache.size, 0);
});
