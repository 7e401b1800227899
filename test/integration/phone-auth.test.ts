// PhoneClient authentication over real sockets: Basic, Digest MD5/SHA-256 with qop=auth, nonce reuse,
// stale nonces, wrong passwords, and no credentials over cross-origin redirects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhoneClient } from '../../src/phone/phone-client.js';
import type { PhoneResult } from '../../src/phone/phone-result.js';
import { parseDigestCredentials, type DigestCredentials } from '../../src/util/digest.js';
import { startTestServer, type TestServer } from '../helpers/http-test-server.js';

const USERS = { admin: 'Sn0m-secret' };
const PATH = '/command.htm?key=ENTER%3B%23';

function digestOf(header: string | string[] | undefined): DigestCredentials {
  assert.equal(typeof header, 'string');
  const r = parseDigestCredentials(header as string);
  assert.ok(r.ok);
  return r.value;
}

function noSecrets(r: PhoneResult, server?: TestServer): void {
  const text = JSON.stringify(r);
  assert.doesNotMatch(text, /Sn0m-secret|wrong-pw|Basic [A-Za-z0-9+/=]{8}|response=/);
  for (const q of server?.requests ?? []) {
    const auth = q.headers.authorization;
    if (typeof auth === 'string' && !r.ok) assert.ok(!r.message.includes(auth));
  }
}

async function withServer(options: Parameters<typeof startTestServer>[0], fn: (s: TestServer, c: PhoneClient) => Promise<void>, clientOptions = {}): Promise<void> {
  const s = await startTestServer(options);
  const c = new PhoneClient(clientOptions);
  try {
    await fn(s, c);
  } finally {
    await c.close();
    await s.close();
  }
}

test('Basic: 401, then Basic; the next request sends Basic preemptively', async () => {
  await withServer({ host: '127.0.0.41', auth: { users: USERS, basic: true } }, async (s, c) => {
    const phone = { host: s.host, port: s.port, username: 'admin', password: USERS.admin };
    const first = await c.request(phone, PATH);
    assert.ok(first.ok);
    assert.equal(first.auth, 'basic');
    const expected = `Basic ${Buffer.from('admin:Sn0m-secret').toString('base64')}`;
    assert.deepEqual(s.requests.map((q) => q.headers.authorization), [undefined, expected]);
    const second = await c.request(phone, PATH);
    assert.ok(second.ok);
    assert.equal(second.auth, 'basic');
    assert.deepEqual(s.requests.map((q) => [q.authorized, q.headers.authorization]), [[false, undefined], [true, expected], [true, expected]]);
  });
});

for (const algorithm of ['MD5', 'SHA-256'] as const) {
  test(`Digest ${algorithm} qop=auth: answered, then the nonce is reused with nc=00000002 without a new 401`, async () => {
    await withServer({ host: '127.0.0.42', auth: { users: USERS, digest: { algorithms: [algorithm], qop: ['auth'] } } }, async (s, c) => {
      const phone = { host: s.host, port: s.port, username: 'admin', password: USERS.admin };
      const first = await c.request(phone, PATH);
      assert.ok(first.ok, JSON.stringify(first));
      assert.equal(first.auth, 'digest');
      assert.equal(s.requests.length, 2);
      const a1 = digestOf(s.requests[1]!.headers.authorization);
      assert.deepEqual([a1.algorithm, a1.qop, a1.nc, a1.uri, a1.username, a1.realm], [algorithm, 'auth', '00000001', PATH, 'admin', 'snom']);
      const second = await c.request(phone, '/command.htm?key=CANCEL');
      assert.ok(second.ok);
      assert.equal(s.requests.length, 3);
      assert.equal(s.requests[2]!.authorized, true);
      const a2 = digestOf(s.requests[2]!.headers.authorization);
      assert.deepEqual([a2.nonce, a2.nc, a2.uri], [a1.nonce, '00000002', '/command.htm?key=CANCEL']);
      assert.notEqual(a2.cnonce, a1.cnonce);
      noSecrets(second);
    });
  });
}

test('Basic and Digest both offered: Digest is used (the safer scheme, as curl --anyauth)', async () => {
  await withServer({ host: '127.0.0.43', auth: { users: USERS, basic: true, digest: {} } }, async (s, c) => {
    const r = await c.request({ host: s.host, port: s.port, username: 'admin', password: USERS.admin }, PATH);
    assert.ok(r.ok);
    assert.equal(r.auth, 'digest');
    assert.equal(digestOf(s.requests[1]!.headers.authorization).algorithm, 'SHA-256');
  });
});

test('a stale=true challenge to answered credentials is answered again; endless stale gives up', async () => {
  await withServer({ host: '127.0.0.44', auth: { users: USERS, digest: {}, staleAnswers: 1 } }, async (s, c) => {
    const r = await c.request({ host: s.host, port: s.port, username: 'admin', password: USERS.admin }, PATH);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(s.requests.map((q) => q.authorized), [false, false, true]);
    const [, staleAnswer, retry] = s.requests.map((q) => q.headers.authorization);
    assert.notEqual(digestOf(staleAnswer).nonce, digestOf(retry).nonce);
    assert.equal(digestOf(retry).nc, '00000001');
  });
  await withServer({ host: '127.0.0.44', auth: { users: USERS, digest: {}, staleAnswers: 100 } }, async (s, c) => {
    const r = await c.request({ host: s.host, port: s.port, username: 'admin', password: USERS.admin }, PATH);
    assert.ok(!r.ok);
    assert.deepEqual([r.code, r.status], ['auth-failed', 401]);
    assert.match(r.message, /stale/);
    assert.equal(s.requests.length, 4); // unauthenticated, then 3 answers (MAX_DIGEST_ANSWERS)
  });
});

test('a preemptive Digest with an expired nonce: stale, a fresh answer, success', async () => {
  let now = 1_000_000;
  await withServer({ host: '127.0.0.44', auth: { users: USERS, digest: { now: () => now, nonceLifetimeMs: 5_000 } } }, async (s, c) => {
    const phone = { host: s.host, port: s.port, username: 'admin', password: USERS.admin };
    assert.equal((await c.request(phone, PATH)).ok, true);
    now += 10_000;
    const r = await c.request(phone, PATH);
    assert.ok(r.ok);
    assert.deepEqual(s.requests.map((q) => q.authorized), [false, true, false, true]);
    assert.equal(digestOf(s.requests[2]!.headers.authorization).nc, '00000002');
    assert.equal(digestOf(s.requests[3]!.headers.authorization).nc, '00000001');
  });
});

for (const scheme of ['basic', 'digest'] as const) {
  test(`${scheme}: a wrong password is auth-failed with status 401, nothing secret in the result; the right one still works`, async () => {
    const auth = scheme === 'basic' ? { users: USERS, basic: true } : { users: USERS, digest: {} };
    await withServer({ host: '127.0.0.45', auth }, async (s, c) => {
      const good = { host: s.host, port: s.port, username: 'admin', password: USERS.admin };
      assert.equal((await c.request(good, PATH)).ok, true);
      const before = s.requests.length;
      const r = await c.request({ ...good, password: 'wrong-pw' }, PATH);
      assert.ok(!r.ok);
      assert.deepEqual([r.code, r.status], ['auth-failed', 401]);
      assert.match(r.message, /refused the credentials of "admin"/);
      assert.equal(s.requests.length - before, 2); // unauthenticated, then one answer
      noSecrets(r, s);
      // The right password's cached state survives another caller's wrong one.
      const again = await c.request(good, PATH);
      assert.ok(again.ok);
      assert.equal(s.requests.length - before, 3);
    });
  });
}

test('no credentials, or a scheme that cannot be answered: auth-failed 401', async () => {
  await withServer({ host: '127.0.0.46', auth: { users: USERS, digest: {} } }, async (s, c) => {
    const r = await c.request({ host: s.host, port: s.port }, PATH);
    assert.ok(!r.ok);
    assert.deepEqual([r.code, r.status], ['auth-failed', 401]);
    assert.match(r.message, /no credentials/);
  });
  const negotiate = () => ({ status: 401, headers: { 'www-authenticate': 'Negotiate' } });
  await withServer({ host: '127.0.0.46', handler: negotiate }, async (s, c) => {
    const r = await c.request({ host: s.host, port: s.port, username: 'admin', password: 'x' }, PATH);
    assert.ok(!r.ok);
    assert.deepEqual([r.code, r.status], ['auth-failed', 401]);
    assert.match(r.message, /unsupported authentication scheme "negotiate"/);
    assert.equal(s.requests.length, 1);
  });
});

test('a redirect to another origin carries no Authorization; a same-origin redirect does', async () => {
  const other = await startTestServer({ host: '127.0.0.48' });
  const otherPort = await startTestServer({ host: '127.0.0.47' });
  try {
    await withServer(
      {
        host: '127.0.0.47',
        auth: { users: USERS, basic: true },
        handler: (q) => {
          if (q.url.startsWith('/away')) return { status: 302, headers: { location: `http://127.0.0.48:${other.port}/landing.htm?x=1` } };
          if (q.url.startsWith('/port')) return { status: 307, headers: { location: `http://127.0.0.47:${otherPort.port}/landing.htm` } };
          if (q.url.startsWith('/userinfo')) return { status: 302, headers: { location: `http://admin:Sn0m-secret@127.0.0.48:${other.port}/ui.htm` } };
          if (q.url.startsWith('/home')) return { status: 302, headers: { location: '/index.htm' } };
          return { status: 200, body: 'OK' };
        },
      },
      async (s, c) => {
        const phone = { host: s.host, port: s.port, username: 'admin', password: USERS.admin };
        const away = await c.request(phone, '/away.htm');
        assert.ok(away.ok, JSON.stringify(away));
        assert.deepEqual([away.redirects, away.auth], [1, 'none']);
        assert.equal(s.requests.at(-1)!.headers.authorization?.startsWith('Basic '), true); // it was sent to the phone
        const port = await c.request(phone, '/port.htm');
        assert.ok(port.ok);
        const userinfo = await c.request(phone, '/userinfo.htm');
        assert.ok(userinfo.ok);
        assert.deepEqual(other.requests.map((q) => [q.url, q.headers.authorization]), [
          ['/landing.htm?x=1', undefined],
          ['/ui.htm', undefined],
        ]);
        assert.deepEqual(otherPort.requests.map((q) => q.headers.authorization), [undefined]);
        const home = await c.request(phone, '/home.htm');
        assert.ok(home.ok);
        assert.equal(home.auth, 'basic');
        const last = s.requests.at(-1)!;
        assert.equal(last.url, '/index.htm');
        assert.equal(last.headers.authorization, `Basic ${Buffer.from('admin:Sn0m-secret').toString('base64')}`);
      },
    );
  } finally {
    await other.close();
    await otherPort.close();
  }
});

test('a redirect to another origin that asks for credentials fails auth-failed (none are sent there)', async () => {
  const other = await startTestServer({ host: '127.0.0.48', auth: { users: USERS, basic: true } });
  try {
    await withServer({ host: '127.0.0.47', handler: () => ({ status: 302, headers: { location: `http://127.0.0.48:${other.port}/` } }) }, async (s, c) => {
      const r = await c.request({ host: s.host, port: s.port, username: 'admin', password: USERS.admin }, '/');
      assert.ok(!r.ok);
      assert.deepEqual([r.code, r.status], ['auth-failed', 401]);
      assert.deepEqual(other.requests.map((q) => q.headers.authorization), [undefined]);
    });
  } finally {
    await other.close();
  }
});
