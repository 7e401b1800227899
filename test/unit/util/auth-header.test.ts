import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  AuthHeaderError,
  formatChallenge,
  formatCredentials,
  parseChallenges,
  parseCredentials,
  type AuthElement,
} from '../../../src/util/auth-header.js';

/** A parsed element as a plain object, for deepEqual. */
function plain(e: AuthElement): { scheme: string; params: Record<string, string>; token68?: string } {
  return { scheme: e.scheme, params: Object.fromEntries(e.params), ...(e.token68 !== undefined ? { token68: e.token68 } : {}) };
}

function challenges(value: string): ReturnType<typeof plain>[] {
  const r = parseChallenges(value);
  if (!r.ok) throw r.error;
  return r.value.map(plain);
}

function failure(r: { ok: true } | { ok: false; error: AuthHeaderError }): [string, string] {
  if (r.ok) throw new Error('expected a failure');
  assert.equal(r.error.code, 'SNOM_ERR_AUTH_HEADER');
  return [r.error.reason, r.error.message];
}

test('RFC 7235 §4.1 example: several challenges in one value, escapes in quoted strings', () => {
  assert.deepEqual(challenges('Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"'), [
    { scheme: 'Newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
    { scheme: 'Basic', params: { realm: 'simple' } },
  ]);
});

test('a Digest challenge with LWS, folds, case-insensitive names and unknown parameters', () => {
  const value =
    'Digest  REALM = "http-auth@example.org" ,\r\n\tqop="auth, auth-int",algorithm=SHA-256,, ' +
    'Nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", x-custom=yes';
  assert.deepEqual(challenges(value), [
    {
      scheme: 'Digest',
      params: {
        realm: 'http-auth@example.org',
        qop: 'auth, auth-int',
        algorithm: 'SHA-256',
        nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
        opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
        'x-custom': 'yes',
      },
    },
  ]);
});

test('schemes without parameters, token68 and broken unquoted values', () => {
  assert.deepEqual(challenges('Negotiate, Basic realm=x, NTLM TlRMTVNTUAABAAAAB4IIAAAAAAAAAAAAAAAAAAAAAAA=, Digest nonce=abc/def=, realm=r'), [
    { scheme: 'Negotiate', params: {} },
    { scheme: 'Basic', params: { realm: 'x' } },
    { scheme: 'NTLM', params: {}, token68: 'TlRMTVNTUAABAAAAB4IIAAAAAAAAAAAAAAAAAAAAAAA=' },
    { scheme: 'Digest', params: { nonce: 'abc/def=', realm: 'r' } },
  ]);
});

test('credentials: RFC 4475 §3.1.2.14 unknown scheme, Basic token68, Digest', () => {
  // The Authorization header of RFC 4475's regaut01.dat.
  const unknown = parseCredentials('NoOneKnowsThisScheme opaque-data=here');
  assert.ok(unknown.ok);
  assert.deepEqual(plain(unknown.value), { scheme: 'NoOneKnowsThisScheme', params: { 'opaque-data': 'here' } });
  const basic = parseCredentials('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  assert.ok(basic.ok);
  assert.deepEqual(plain(basic.value), { scheme: 'Basic', params: {}, token68: 'QWxhZGRpbjpvcGVuIHNlc2FtZQ==' });
  const digest = parseCredentials('Digest username="a\\\\b\\"c", nc=00000001, qop=auth');
  assert.ok(digest.ok);
  assert.deepEqual(plain(digest.value).params, { username: 'a\\b"c', nc: '00000001', qop: 'auth' });
});

test('malformed values are errors with a reason, never exceptions', () => {
  const cases: [string, string, string][] = [
    ['', 'empty', 'no authentication scheme'],
    [' , ,', 'empty', 'no authentication scheme'],
    ['Digest realm="a", Realm="b"', 'duplicate-param', 'parameter realm given twice'],
    ['Digest realm="a', 'syntax', 'unterminated quoted string at 13'],
    ['Digest realm="a\\', 'syntax', 'unterminated quoted string at 13'],
    ['Digest realm=a nonce=b', 'syntax', 'expected a comma at 14'],
    ['Digest=x', 'syntax', 'expected a space after the scheme at 6'],
    ['Digest nonce="n", realm=', 'syntax', 'missing value at 24'],
    ['Digest realm="x\ny"', 'syntax', 'control character in quoted string at 15'],
    ['Digest realm="x\\\u0001"', 'syntax', 'control character in quoted string at 16'],
    ['Digest realm="x"\r\nnonce="y"', 'syntax', 'expected a comma at 16'],
    ['"Digest"', 'syntax', 'expected a scheme or parameter name at 0'],
    ['Basic abc==, realm=x', 'syntax', 'expected a space after the scheme at 18'],
    ['Basic a b', 'syntax', 'expected parameters at 6'],
  ];
  for (const [value, reason, message] of cases) {
    assert.deepEqual(failure(parseChallenges(value)), [reason, message], JSON.stringify(value));
  }
  // A lone `name=` right after the scheme is a token68 (RFC 7235 §2.1), not an empty parameter.
  assert.deepEqual(challenges('Digest realm='), [{ scheme: 'Digest', params: {}, token68: 'realm=' }]);
  assert.deepEqual(failure(parseCredentials('Basic realm=x, Digest realm=y')), ['multiple-credentials', 'more than one scheme in credentials']);
  assert.deepEqual(failure(parseCredentials(undefined as unknown as string)), ['empty', 'auth header value is not a string']);
});

test('formatting: Digest quoting rules and escapes', () => {
  const params = new Map([
    ['username', 'Mu"fa\\sa'],
    ['realm', 'r'],
    ['uri', '/a?b=c'],
    ['qop', 'auth'],
    ['nc', '00000001'],
    ['algorithm', 'SHA-256'],
    ['response', 'abc'],
    ['cnonce', 'c'],
    ['opaque', 'o'],
    ['other', 'a b'],
    ['tok', 'x1'],
  ]);
  assert.deepEqual(
    formatCredentials({ scheme: 'Digest', params }),
    {
      ok: true,
      value:
        'Digest username="Mu\\"fa\\\\sa", realm="r", uri="/a?b=c", qop=auth, nc=00000001, algorithm=SHA-256, ' +
        'response="abc", cnonce="c", opaque="o", other="a b", tok=x1',
    },
  );
  assert.deepEqual(
    formatChallenge({ scheme: 'Digest', params: new Map([['realm', 'r'], ['qop', 'auth'], ['stale', 'true'], ['domain', '/']]) }),
    { ok: true, value: 'Digest realm="r", qop="auth", stale=true, domain="/"' },
  );
  assert.deepEqual(formatChallenge({ scheme: 'Negotiate', params: new Map() }), { ok: true, value: 'Negotiate' });
  assert.deepEqual(formatCredentials({ scheme: 'Basic', params: new Map(), token68: 'QWxh==' }), { ok: true, value: 'Basic QWxh==' });
});

test('formatting refuses what cannot be written safely', () => {
  const bad: [AuthElement, string][] = [
    [{ scheme: 'Digest', params: new Map([['username', 'a\r\nX-Evil: 1']]) }, 'parameter username contains CR'],
    [{ scheme: 'Digest', params: new Map([['realm', 'a\u0000']]) }, 'parameter realm contains NUL'],
    [{ scheme: 'Digest', params: new Map([['algorithm', 'MD5, x=y']]) }, 'parameter algorithm must be a token'],
    [{ scheme: 'Digest', params: new Map([['nc', '"1"']]) }, 'parameter nc must be a token'],
    [{ scheme: 'Digest', params: new Map([['bad name', 'x']]) }, 'a parameter name is not a token'],
    [{ scheme: 'Dig est', params: new Map() }, 'the scheme is not a token'],
    [{ scheme: 'Basic', params: new Map(), token68: 'a b' }, 'token68 has characters outside its syntax'],
  ];
  for (const [element, message] of bad) assert.deepEqual(failure(formatCredentials(element)), ['bad-value', message]);
  assert.deepEqual(failure(formatCredentials({ scheme: 'Digest', params: new Map([['qop', 'auth int']]) })), ['bad-value', 'parameter qop must be a token']);
});

test('property: parsing arbitrary strings never throws', () => {
  const authish = fc.string({ unit: fc.constantFrom('D', 'i', 'g', ' ', '=', ',', '"', '\\', 'a', '\r', '\n', '\t', '/', 'é', '\u0000'), maxLength: 60 });
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), authish), (s) => {
      const a = parseChallenges(s);
      const b = parseCredentials(s);
      assert.equal(typeof a.ok, 'boolean');
      assert.equal(typeof b.ok, 'boolean');
    }),
    { numRuns: 10000 },
  );
});

const tokenArb = fc.string({ unit: fc.constantFrom(...'abcxyzABC019-._~!#$%&\'*+^`|'), minLength: 1, maxLength: 8 });
const valueArb = fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', ' ', ',', '=', ';', 'é'), fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 })), maxLength: 12 })
  .filter((v) => !/[\u0000-\u001f\u007f]/.test(v));

test('property: formatted challenges and credentials parse back to the same values', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('Digest', 'Basic', 'X-Scheme'),
      fc.uniqueArray(fc.tuple(tokenArb.map((n) => n.toLowerCase()), valueArb), { selector: ([n]) => n, maxLength: 6 }),
      (scheme, entries) => {
        const params = new Map(entries.filter(([n]) => !['algorithm', 'nc', 'stale', 'qop'].includes(n)));
        for (const fmt of [formatChallenge, formatCredentials]) {
          const text = fmt({ scheme, params });
          if (!text.ok) throw text.error;
          const back = parseCredentials(text.value);
          if (!back.ok) throw new Error(`${text.value}: ${back.error.message}`);
          assert.deepEqual(plain(back.value), { scheme, params: Object.fromEntries(params) });
        }
      },
    ),
    { numRuns: 10000 },
  );
});

test('property: several formatted challenges joined by commas parse back as a list', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom('Digest', 'Basic', 'Newauth'), fc.uniqueArray(fc.tuple(tokenArb.map((n) => n.toLowerCase()), valueArb), { selector: ([n]) => n, minLength: 1, maxLength: 4 })), { minLength: 1, maxLength: 4 }),
      (list) => {
        const elements = list.map(([scheme, entries]) => ({ scheme, params: new Map(entries.filter(([n]) => !['algorithm', 'nc', 'stale'].includes(n))) }))
          .filter((e) => e.params.size > 0);
        if (elements.length === 0) return;
        const text = elements.map((e) => { const r = formatChallenge(e); if (!r.ok) throw r.error; return r.value; }).join(', ');
        assert.deepEqual(challenges(text), elements.map(plain));
      },
    ),
    { numRuns: 10000 },
  );
});
