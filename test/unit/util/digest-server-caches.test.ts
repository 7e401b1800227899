// The DigestServer's HA2 cache, nonce decoding and HA1 secrets: results equal the uncached arithmetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DigestServer } from '../../../src/util/digest-server.js';
import { computeDigestResponse, formatDigestCredentials, type DigestAlgorithm } from '../../../src/util/digest.js';

const REALM = 'snomctl.test';

function credentials(server: DigestServer, algorithm: DigestAlgorithm, method: string, uri: string, password = 'pw', nc = '00000001'): string {
  const challenge = server.challenge().find((c) => (algorithm === 'MD5') === !c.includes('SHA-256'));
  const nonce = /nonce="([^"]+)"/.exec(challenge!)![1]!;
  const response = computeDigestResponse({
    algorithm, username: 'alice', realm: REALM, secret: { password }, nonce, method, uri, qop: 'auth', nc, cnonce: 'c0ffee',
  })!;
  const r = formatDigestCredentials({ username: 'alice', realm: REALM, nonce, uri, response, algorithm, qop: 'auth', nc, cnonce: 'c0ffee' });
  assert.ok(r.ok);
  return r.value;
}

test('the same method and URI verify under MD5 and SHA-256 alike; another method or URI does not reuse their HA2', () => {
  const server = new DigestServer({ realm: REALM, algorithms: ['SHA-256', 'MD5'] });
  const lookup = (): { password: string } => ({ password: 'pw' });
  for (let round = 0; round < 2; round++) {
    for (const algorithm of ['MD5', 'SHA-256'] as const) {
      assert.equal(server.verify(credentials(server, algorithm, 'REGISTER', 'sip:a.test'), 'REGISTER', lookup, { uri: 'sip:a.test' }).status, 'ok');
      assert.equal(server.verify(credentials(server, algorithm, 'REGISTER', 'sip:b.test'), 'REGISTER', lookup, { uri: 'sip:b.test' }).status, 'ok');
      assert.equal(server.verify(credentials(server, algorithm, 'MESSAGE', 'sip:a.test'), 'MESSAGE', lookup, { uri: 'sip:a.test' }).status, 'ok');
      // computed for MESSAGE, checked as REGISTER: the cached REGISTER HA2 must not make it pass
      const wrong = server.verify(credentials(server, algorithm, 'MESSAGE', 'sip:a.test'), 'REGISTER', lookup, { uri: 'sip:a.test' });
      assert.deepEqual(wrong, { status: 'failure', reason: 'wrong-response', username: 'alice' });
      const badPassword = server.verify(credentials(server, algorithm, 'REGISTER', 'sip:a.test', 'other'), 'REGISTER', lookup, { uri: 'sip:a.test' });
      assert.equal(badPassword.status, 'failure');
    }
  }
});

test('a long Request-URI verifies too (hashed without being cached)', () => {
  const server = new DigestServer({ realm: REALM, algorithms: ['MD5'] });
  const uri = `sip:${'x'.repeat(400)}@a.test`;
  for (let i = 0; i < 2; i++) {
    assert.equal(server.verify(credentials(server, 'MD5', 'REGISTER', uri), 'REGISTER', () => ({ password: 'pw' }), { uri }).status, 'ok');
  }
});

test('nonces that are not 40 base64url characters of ours are refused as bad-nonce', () => {
  const server = new DigestServer({ realm: REALM, algorithms: ['MD5'] });
  const good = credentials(server, 'MD5', 'REGISTER', 'sip:a.test');
  const nonce = /nonce="([^"]+)"/.exec(good)![1]!;
  const lookup = (): { password: string } => ({ password: 'pw' });
  for (const bad of [nonce.slice(0, 39), `${nonce}A`, `${nonce.slice(0, 39)}=`, `${nonce.slice(0, 39)}é`, `${nonce.slice(0, 39)}+`,
    `${nonce.slice(0, 20)}${nonce[20] === 'A' ? 'B' : 'A'}${nonce.slice(21)}`]) {
    const r = server.verify(good.replace(nonce, bad), 'REGISTER', lookup, { uri: 'sip:a.test' });
    assert.deepEqual(r, { status: 'failure', reason: 'bad-nonce', username: 'alice' }, bad);
  }
  assert.equal(server.verify(good, 'REGISTER', lookup, { uri: 'sip:a.test' }).status, 'ok');
});

test('ha1Secret verifies exactly like the password, for every algorithm offered and -sess too; only offered hashes are computed', () => {
  const server = new DigestServer({ realm: REALM, algorithms: ['SHA-256', 'MD5', 'MD5-sess'] });
  const kept = server.ha1Secret('alice', 'pw');
  assert.deepEqual(Object.keys((kept as { ha1: object }).ha1).sort(), ['MD5', 'SHA-256']);
  assert.equal((kept as { ha1: Record<string, string> }).ha1.MD5, createHash('md5').update(`alice:${REALM}:pw`).digest('hex'));
  for (const algorithm of ['MD5', 'SHA-256'] as const) {
    for (const [password, expected] of [['pw', 'ok'], ['other', 'failure']] as const) {
      const header = credentials(server, algorithm, 'REGISTER', 'sip:a.test', password);
      assert.equal(server.verify(header, 'REGISTER', () => kept, { uri: 'sip:a.test' }).status, expected);
    }
  }
  const sess = setupSess();
  const header = sess.header('pw');
  assert.equal(sess.server.verify(header, 'REGISTER', () => sess.server.ha1Secret('alice', 'pw'), { uri: 'sip:a.test' }).status, 'ok');
  assert.equal(sess.server.verify(sess.header('other'), 'REGISTER', () => sess.server.ha1Secret('alice', 'pw'), { uri: 'sip:a.test' }).status, 'failure');
  const md5Only = new DigestServer({ realm: REALM, algorithms: ['MD5'] }).ha1Secret('alice', 'pw');
  assert.deepEqual(Object.keys((md5Only as { ha1: object }).ha1), ['MD5']);
});

/** An MD5-sess server and credentials for it. */
function setupSess(): { server: DigestServer; header: (password: string) => string } {
  const server = new DigestServer({ realm: REALM, algorithms: ['MD5-sess'] });
  return {
    server,
    header: (password) => {
      const nonce = /nonce="([^"]+)"/.exec(server.challenge()[0]!)![1]!;
      const response = computeDigestResponse({
        algorithm: 'MD5-sess', username: 'alice', realm: REALM, secret: { password }, nonce, method: 'REGISTER', uri: 'sip:a.test',
        qop: 'auth', nc: '00000001', cnonce: 'c0ffee',
      })!;
      const r = formatDigestCredentials({
        username: 'alice', realm: REALM, nonce, uri: 'sip:a.test', response, algorithm: 'MD5-sess', qop: 'auth', nc: '00000001', cnonce: 'c0ffee',
      });
      assert.ok(r.ok);
      return r.value;
    },
  };
}
