import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebAuth } from '../../../../src/sim/web/web-auth.js';
import { InvalidOptionError } from '../../../../src/util/errors.js';
import { parseChallenges } from '../../../../src/util/auth-header.js';
import { computeDigestResponse, toDigestChallenge } from '../../../../src/util/digest.js';

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

test('none lets everything through', () => {
  assert.deepEqual(new WebAuth().check('GET', '/command.htm', undefined), { ok: true });
  assert.deepEqual(new WebAuth({ scheme: 'none' }).check('GET', '/', 'Basic xxx'), { ok: true });
});

test('basic: right credentials pass, anything else gets the Basic challenge', () => {
  const auth = new WebAuth({ scheme: 'basic', user: 'admin', password: 'pa:ss wörd', realm: 'snom phone' });
  assert.deepEqual(auth.check('GET', '/x', basic('admin', 'pa:ss wörd')), { ok: true, user: 'admin' });
  const refused = { ok: false, challenges: ['Basic realm="snom phone"'] };
  for (const header of [undefined, basic('admin', 'wrong'), basic('Admin', 'pa:ss wörd'), 'Basic', 'Basic !!!', 'Digest username="admin"', basic('admin', 'pa:ss wörd').toLowerCase()]) {
    assert.deepEqual(auth.check('GET', '/x', header), refused, String(header));
  }
  assert.equal(String(auth), 'WebAuth(basic)');
});

test('digest: a correct MD5 answer passes; wrong password, uri or missing header get a fresh challenge', () => {
  const auth = new WebAuth({ scheme: 'digest', user: 'admin', password: 'secret' });
  const first = auth.check('GET', '/command.htm?key=ENTER', undefined);
  assert.equal(first.ok, false);
  if (first.ok) return;
  assert.equal(first.challenges.length, 1);
  assert.match(first.challenges[0]!, /^Digest realm="snom", nonce="[A-Za-z0-9_-]{40}", algorithm=MD5, qop="auth"$/);
  const parsed = parseChallenges(first.challenges[0]!);
  assert.ok(parsed.ok);
  const challenge = toDigestChallenge(parsed.value[0]!);
  assert.ok(challenge.ok);
  const answer = (password: string, uri: string, nc: string): string => {
    const response = computeDigestResponse({
      algorithm: 'MD5', username: 'admin', realm: 'snom', secret: { password }, nonce: challenge.value.nonce,
      method: 'GET', uri, qop: 'auth', nc, cnonce: 'abc',
    });
    return `Digest username="admin", realm="snom", nonce="${challenge.value.nonce}", uri="${uri}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="abc", response="${response}"`;
  };
  assert.deepEqual(auth.check('GET', '/command.htm?key=ENTER', answer('secret', '/command.htm?key=ENTER', '00000001')), { ok: true, user: 'admin' });
  // Replayed nc, wrong password, another uri: refused.
  assert.equal(auth.check('GET', '/command.htm?key=ENTER', answer('secret', '/command.htm?key=ENTER', '00000001')).ok, false);
  assert.equal(auth.check('GET', '/command.htm?key=ENTER', answer('wrong', '/command.htm?key=ENTER', '00000002')).ok, false);
  assert.equal(auth.check('GET', '/command.htm?key=OFFHOOK', answer('secret', '/command.htm?key=ENTER', '00000003')).ok, false);
  assert.equal(auth.check('GET', '/x', basic('admin', 'secret')).ok, false);
});

test('digest can offer SHA-256 as well, SHA-256 first', () => {
  const auth = new WebAuth({ scheme: 'digest', user: 'u', password: 'p', digestAlgorithms: ['MD5', 'SHA-256'] });
  const r = auth.check('GET', '/', undefined);
  assert.equal(r.ok, false);
  if (!r.ok) assert.deepEqual(r.challenges.map((c) => /algorithm=([^,]+)/.exec(c)?.[1]), ['SHA-256', 'MD5']);
});

test('bad options are refused without echoing the password', () => {
  const bad = [
    { scheme: 'ntlm' }, { scheme: 'basic' }, { scheme: 'basic', user: 'a:b', password: 'p' }, { scheme: 'digest', user: 'u' },
    { scheme: 'basic', user: 'u', password: 'p\r\nX: y' }, { realm: 'a"b' }, { realm: '' },
  ];
  for (const options of bad) {
    assert.throws(() => new WebAuth(options as ConstructorParameters<typeof WebAuth>[0]), (e: unknown) => {
      assert.ok(e instanceof InvalidOptionError);
      assert.doesNotMatch(e.message, /X: y/);
      return true;
    }, JSON.stringify(options));
  }
});
