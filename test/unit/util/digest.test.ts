import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { parseChallenges } from '../../../src/util/auth-header.js';
import {
  computeDigestResponse,
  computeHa1,
  computeHa2,
  formatDigestChallenge,
  formatDigestCredentials,
  formatNc,
  parseDigestAlgorithm,
  parseDigestCredentials,
  parseNc,
  toDigestChallenge,
  type DigestCredentials,
} from '../../../src/util/digest.js';

// Independent helpers: the RFC formulas written out with node:crypto.
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

// RFC 7616 §3.9.1 (password "Circle of Life", lower-case "of": erratum 4495).
const RFC7616 = {
  username: 'Mufasa',
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  uri: '/dir/index.html',
  method: 'GET',
  nc: '00000001',
  qop: 'auth' as const,
};

test('RFC 2617 §3.5: Mufasa / Circle Of Life → 6629fae49393a05397450978507c4ef1', () => {
  const response = computeDigestResponse({
    algorithm: 'MD5',
    username: 'Mufasa',
    realm: 'testrealm@host.com',
    secret: { password: 'Circle Of Life' },
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
    method: 'GET',
    uri: '/dir/index.html',
    qop: 'auth',
    nc: '00000001',
    cnonce: '0a4f113b',
  });
  assert.equal(response, '6629fae49393a05397450978507c4ef1');
});

test('RFC 7616 §3.9.1: MD5 and SHA-256 examples', () => {
  const secret = { password: 'Circle of Life' };
  assert.equal(computeDigestResponse({ ...RFC7616, algorithm: 'MD5', secret }), '8ca523f5e9506fed4657c9700eebdbec');
  assert.equal(
    computeDigestResponse({ ...RFC7616, algorithm: 'SHA-256', secret }),
    '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
  );
});

test('a precomputed HA1 gives the same responses as the password', () => {
  const ha1 = { MD5: md5('Mufasa:http-auth@example.org:Circle of Life'), 'SHA-256': sha256('Mufasa:http-auth@example.org:Circle of Life').toUpperCase() };
  assert.equal(computeDigestResponse({ ...RFC7616, algorithm: 'MD5', secret: { ha1 } }), '8ca523f5e9506fed4657c9700eebdbec');
  assert.equal(
    computeDigestResponse({ ...RFC7616, algorithm: 'SHA-256', secret: { ha1 } }),
    '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
  );
  assert.equal(computeDigestResponse({ ...RFC7616, algorithm: 'SHA-256', secret: { ha1: { MD5: ha1.MD5 } } }), undefined);
  assert.equal(computeDigestResponse({ ...RFC7616, algorithm: 'MD5', secret: { ha1: { MD5: 'abc' } } }), undefined);
});

test('-sess algorithms fold nonce and cnonce into HA1 (RFC 7616 §3.4.2)', () => {
  const base = md5('Mufasa:http-auth@example.org:Circle of Life');
  const ha1 = md5(`${base}:${RFC7616.nonce}:${RFC7616.cnonce}`);
  const ha2 = md5('GET:/dir/index.html');
  assert.equal(
    computeDigestResponse({ ...RFC7616, algorithm: 'MD5-sess', secret: { password: 'Circle of Life' } }),
    md5(`${ha1}:${RFC7616.nonce}:00000001:${RFC7616.cnonce}:auth:${ha2}`),
  );
  const sBase = sha256('Mufasa:http-auth@example.org:Circle of Life');
  const sHa1 = sha256(`${sBase}:${RFC7616.nonce}:${RFC7616.cnonce}`);
  assert.equal(
    computeHa1({ ...RFC7616, algorithm: 'SHA-256-sess', secret: { ha1: { 'SHA-256': sBase } } }),
    sHa1,
  );
  assert.equal(computeHa1({ algorithm: 'MD5-sess', username: 'u', realm: 'r', secret: { password: 'p' }, nonce: 'n' }), undefined);
});

test('without qop (RFC 2069) and with auth-int', () => {
  const ha1 = md5('u:r:p');
  assert.equal(
    computeDigestResponse({ algorithm: 'MD5', username: 'u', realm: 'r', secret: { password: 'p' }, nonce: 'n', method: 'REGISTER', uri: 'sip:example.com' }),
    md5(`${ha1}:n:${md5('REGISTER:sip:example.com')}`),
  );
  const body = 'k=2\r\nc=on\r\n';
  const ha2 = sha256(`MESSAGE:sip:2000@10.0.0.2:${sha256(body)}`);
  assert.equal(computeHa2('SHA-256', 'MESSAGE', 'sip:2000@10.0.0.2', 'auth-int', body), ha2);
  assert.equal(computeHa2('SHA-256', 'MESSAGE', 'sip:x', 'auth-int'), sha256(`MESSAGE:sip:x:${sha256('')}`));
  assert.equal(
    computeDigestResponse({ algorithm: 'SHA-256', username: 'u', realm: 'r', secret: { password: 'p' }, nonce: 'n', method: 'MESSAGE', uri: 'sip:2000@10.0.0.2', qop: 'auth-int', nc: '0000000a', cnonce: 'c', body: Buffer.from(body) }),
    sha256(`${sha256('u:r:p')}:n:0000000a:c:auth-int:${ha2}`),
  );
  assert.equal(computeDigestResponse({ algorithm: 'MD5', username: 'u', realm: 'r', secret: { password: 'p' }, nonce: 'n', method: 'GET', uri: '/', qop: 'auth' }), undefined);
});

test('UTF-8 usernames and passwords are hashed as UTF-8', () => {
  assert.equal(
    computeHa1({ algorithm: 'SHA-256', username: 'Jäsøn Doe', realm: 'api@example.org', secret: { password: 'Secret, or not?' }, nonce: 'n' }),
    createHash('sha256').update(Buffer.from('Jäsøn Doe:api@example.org:Secret, or not?', 'utf8')).digest('hex'),
  );
});

test('nc: 8 lower-case hex digits', () => {
  assert.equal(formatNc(1), '00000001');
  assert.equal(formatNc(255), '000000ff');
  assert.equal(formatNc(0xffffffff), 'ffffffff');
  assert.throws(() => formatNc(0), RangeError);
  assert.throws(() => formatNc(2 ** 32), RangeError);
  assert.equal(parseNc('0000000A'), 10);
  for (const bad of ['00000000', '1', '000000001', '0000000g', ' 0000001']) assert.equal(parseNc(bad), undefined, bad);
});

test('algorithm names are case-insensitive; absent means MD5', () => {
  assert.equal(parseDigestAlgorithm(undefined), 'MD5');
  assert.equal(parseDigestAlgorithm('md5'), 'MD5');
  assert.equal(parseDigestAlgorithm('sha-256-SESS'), 'SHA-256-sess');
  assert.equal(parseDigestAlgorithm('SHA-512-256'), undefined);
  assert.equal(parseDigestAlgorithm('AKAv1-MD5'), undefined);
});

test('typed challenge: RFC 7616 example header', () => {
  const parsed = parseChallenges(
    'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", stale=TRUE',
  );
  assert.ok(parsed.ok);
  assert.deepEqual(toDigestChallenge(parsed.value[0]!), {
    ok: true,
    value: {
      realm: 'http-auth@example.org',
      nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
      algorithm: 'SHA-256',
      qop: ['auth', 'auth-int'],
      opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
      stale: true,
    },
  });
  const noNonce = parseChallenges('Digest realm="r"');
  assert.ok(noNonce.ok);
  const r = toDigestChallenge(noNonce.value[0]!);
  assert.equal(!r.ok && `${r.error.reason} ${r.error.param}`, 'missing-param nonce');
  const basic = parseChallenges('Basic realm="r"');
  assert.ok(basic.ok);
  const b = toDigestChallenge(basic.value[0]!);
  assert.equal(!b.ok && b.error.reason, 'wrong-scheme');
  assert.deepEqual(
    formatDigestChallenge({ realm: 'r"1', nonce: 'n', algorithm: 'MD5', qop: ['auth'], stale: true, opaque: 'o' }),
    { ok: true, value: 'Digest realm="r\\"1", nonce="n", algorithm=MD5, qop="auth", opaque="o", stale=true' },
  );
});

test('typed credentials: RFC 7616 §3.9.1 header parses and formats back identically', () => {
  const header =
    'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=MD5, ' +
    'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", ' +
    'qop=auth, response="8ca523f5e9506fed4657c9700eebdbec", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
  const parsed = parseDigestCredentials(header);
  assert.deepEqual(parsed, {
    ok: true,
    value: {
      username: 'Mufasa',
      realm: 'http-auth@example.org',
      nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
      uri: '/dir/index.html',
      response: '8ca523f5e9506fed4657c9700eebdbec',
      algorithm: 'MD5',
      qop: 'auth',
      nc: '00000001',
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
      opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
    },
  });
  assert.ok(parsed.ok);
  assert.deepEqual(formatDigestCredentials(parsed.value), { ok: true, value: header });
});

test('typed credentials: missing fields are named, other schemes refused', () => {
  const missing = parseDigestCredentials('Digest username="u", realm="r", nonce="n", response="x"');
  assert.equal(!missing.ok && `${missing.error.reason} ${missing.error.param}`, 'missing-param uri');
  const other = parseDigestCredentials('NoOneKnowsThisScheme opaque-data=here');
  assert.equal(!other.ok && other.error.reason, 'wrong-scheme');
});

test('property: usernames with quotes, backslashes and UTF-8 round-trip through the header', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', ' ', ',', '=', 'ä', '😀'), fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 20 })
        .filter((s) => !/[\u0000-\u001f\u007f]/.test(s)),
      (username) => {
        const creds: DigestCredentials = { username, realm: `${username}@r`, nonce: 'n', uri: '/x?a="b"', response: 'ab' };
        const text = formatDigestCredentials(creds);
        if (!text.ok) throw text.error;
        assert.deepEqual(parseDigestCredentials(text.value), { ok: true, value: creds });
      },
    ),
    { numRuns: 10000 },
  );
});
