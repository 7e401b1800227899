// RegisterAuth keeps each directory entry's HA1s: a password is hashed once per entry, and the kept
// secret answers exactly as the password would (a changed password, another username on the same entry).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RegisterAuth, type RegistrarUser } from '../../../src/registrar/register-auth.js';
import { DigestClient } from '../../../src/util/digest-client.js';
import { DigestServer } from '../../../src/util/digest-server.js';
import { register, SOURCE } from './register-fixtures.js';

const DOMAIN = 'example.com';

function setup(directory: Map<string, RegistrarUser>) {
  const digest = new DigestServer({ realm: DOMAIN, algorithms: ['SHA-256', 'MD5'] });
  let hashed = 0;
  const ha1Secret = digest.ha1Secret.bind(digest);
  digest.ha1Secret = (username, password) => {
    hashed++;
    return ha1Secret(username, password);
  };
  const auth = new RegisterAuth(digest, (user) => directory.get(user));
  /** The outcome of a REGISTER for `user` answered with `password`, or of one without credentials. */
  const attempt = (user: string, password?: string, as = user) => {
    if (password === undefined) return auth.authenticate(register({ user }), SOURCE, user, DOMAIN);
    const client = new DigestClient({ username: as, password });
    const answer = client.respond(auth.challenge(false), 'REGISTER', `sip:${DOMAIN}`);
    assert.ok(answer.ok);
    return auth.authenticate(register({ user, authorization: answer.value }), SOURCE, user, DOMAIN);
  };
  return { attempt, hashed: () => hashed };
}

test('a password user is hashed once per entry; right and wrong passwords answer as before', () => {
  const directory = new Map<string, RegistrarUser>([['alice', { password: 'secret' }]]);
  const s = setup(directory);
  assert.deepEqual(s.attempt('alice'), { kind: 'challenge', stale: false, failed: false });
  assert.equal(s.hashed(), 0, 'nothing is hashed before credentials arrive');
  for (let i = 0; i < 3; i++) assert.deepEqual(s.attempt('alice', 'secret'), { kind: 'ok', username: 'alice', by: 'digest' });
  assert.deepEqual(s.attempt('alice', 'wrong'), { kind: 'challenge', stale: false, failed: true });
  assert.equal(s.hashed(), 1);
});

test('a new entry or a changed password is hashed again; the old password stops working', () => {
  const directory = new Map<string, RegistrarUser>([['alice', { password: 'one' }]]);
  const s = setup(directory);
  assert.equal(s.attempt('alice', 'one').kind, 'ok');
  directory.set('alice', { password: 'two' });
  assert.deepEqual(s.attempt('alice', 'one'), { kind: 'challenge', stale: false, failed: true });
  assert.equal(s.attempt('alice', 'two').kind, 'ok');
  assert.equal(s.hashed(), 2);
  // the same (mutable) object with another password
  const entry: { password: string } = { password: 'three' };
  directory.set('alice', entry);
  assert.equal(s.attempt('alice', 'three').kind, 'ok');
  entry.password = 'four';
  assert.deepEqual(s.attempt('alice', 'three'), { kind: 'challenge', stale: false, failed: true });
  assert.equal(s.attempt('alice', 'four').kind, 'ok');
});

test('one entry shared by two users: each is checked with its own username', () => {
  const shared: RegistrarUser = { password: 'common' };
  const directory = new Map<string, RegistrarUser>([['alice', shared], ['bob', shared]]);
  const s = setup(directory);
  assert.equal(s.attempt('alice', 'common').kind, 'ok');
  assert.equal(s.attempt('bob', 'common').kind, 'ok');
  assert.equal(s.attempt('alice', 'common').kind, 'ok');
});

test('an unknown user, an HA1-only user and credentials for another user', () => {
  const ha1 = new DigestServer({ realm: DOMAIN }).ha1Secret('carol', 'pw');
  const directory = new Map<string, RegistrarUser>([['alice', { password: 'secret' }], ['carol', ha1 as RegistrarUser]]);
  const s = setup(directory);
  assert.deepEqual(s.attempt('mallory', 'secret'), { kind: 'challenge', stale: false, failed: true });
  assert.equal(s.attempt('carol', 'pw').kind, 'ok');
  assert.deepEqual(s.attempt('carol', 'nope'), { kind: 'challenge', stale: false, failed: true });
  // alice's credentials on bob's AOR authenticate alice (the registrar then refuses the AOR)
  assert.deepEqual(s.attempt('bob', 'secret', 'alice'), { kind: 'ok', username: 'alice', by: 'digest' });
});

test('a stale nonce with the right password is stale, not a failure; with a wrong one it is a failure', () => {
  let t = 1_000_000;
  const directory = new Map<string, RegistrarUser>([['alice', { password: 'secret' }]]);
  const digest = new DigestServer({ realm: DOMAIN, nonceLifetimeMs: 1000, now: () => t });
  const auth = new RegisterAuth(digest, (user) => directory.get(user));
  const answer = (password: string): string => {
    const r = new DigestClient({ username: 'alice', password }).respond(auth.challenge(false), 'REGISTER', `sip:${DOMAIN}`);
    assert.ok(r.ok);
    return r.value;
  };
  const right = answer('secret');
  const wrong = answer('wrong');
  t += 1000;
  assert.deepEqual(auth.authenticate(register({ user: 'alice', authorization: right }), SOURCE, 'alice', DOMAIN), { kind: 'challenge', stale: true, failed: false });
  assert.deepEqual(auth.authenticate(register({ user: 'alice', authorization: wrong }), SOURCE, 'alice', DOMAIN), { kind: 'challenge', stale: false, failed: true });
  // several Authorization headers, none for our realm: challenged as if none came (RFC 3261 §22.4)
  const foreign = (realm: string): string => {
    const r = new DigestClient({ username: 'alice', password: 'secret' }).respond(new DigestServer({ realm }).challenge(), 'REGISTER', `sip:${DOMAIN}`);
    assert.ok(r.ok);
    return r.value;
  };
  const twoRealms = register({ user: 'alice', authorization: foreign('one.test'), extra: [['Authorization', foreign('two.test')]] });
  assert.deepEqual(auth.authenticate(twoRealms, SOURCE, 'alice', DOMAIN), { kind: 'challenge', stale: false, failed: false });
});
