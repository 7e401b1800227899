import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { DigestServer, type DigestLookup, type DigestServerOptions } from '../../../src/util/digest-server.js';
import { DigestClient } from '../../../src/util/digest-client.js';
import { InvalidOptionError } from '../../../src/util/errors.js';
import { withCSeqRandom } from '../../helpers/spelled-random.js';
import {
  DIGEST_ALGORITHMS,
  formatDigestCredentials,
  parseDigestCredentials,
  type DigestAlgorithm,
  type DigestCredentials,
  type DigestQop,
} from '../../../src/util/digest.js';

const SECRET = 'a fixed test secret of 32 bytes!';
const REALM = 'snomctl.test';
const users: Record<string, string> = { alice: 'wonderland', 'we"ird\\user': 'p"w\\' };
const lookup: DigestLookup = (username, realm) =>
  realm === REALM && users[username] !== undefined ? { password: users[username] } : undefined;

function setup(options: Partial<DigestServerOptions> = {}): { server: DigestServer; clock: { t: number } } {
  const clock = { t: 1_700_000_000_000 };
  const server = new DigestServer({ realm: REALM, secret: SECRET, now: () => clock.t, ...options });
  return { server, clock };
}

function answer(client: DigestClient, challenges: string[], method = 'REGISTER', uri = 'sip:snomctl.test', answered = 0, body?: string): string {
  const r = client.respond(challenges, method, uri, { answered, ...(body !== undefined ? { body } : {}) });
  if (!r.ok) throw r.error;
  return r.value;
}

function creds(header: string): DigestCredentials {
  const r = parseDigestCredentials(header);
  if (!r.ok) throw r.error;
  return r.value;
}

/** Rewrites one field of a credentials header. */
function edit(header: string, change: Partial<Record<keyof DigestCredentials, string | undefined>>): string {
  const merged = { ...creds(header), ...change } as Record<string, string | undefined>;
  for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
  const r = formatDigestCredentials(merged as unknown as DigestCredentials);
  if (!r.ok) throw r.error;
  return r.value;
}

test('challenges: one per algorithm, SHA-256 first, same fresh nonce; stale flag', () => {
  const { server } = setup({ algorithms: ['MD5', 'SHA-256'] });
  const [sha, md5] = server.challenge();
  assert.match(sha!, /^Digest realm="snomctl\.test", nonce="([A-Za-z0-9_-]{40})", algorithm=SHA-256, qop="auth"$/);
  const nonce = /nonce="([^"]+)"/.exec(sha!)![1];
  assert.equal(md5, `Digest realm="snomctl.test", nonce="${nonce}", algorithm=MD5, qop="auth"`);
  const again = server.challenge({ stale: true });
  assert.equal(again.length, 2);
  assert.match(again[0]!, /, stale=true$/);
  assert.notEqual(/nonce="([^"]+)"/.exec(again[0]!)![1], nonce);
  const noQop = setup({ qop: [], algorithms: ['MD5'] }).server.challenge();
  assert.match(noQop[0]!, /^Digest realm="snomctl\.test", nonce="[A-Za-z0-9_-]{40}", algorithm=MD5$/);
});

test('a nonce never spells "CSeq" (SIPp takes it for its CSeq header and drops the call): it is drawn again', () => {
  // the server's first random bytes spell CSeq in every nonce made from them; it draws until a fresh fill
  const { server, nonce } = withCSeqRandom(() => {
    const s = setup().server;
    return { server: s, nonce: /nonce="([^"]+)"/.exec(s.challenge()[0]!)![1]! };
  });
  assert.equal(nonce.includes('CSeq'), false);
  const client = new DigestClient({ username: 'alice', password: 'wonderland' });
  assert.equal(server.verify(answer(client, [`Digest realm="${REALM}", nonce="${nonce}", algorithm=MD5, qop="auth"`]), 'REGISTER', lookup).status, 'ok');
});

const QOPS: (DigestQop | undefined)[] = ['auth', 'auth-int', undefined];

test('client → server round trips for every algorithm, with and without qop, by password and by HA1', () => {
  for (const algorithm of DIGEST_ALGORITHMS) {
    for (const qop of QOPS) {
      const { server } = setup({ algorithms: [algorithm], qop: qop ? [qop] : [] });
      const client = new DigestClient({ username: 'alice', password: 'wonderland' });
      const body = 'k=2\r\nc=on\r\n';
      const header = answer(client, server.challenge(), 'MESSAGE', 'sip:2000@10.0.0.2', 0, body);
      assert.equal(creds(header).qop, qop);
      assert.deepEqual(server.verify(header, 'MESSAGE', lookup, { uri: 'sip:2000@10.0.0.2', body }), {
        status: 'ok', username: 'alice', algorithm, qop,
      }, `${algorithm} ${qop}`);
      const next = client.authorize('MESSAGE', 'sip:2000@10.0.0.2', body)!;
      assert.equal(server.verify(next, 'MESSAGE', lookup, { body }).status, 'ok', `reuse ${algorithm} ${qop}`);
      const hash = algorithm.startsWith('SHA') ? 'sha256' : 'md5';
      const ha1 = createHash(hash).update(`alice:${REALM}:wonderland`).digest('hex');
      const byHa1 = server.verify(client.authorize('MESSAGE', 'sip:2000@10.0.0.2', body)!, 'MESSAGE', () => ({ ha1: { [hash === 'md5' ? 'MD5' : 'SHA-256']: ha1 } }), { body });
      assert.equal(byHa1.status, 'ok', `HA1 ${algorithm} ${qop}`);
    }
  }
});

test('quotes and backslashes in username and password survive the round trip', () => {
  const { server } = setup();
  const client = new DigestClient({ username: 'we"ird\\user', password: 'p"w\\' });
  const header = answer(client, server.challenge());
  assert.ok(header.includes('username="we\\"ird\\\\user"'));
  assert.deepEqual(server.verify(header, 'REGISTER', lookup), { status: 'ok', username: 'we"ird\\user', algorithm: 'SHA-256', qop: 'auth' });
});

test('expired nonce with the right password → stale; the client answers the stale challenge and succeeds', () => {
  const { server, clock } = setup({ nonceLifetimeMs: 60_000 });
  const client = new DigestClient({ username: 'alice', password: 'wonderland' });
  const first = answer(client, server.challenge());
  assert.equal(server.verify(first, 'REGISTER', lookup).status, 'ok');
  clock.t += 59_999;
  assert.equal(server.verify(client.authorize('REGISTER', 'sip:snomctl.test')!, 'REGISTER', lookup).status, 'ok');
  clock.t += 1;
  const late = client.authorize('REGISTER', 'sip:snomctl.test')!;
  assert.deepEqual(server.verify(late, 'REGISTER', lookup), { status: 'stale', username: 'alice' });
  // An expired nonce with a wrong password is a plain failure, not stale.
  const wrong = new DigestClient({ username: 'alice', password: 'nope' });
  const wrongHeader = answer(wrong, [server.challenge()[0]!.replace(/nonce="[^"]+"/, `nonce="${creds(late).nonce}"`)]);
  assert.deepEqual(server.verify(wrongHeader, 'REGISTER', lookup), { status: 'failure', reason: 'wrong-response', username: 'alice' });
  const retry = answer(client, server.challenge({ stale: true }), 'REGISTER', 'sip:snomctl.test', 1);
  assert.equal(server.verify(retry, 'REGISTER', lookup).status, 'ok');
});

test('replayed requests are refused; out-of-order nc within the window accepted', () => {
  const { server } = setup();
  const client = new DigestClient({ username: 'alice', password: 'wonderland' });
  const h1 = answer(client, server.challenge());
  const h2 = client.authorize('REGISTER', 'sip:snomctl.test')!;
  const h3 = client.authorize('REGISTER', 'sip:snomctl.test')!;
  assert.equal(server.verify(h1, 'REGISTER', lookup).status, 'ok');
  assert.deepEqual(server.verify(h1, 'REGISTER', lookup), { status: 'failure', reason: 'replayed-nc', username: 'alice' });
  assert.equal(server.verify(h3, 'REGISTER', lookup).status, 'ok');
  assert.equal(server.verify(h2, 'REGISTER', lookup).status, 'ok', 'nc 2 after nc 3');
  assert.equal(server.verify(h2, 'REGISTER', lookup).status, 'failure');
  assert.equal(server.trackedNonces, 1);
});

test('tracking is bounded; a dropped nonce is re-challenged (stale), never accepted again', () => {
  const { server, clock } = setup({ maxTrackedNonces: 2 });
  const clients = [0, 1, 2].map(() => new DigestClient({ username: 'alice', password: 'wonderland' }));
  const headers = clients.map((c) => {
    clock.t += 1;
    return answer(c, server.challenge());
  });
  for (const h of headers) assert.equal(server.verify(h, 'REGISTER', lookup).status, 'ok');
  assert.equal(server.trackedNonces, 2);
  assert.deepEqual(server.verify(headers[0]!, 'REGISTER', lookup), { status: 'stale', username: 'alice' });
  assert.equal(server.verify(clients[0]!.authorize('REGISTER', 'sip:snomctl.test')!, 'REGISTER', lookup).status, 'stale');
  assert.equal(server.verify(headers[2]!, 'REGISTER', lookup).status, 'failure');
});

test('a restarted server with the same secret re-challenges nonces issued before it started', () => {
  const { server, clock } = setup();
  const client = new DigestClient({ username: 'alice', password: 'wonderland' });
  const h = answer(client, server.challenge());
  clock.t += 10;
  const restarted = new DigestServer({ realm: REALM, secret: SECRET, now: () => clock.t });
  assert.equal(restarted.verify(h, 'REGISTER', lookup).status, 'stale');
});

test('failures carry a reason code', () => {
  const { server } = setup();
  const other = new DigestServer({ realm: REALM, secret: 'another secret, also 32 bytes..', now: () => 1_700_000_000_000 });
  const good = answer(new DigestClient({ username: 'alice', password: 'wonderland' }), server.challenge());
  const nonce = creds(good).nonce;
  const tampered = `${nonce.slice(0, 10)}${nonce[10] === 'A' ? 'B' : 'A'}${nonce.slice(11)}`;
  const cases: [string, string, string | undefined][] = [
    [answer(new DigestClient({ username: 'alice', password: 'wrong' }), server.challenge()), 'wrong-response', 'alice'],
    [answer(new DigestClient({ username: 'mallory', password: 'x' }), server.challenge()), 'unknown-user', 'mallory'],
    [answer(new DigestClient({ username: 'alice', password: 'wonderland' }), other.challenge()), 'bad-nonce', 'alice'],
    [edit(good, { nonce: tampered }), 'bad-nonce', 'alice'],
    [edit(good, { nonce: 'short' }), 'bad-nonce', 'alice'],
    [edit(good, { realm: 'other.realm' }), 'realm-mismatch', 'alice'],
    [edit(good, { uri: '' }), 'uri-missing', 'alice'],
    [good.replace(/uri="[^"]*", /, ''), 'uri-missing', undefined],
    [edit(good, { algorithm: 'MD5-sess' }), 'unsupported-algorithm', 'alice'],
    [edit(good, { algorithm: 'SHA-512-256' }), 'unsupported-algorithm', 'alice'],
    [edit(good, { qop: undefined, nc: undefined, cnonce: undefined }), 'bad-qop', 'alice'],
    [edit(good, { qop: 'auth-int' }), 'bad-qop', 'alice'],
    [edit(good, { cnonce: undefined }), 'bad-qop', 'alice'],
    [edit(good, { nc: '00000000' }), 'malformed', 'alice'],
    [edit(good, { response: 'ab' }), 'wrong-response', 'alice'],
    ['Basic YWxpY2U6d29uZGVybGFuZA==', 'malformed', undefined],
    ['Digest username="alice"', 'malformed', undefined],
    ['', 'malformed', undefined],
  ];
  for (const [header, reason, username] of cases) {
    assert.deepEqual(
      server.verify(header, 'REGISTER', lookup),
      { status: 'failure', reason, ...(username !== undefined ? { username } : {}) },
      `${reason}: ${header}`,
    );
  }
  assert.deepEqual(server.verify(good, 'REGISTER', lookup, { uri: 'sip:other' }), { status: 'failure', reason: 'uri-mismatch', username: 'alice' });
  assert.deepEqual(server.verify(good, 'INVITE', lookup), { status: 'failure', reason: 'wrong-response', username: 'alice' });
  // Only an HA1 for the other hash: the algorithm cannot be checked.
  assert.deepEqual(server.verify(good, 'REGISTER', () => ({ ha1: { MD5: '0'.repeat(32) } })), { status: 'failure', reason: 'unsupported-algorithm', username: 'alice' });
  assert.equal(server.verify(good, 'REGISTER', lookup).status, 'ok', 'the failures above did not consume nc 1');
});

test('lookup runs only for nonces this server issued; verifyAsync awaits it', async () => {
  const { server } = setup();
  const other = new DigestServer({ realm: REALM, secret: 'yet another secret of some length' });
  let calls = 0;
  const counting: DigestLookup = (u, r) => {
    calls++;
    return lookup(u, r);
  };
  server.verify(answer(new DigestClient({ username: 'alice', password: 'x' }), other.challenge()), 'REGISTER', counting);
  assert.equal(calls, 0);
  const h = answer(new DigestClient({ username: 'alice', password: 'wonderland' }), server.challenge());
  const r = await server.verifyAsync(h, 'REGISTER', async (u, realm) => {
    await new Promise((resolve) => setImmediate(resolve));
    return lookup(u, realm);
  });
  assert.equal(r.status, 'ok');
});

test('the secret never shows; bad options are refused', () => {
  const { server } = setup();
  assert.equal(inspect(server, { showHidden: true }), 'DigestServer("snomctl.test")');
  assert.ok(!inspect(server, { showHidden: true }).includes(SECRET));
  const bad: [Partial<DigestServerOptions>, string][] = [
    [{ realm: '' }, 'realm'],
    [{ realm: 'a\nb' }, 'realm'],
    [{ algorithms: [] }, 'algorithms'],
    [{ algorithms: ['SHA-1' as DigestAlgorithm] }, 'algorithms'],
    [{ qop: ['auth-conf' as DigestQop] }, 'qop'],
    [{ nonceLifetimeMs: 0 }, 'nonceLifetimeMs'],
    [{ secret: 'short' }, 'secret'],
    [{ maxTrackedNonces: 0 }, 'maxTrackedNonces'],
  ];
  for (const [options, option] of bad) {
    assert.throws(() => new DigestServer({ realm: REALM, ...options }), (e: unknown) => e instanceof InvalidOptionError && e.option === option, option);
  }
});

test('property: verify never throws and never accepts arbitrary text', () => {
  const { server } = setup();
  const [challenge] = server.challenge();
  const nonce = /nonce="([^"]+)"/.exec(challenge!)![1]!;
  const piece = fc.constantFrom('Digest ', 'username="alice"', `nonce="${nonce}"`, 'realm="snomctl.test"', 'uri="sip:x"', 'response="00"', 'qop=auth', 'nc=00000001', 'cnonce="c"', 'algorithm=MD5', ', ', '"', '\\', '=');
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.array(piece, { maxLength: 14 }).map((a) => a.join(''))), (text) => {
      assert.notEqual(server.verify(text, 'REGISTER', lookup).status, 'ok');
    }),
    { numRuns: 10000 },
  );
});
