import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { createHash } from 'node:crypto';
import { DigestAuthError, DigestClient } from '../../../src/util/digest-client.js';
import { InvalidOptionError } from '../../../src/util/errors.js';
import { parseDigestCredentials, type DigestCredentials } from '../../../src/util/digest.js';

const RFC_CHALLENGE = (algorithm: string): string =>
  `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, ` +
  'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
const RFC_CNONCE = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';

function counterCnonce(): () => string {
  let n = 0;
  return () => `cn${++n}`;
}

function value(r: { ok: true; value: string } | { ok: false; error: DigestAuthError }): string {
  if (!r.ok) throw r.error;
  return r.value;
}

function fields(header: string | undefined): DigestCredentials {
  assert.ok(header !== undefined);
  const r = parseDigestCredentials(header);
  if (!r.ok) throw r.error;
  return r.value;
}

test('answers RFC 7616 §3.9.1 challenges with exactly the RFC credentials', () => {
  const client = new DigestClient({ username: 'Mufasa', password: 'Circle of Life', cnonce: () => RFC_CNONCE });
  const common =
    'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=%ALG%, ' +
    'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", ' +
    'qop=auth, response="%R%", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
  assert.equal(
    value(client.respond(RFC_CHALLENGE('MD5'), 'GET', '/dir/index.html')),
    common.replace('%ALG%', 'MD5').replace('%R%', '8ca523f5e9506fed4657c9700eebdbec'),
  );
  assert.equal(
    value(client.respond(RFC_CHALLENGE('SHA-256'), 'GET', '/dir/index.html')),
    common.replace('%ALG%', 'SHA-256').replace('%R%', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'),
  );
});

test('picks SHA-256 over MD5 whatever the order, across and within header values (RFC 8760)', () => {
  const client = new DigestClient({ username: 'u', password: 'p', cnonce: counterCnonce() });
  assert.equal(fields(value(client.respond([RFC_CHALLENGE('MD5'), RFC_CHALLENGE('SHA-256')], 'GET', '/'))).algorithm, 'SHA-256');
  const combined = `Basic realm="x", ${RFC_CHALLENGE('MD5')}, ${RFC_CHALLENGE('SHA-256-sess')}, ${RFC_CHALLENGE('SHA-512-256')}`;
  assert.equal(fields(value(client.respond(combined, 'GET', '/'))).algorithm, 'SHA-256-sess');
  assert.equal(client.realm, 'http-auth@example.org');
});

test('prefers qop auth, then auth-int, then none; mirrors an absent algorithm', () => {
  const client = new DigestClient({ username: 'u', password: 'p', cnonce: counterCnonce() });
  const f = fields(value(client.respond(['Digest realm="r", nonce="a"', 'Digest realm="r", nonce="b", qop="auth-int"', 'Digest realm="r", nonce="c", qop="auth-int,auth"'], 'GET', '/')));
  assert.deepEqual([f.nonce, f.qop, f.algorithm], ['c', 'auth', undefined]);
  const intOnly = fields(value(client.respond('Digest realm="r", nonce="b", qop="auth-int"', 'MESSAGE', 'sip:a@b', { body: 'hello' })));
  assert.equal(intOnly.qop, 'auth-int');
  const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
  assert.equal(intOnly.response, md5(`${md5('u:r:p')}:b:00000001:cn2:auth-int:${md5(`MESSAGE:sip:a@b:${md5('hello')}`)}`));
  const none = fields(value(client.respond('Digest realm="r", nonce="n"', 'REGISTER', 'sip:example.com')));
  assert.deepEqual([none.qop, none.nc, none.cnonce], [undefined, undefined, undefined]);
  assert.equal(none.response, md5(`${md5('u:r:p')}:n:${md5('REGISTER:sip:example.com')}`));
});

test('errors: no Digest challenge, nothing supported, bad request text', () => {
  const client = new DigestClient({ username: 'u', password: 'p', algorithms: ['SHA-256'] });
  const reason = (r: { ok: boolean; error?: DigestAuthError }): string | undefined => r.error?.reason;
  assert.equal(reason(client.respond('Basic realm="x"', 'GET', '/')), 'no-challenge');
  assert.equal(reason(client.respond(['garbage "', ''], 'GET', '/')), 'no-challenge');
  assert.equal(reason(client.respond([], 'GET', '/')), 'no-challenge');
  assert.equal(reason(client.respond(undefined as unknown as string, 'GET', '/')), 'no-challenge');
  assert.equal(reason(client.respond(RFC_CHALLENGE('MD5'), 'GET', '/')), 'unsupported');
  assert.equal(reason(client.respond('Digest realm="r", nonce="n", qop="auth-conf"', 'GET', '/')), 'unsupported');
  assert.equal(reason(client.respond('Digest realm="r\\\u0001", nonce="n", algorithm=SHA-256', 'GET', '/')), 'no-challenge');
  assert.equal(reason(client.respond('Digest realm="r\t", nonce="n", algorithm=SHA-256', 'GET', '/')), 'unsupported');
  assert.equal(reason(client.respond(RFC_CHALLENGE('SHA-256'), 'GET', '/x\r\nHost: evil')), 'bad-request');
  assert.equal(client.authorize('GET', '/'), undefined);
});

test('authorize reuses the nonce with increasing nc and a fresh cnonce; -sess keeps its cnonce', () => {
  const client = new DigestClient({ username: 'u', password: 'p', cnonce: counterCnonce() });
  assert.equal(client.authorize('GET', '/'), undefined);
  value(client.respond(RFC_CHALLENGE('SHA-256'), 'GET', '/a'));
  const second = fields(client.authorize('GET', '/b?x=1'));
  const third = fields(client.authorize('GET', '/c'));
  assert.deepEqual([second.nc, second.cnonce, second.uri], ['00000002', 'cn2', '/b?x=1']);
  assert.deepEqual([third.nc, third.cnonce], ['00000003', 'cn3']);
  value(client.respond(RFC_CHALLENGE('MD5-sess'), 'GET', '/a'));
  const s1 = fields(client.authorize('GET', '/'));
  const s2 = fields(client.authorize('GET', '/'));
  assert.deepEqual([s1.nc, s1.cnonce, s2.nc, s2.cnonce], ['00000002', 'cn4', '00000003', 'cn4']);
  client.reset();
  assert.equal(client.authorize('GET', '/'), undefined);
});

test('stale=true is answered again; a second non-stale challenge is a failure', () => {
  const client = new DigestClient({ username: 'u', password: 'p', cnonce: counterCnonce() });
  value(client.respond('Digest realm="r", nonce="one", qop="auth"', 'GET', '/'));
  const retry = client.respond('Digest realm="r", nonce="two", qop="auth", stale=true', 'GET', '/', { answered: 1 });
  assert.deepEqual([fields(value(retry)).nonce, fields(value(retry)).nc], ['two', '00000001']);
  const refused = client.respond('Digest realm="r", nonce="three", qop="auth"', 'GET', '/', { answered: 1 });
  assert.ok(!refused.ok);
  assert.equal(refused.error.reason, 'rejected');
  assert.equal(refused.error.message, 'the server refused the credentials of "u"');
  assert.equal(client.authorize('GET', '/'), undefined, 'a refused nonce is not reused');
  const loop = client.respond('Digest realm="r", nonce="four", qop="auth", stale=true', 'GET', '/', { answered: 3 });
  assert.equal(!loop.ok && loop.error.reason, 'stale-loop');
  // After a preemptive header (answered 0), a non-stale challenge is answered: the server may have forgotten the nonce.
  assert.equal(fields(value(client.respond('Digest realm="r", nonce="five", qop="auth"', 'GET', '/'))).nonce, 'five');
});

test('a client with only an MD5 HA1 answers with MD5 even when SHA-256 is offered', () => {
  const ha1 = createHash('md5').update('Mufasa:http-auth@example.org:Circle of Life').digest('hex');
  const client = new DigestClient({ username: 'Mufasa', ha1: { MD5: ha1 }, cnonce: () => RFC_CNONCE });
  const f = fields(value(client.respond([RFC_CHALLENGE('SHA-256'), RFC_CHALLENGE('MD5')], 'GET', '/dir/index.html')));
  assert.deepEqual([f.algorithm, f.response], ['MD5', '8ca523f5e9506fed4657c9700eebdbec']);
  const shaOnly = client.respond(RFC_CHALLENGE('SHA-256'), 'GET', '/');
  assert.equal(!shaOnly.ok && shaOnly.error.reason, 'unsupported');
});

test('usernames with quotes and backslashes are escaped in the header', () => {
  const client = new DigestClient({ username: 'a"b\\c', password: 'p', cnonce: () => 'c' });
  const header = value(client.respond('Digest realm="r", nonce="n", qop="auth"', 'GET', '/'));
  assert.ok(header.startsWith('Digest username="a\\"b\\\\c", realm="r"'), header);
  assert.equal(fields(header).username, 'a"b\\c');
});

test('the password and HA1 never show in inspect, toString, JSON or errors', () => {
  const password = 'S3cr3t-Passw0rd';
  const client = new DigestClient({ username: 'alice', password });
  value(client.respond('Digest realm="r", nonce="n", qop="auth"', 'GET', '/'));
  const refused = client.respond('Digest realm="r", nonce="m", qop="auth"', 'GET', '/', { answered: 1 });
  const shown = [inspect(client, { showHidden: true, depth: 5 }), String(client), JSON.stringify(client), JSON.stringify({ client }), inspect(refused, { depth: 5 })];
  for (const s of shown) assert.ok(!s.includes(password), s);
  assert.equal(String(client), 'DigestClient("alice")');
  const ha1 = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
  const byHa1 = new DigestClient({ username: 'bob', ha1: { MD5: ha1 } });
  assert.ok(!inspect(byHa1, { showHidden: true }).includes(ha1));
  assert.equal(JSON.stringify(byHa1), '{"username":"bob"}');
});

test('bad options are refused at construction', () => {
  const bad: [unknown, string][] = [
    [{ username: '', password: 'p' }, 'username'],
    [{ username: 'a\r\nb', password: 'p' }, 'username'],
    [{ username: 'u' }, 'password'],
    [{ username: 'u', password: 'p', algorithms: [] }, 'algorithms'],
    [{ username: 'u', password: 'p', algorithms: ['SHA-512-256'] }, 'algorithms'],
  ];
  for (const [options, option] of bad) {
    assert.throws(() => new DigestClient(options as ConstructorParameters<typeof DigestClient>[0]), (e: unknown) => e instanceof InvalidOptionError && e.option === option);
  }
  try {
    new DigestClient({ username: 'u\n', password: 'hunter2' });
  } catch (e) {
    assert.ok(!String((e as Error).message).includes('hunter2'));
  }
});
