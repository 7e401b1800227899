// PhoneClient over real sockets on 127.0.0.x: requests on the wire, redirects, statuses, timeouts,
// connect timeouts, aborts, close, keep-alive and invalid input.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { PhoneClient, PHONE_CLIENT_DEFAULTS } from '../../src/phone/phone-client.js';
import { buildKeyRequest } from '../../src/snom/command-request.js';
import { InvalidOptionError } from '../../src/util/errors.js';
import { startBlackHole, startTestServer, type TestServer } from '../helpers/http-test-server.js';
import type { PhoneResult } from '../../src/phone/phone-result.js';

/** Slack for timer assertions on a loaded 2-core CI machine. */
const MARGIN_MS = 400;

const HOST = '127.0.0.31';

function keyPath(sequence: string): string {
  const r = buildKeyRequest(sequence);
  assert.ok(r.ok);
  return r.value.pathAndQuery;
}

function failure(r: PhoneResult): Extract<PhoneResult, { ok: false }> {
  assert.equal(r.ok, false, `expected a failure, got ${JSON.stringify(r)}`);
  return r as Extract<PhoneResult, { ok: false }>;
}

describe('requests on the wire', () => {
  let server: TestServer;
  let client: PhoneClient;
  before(async () => {
    server = await startTestServer({
      host: HOST,
      handler: (req) => {
        const path = req.url.split('?')[0];
        if (path === '/missing.htm') return { status: 404, body: 'no' };
        if (path === '/broken.htm') return { status: 500 };
        if (path === '/moved.htm') return { status: 302, headers: { location: '/index.htm' } };
        if (path === '/moved-abs.htm') return { status: 301, headers: { location: `http://${HOST}:${server.port}/index.htm?from=abs` } };
        if (path === '/loop.htm') return { status: 302, headers: { location: '/loop.htm' } };
        if (path === '/ftp.htm') return { status: 302, headers: { location: 'ftp://127.0.0.1/file' } };
        if (path === '/nolocation.htm') return { status: 302 };
        if (path === '/big.bin') return { status: 200, body: Buffer.alloc(5000, 7) };
        if (path === '/huge.bin') return { status: 200, body: Buffer.alloc(300_000, 9) };
        return { status: 200, body: 'OK' };
      },
    });
    client = new PhoneClient({ maxRedirects: 3 });
  });
  after(async () => {
    await client.close();
    await server.close();
  });

  test('key sequences arrive exactly escaped and decode to the sequence, # and * included', async () => {
    const sequences = ['ENTER', '#', '*', 'enter,50,5000;cancel,50,1000', 'F1;#;*;0;9', 'VOLUME_UP,100'];
    for (const sequence of sequences) {
      server.requests.length = 0;
      const r = await client.request({ host: HOST, port: server.port }, keyPath(sequence));
      assert.equal(r.ok, true);
      assert.equal(server.requests.length, 1);
      const url = server.requests[0]!.url;
      assert.equal(url, `/command.htm?key=${encodeURIComponent(sequence).replace(/\*/g, '%2A')}`);
      assert.equal(decodeURIComponent(url.slice('/command.htm?key='.length)), sequence);
    }
    assert.equal(server.requests[0]!.url, '/command.htm?key=VOLUME_UP%2C100');
  });

  test('a success carries status, headers, tls none, auth none, no redirects, a latency; GET with a User-Agent', async () => {
    server.requests.length = 0;
    const r = await client.request({ host: HOST, port: server.port }, '/command.htm?key=ENTER');
    assert.ok(r.ok);
    assert.deepEqual([r.status, r.tls, r.auth, r.redirects, r.body], [200, 'none', 'none', 0, undefined]);
    assert.equal(r.headers['content-length'], '2');
    assert.ok(r.latencyMs > 0 && r.latencyMs < 2000);
    const seen = server.requests[0]!;
    assert.equal(seen.method, 'GET');
    assert.equal(seen.headers['user-agent'], PHONE_CLIENT_DEFAULTS.userAgent);
    assert.equal(seen.headers.authorization, undefined);
  });

  test('other statuses are http-status failures with the status', async () => {
    const missing = failure(await client.request({ host: HOST, port: server.port }, '/missing.htm'));
    assert.deepEqual([missing.code, missing.status], ['http-status', 404]);
    assert.match(missing.message, /HTTP 404/);
    const broken = failure(await client.request({ host: HOST, port: server.port }, '/broken.htm?secret=1'));
    assert.deepEqual([broken.code, broken.status], ['http-status', 500]);
    assert.doesNotMatch(broken.message, /secret/);
  });

  test('redirects are followed (relative and absolute) and counted; the final status decides', async () => {
    server.requests.length = 0;
    const r = await client.request({ host: HOST, port: server.port }, '/moved.htm');
    assert.ok(r.ok);
    assert.equal(r.redirects, 1);
    assert.deepEqual(server.requests.map((q) => q.url), ['/moved.htm', '/index.htm']);
    const abs = await client.request({ host: HOST, port: server.port }, '/moved-abs.htm');
    assert.ok(abs.ok);
    assert.equal(abs.redirects, 1);
    assert.equal(server.requests.at(-1)!.url, '/index.htm?from=abs');
  });

  test('followRedirects false makes the 3xx final; success statuses decide', async () => {
    const plain = failure(await client.request({ host: HOST, port: server.port }, '/moved.htm', { followRedirects: false }));
    assert.deepEqual([plain.code, plain.status], ['http-status', 302]);
    const accepted = await client.request({ host: HOST, port: server.port }, '/moved.htm', { followRedirects: false, successStatuses: [200, 302] });
    assert.ok(accepted.ok);
    assert.deepEqual([accepted.status, accepted.redirects], [302, 0]);
  });

  test('redirects are bounded (maxRedirects) and need an http(s) Location', async () => {
    server.requests.length = 0;
    const loop = failure(await client.request({ host: HOST, port: server.port }, '/loop.htm'));
    assert.deepEqual([loop.code, loop.status], ['too-many-redirects', 302]);
    assert.equal(server.requests.length, 4); // the request and 3 redirects
    const ftp = failure(await client.request({ host: HOST, port: server.port }, '/ftp.htm'));
    assert.deepEqual([ftp.code, ftp.status], ['http-status', 302]);
    const none = failure(await client.request({ host: HOST, port: server.port }, '/nolocation.htm'));
    assert.deepEqual([none.code, none.status], ['http-status', 302]);
  });

  test('bodies are returned only when asked, bounded by maxBodyBytes', async () => {
    const plain = await client.request({ host: HOST, port: server.port }, '/big.bin');
    assert.ok(plain.ok);
    assert.equal(plain.body, undefined);
    const read = await client.request({ host: HOST, port: server.port }, '/big.bin', { readBody: true });
    assert.ok(read.ok);
    assert.deepEqual(read.body, Buffer.alloc(5000, 7));
    // An unwanted body beyond 256 KiB is not read to its end: the connection is dropped instead.
    const huge = await client.request({ host: HOST, port: server.port }, '/huge.bin');
    assert.ok(huge.ok);
    assert.equal(huge.body, undefined);
    const hugeRead = await client.request({ host: HOST, port: server.port }, '/huge.bin', { readBody: true });
    assert.ok(hugeRead.ok);
    assert.deepEqual(hugeRead.body, Buffer.alloc(300_000, 9));
    const small = new PhoneClient({ maxBodyBytes: 4999 });
    try {
      const r = failure(await small.request({ host: HOST, port: server.port }, '/big.bin', { readBody: true }));
      assert.deepEqual([r.code, r.status], ['http-status', 200]);
    } finally {
      await small.close();
    }
  });

  test('keep-alive: sequential requests reuse at most maxPerPhone connections', async () => {
    const s = await startTestServer({ host: HOST });
    const one = new PhoneClient({ maxPerPhone: 1 });
    const two = new PhoneClient({ maxPerPhone: 2 });
    try {
      for (let i = 0; i < 10; i++) assert.equal((await one.request({ host: HOST, port: s.port }, '/command.htm?key=ENTER')).ok, true);
      assert.equal(s.connections(), 1);
      // undici's pool may open its second socket when the next request follows the previous at once.
      for (let i = 0; i < 10; i++) assert.equal((await two.request({ host: HOST, port: s.port }, '/command.htm?key=ENTER')).ok, true);
      assert.ok(s.connections() <= 1 + 2);
      assert.equal(s.requests.length, 20);
    } finally {
      await one.close();
      await two.close();
      await s.close();
    }
  });

  test('a host name works (localhost)', async () => {
    const s = await startTestServer({ host: '127.0.0.1' });
    const c = new PhoneClient();
    try {
      const r = await c.request({ host: 'LOCALHOST', port: s.port }, '/command.htm?key=ENTER');
      assert.equal(r.ok, true, JSON.stringify(r));
    } finally {
      await c.close();
      await s.close();
    }
  });
});

describe('IPv6', () => {
  test('[::1] and ::1 reach a server on ::1', async (t) => {
    let s: TestServer;
    try {
      s = await startTestServer({ host: '::1' });
    } catch (e) {
      t.skip(`IPv6 loopback unavailable: ${(e as Error).message}`);
      return;
    }
    const c = new PhoneClient({ maxPerPhone: 1 });
    try {
      for (const host of ['[::1]', '::1', '0:0:0:0:0:0:0:1']) {
        const r = await c.request({ host, port: s.port }, '/command.htm?key=%23');
        assert.equal(r.ok, true, JSON.stringify(r));
      }
      assert.deepEqual(s.requests.map((q) => q.url), Array(3).fill('/command.htm?key=%23'));
      assert.equal(s.connections(), 1); // one canonical origin, one pool
    } finally {
      await c.close();
      await s.close();
    }
  });
});

describe('waits are bounded', () => {
  test('a server that accepts but never answers: timeout within the configured time', async () => {
    const s = await startTestServer({ host: HOST, handler: () => 'hang' });
    const c = new PhoneClient({ timeoutMs: 300 });
    try {
      const started = performance.now();
      const r = failure(await c.request({ host: HOST, port: s.port }, '/command.htm?key=ENTER'));
      const elapsed = performance.now() - started;
      assert.deepEqual([r.code, r.status], ['timeout', 0]);
      assert.ok(elapsed >= 295 && elapsed < 300 + MARGIN_MS, `elapsed ${elapsed}`);
      assert.equal(s.requests.length, 1);
      // Per-request override.
      const t0 = performance.now();
      assert.equal(failure(await c.request({ host: HOST, port: s.port }, '/x', { timeoutMs: 100 })).code, 'timeout');
      assert.ok(performance.now() - t0 < 100 + MARGIN_MS);
    } finally {
      await c.close();
      await s.close();
    }
  });

  test('a black-holed address (full accept queue, SYNs dropped): connect-timeout within connectTimeoutMs', async () => {
    // Loopback never drops packets by itself; a listener that never accepts and whose accept queue
    // is full makes Linux drop the SYN, so the connect waits like one to an unreachable host.
    const hole = await startBlackHole('127.0.0.32');
    const c = new PhoneClient({ connectTimeoutMs: 300, timeoutMs: 5000 });
    try {
      const started = performance.now();
      const r = failure(await c.request({ host: hole.host, port: hole.port }, '/command.htm?key=ENTER'));
      const elapsed = performance.now() - started;
      assert.deepEqual([r.code, r.status], ['connect-timeout', 0], r.message);
      assert.ok(elapsed >= 290 && elapsed < 300 + MARGIN_MS, `elapsed ${elapsed}`);
      assert.match(r.message, /300 ms/);
      // The total timeout and the caller's signal end a wait for a connection too.
      const slow = new PhoneClient({ connectTimeoutMs: 5000, timeoutMs: 200 });
      try {
        const t0 = performance.now();
        const total = failure(await slow.request({ host: hole.host, port: hole.port }, '/x'));
        assert.equal(total.code, 'timeout');
        assert.ok(performance.now() - t0 < 200 + MARGIN_MS);
        const t1 = performance.now();
        const aborted = failure(await slow.request({ host: hole.host, port: hole.port }, '/x', { timeoutMs: 5000, signal: AbortSignal.timeout(100) }));
        assert.equal(aborted.code, 'aborted');
        assert.ok(performance.now() - t1 < 100 + MARGIN_MS);
      } finally {
        await slow.close();
      }
    } finally {
      await c.close();
      await hole.close();
    }
  });

  test('a refused connection is unreachable with status 0', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, HOST, resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const c = new PhoneClient();
    try {
      const r = failure(await c.request({ host: HOST, port }, '/command.htm?key=ENTER'));
      assert.deepEqual([r.code, r.status], ['unreachable', 0]);
      assert.match(r.message, /ECONNREFUSED/);
    } finally {
      await c.close();
    }
  });

  test('a server closing the connection without an answer is unreachable', async () => {
    const raw = net.createServer((socket) => socket.once('data', () => socket.destroy()));
    await new Promise<void>((resolve) => raw.listen(0, HOST, resolve));
    const c = new PhoneClient();
    try {
      const r = failure(await c.request({ host: HOST, port: (raw.address() as net.AddressInfo).port }, '/command.htm?key=ENTER'));
      assert.deepEqual([r.code, r.status], ['unreachable', 0]);
    } finally {
      await c.close();
      await new Promise<void>((resolve) => raw.close(() => resolve()));
    }
  });

  test('AbortSignal: aborted in flight, and before sending (nothing reaches the server)', async () => {
    const s = await startTestServer({ host: HOST, handler: () => 'hang' });
    const c = new PhoneClient({ timeoutMs: 5000 });
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = performance.now();
      const r = failure(await c.request({ host: HOST, port: s.port }, '/command.htm?key=ENTER', { signal: controller.signal }));
      assert.deepEqual([r.code, r.status], ['aborted', 0]);
      assert.ok(performance.now() - started < 100 + MARGIN_MS);
      const before = s.requests.length;
      const pre = failure(await c.request({ host: HOST, port: s.port }, '/command.htm?key=ENTER', { signal: AbortSignal.abort() }));
      assert.equal(pre.code, 'aborted');
      assert.equal(s.requests.length, before);
    } finally {
      await c.close();
      await s.close();
    }
  });

  test('close() aborts requests in flight and queued, and refuses later ones', async () => {
    const s = await startTestServer({ host: HOST, handler: () => 'hang' });
    const c = new PhoneClient({ maxPerPhone: 1, timeoutMs: 5000 });
    const first = c.request({ host: HOST, port: s.port }, '/a');
    const queued = c.request({ host: HOST, port: s.port }, '/b');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(c.stats().active, 1);
    assert.deepEqual(c.stats().queued, 1);
    await c.close();
    assert.equal(failure(await first).code, 'aborted');
    assert.equal(failure(await queued).code, 'aborted');
    assert.equal(failure(await c.request({ host: HOST, port: s.port }, '/c')).code, 'aborted');
    assert.deepEqual(s.requests.map((q) => q.url), ['/a']);
    await s.close();
  });

  test('idle pools are closed after poolIdleTimeoutMs', async () => {
    const s = await startTestServer({ host: HOST });
    const c = new PhoneClient({ poolIdleTimeoutMs: 50 });
    try {
      assert.equal((await c.request({ host: HOST, port: s.port }, '/x')).ok, true);
      assert.equal(c.stats().pools, 1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(c.stats().pools, 0);
      assert.equal((await c.request({ host: HOST, port: s.port }, '/x')).ok, true);
      assert.equal(s.connections(), 2);
    } finally {
      await c.close();
      await s.close();
    }
  });
});

describe('invalid requests never reach the wire', () => {
  let server: TestServer;
  let client: PhoneClient;
  before(async () => {
    server = await startTestServer({ host: HOST });
    client = new PhoneClient();
  });
  after(async () => {
    await client.close();
    await server.close();
  });

  test('bad addresses, paths and options give invalid-request', async () => {
    const port = server.port;
    const cases: [object, unknown, object?][] = [
      [{ host: 'a b', port }, '/x'],
      [{ host: 'evil@127.0.0.31', port }, '/x'],
      [{ host: '127.0.0.31/x', port }, '/x'],
      [{ host: '127.0.0.31:80', port }, '/x'],
      [{ host: '1.2.3', port }, '/x'],
      [{ host: 'fe80::1%eth0', port }, '/x'],
      [{ host: 'host\r\nX: y', port }, '/x'],
      [{ host: HOST, port: 0 }, '/x'],
      [{ host: HOST, port: 70000 }, '/x'],
      [{ host: HOST, port: 1.5 }, '/x'],
      [{ host: HOST, port, scheme: 'ftp' }, '/x'],
      [{ host: HOST, port, password: 'sekrit-pw' }, '/x'],
      [{ host: HOST, port, username: 'a:b', password: 'sekrit-pw' }, '/x'],
      [{ host: HOST, port, username: 'a\nb', password: 'sekrit-pw' }, '/x'],
      [{ host: HOST, port, username: 'a', password: 'sekrit\r\npw' }, '/x'],
      [{ host: HOST, port }, 'x'],
      [{ host: HOST, port }, '/a b'],
      [{ host: HOST, port }, '/a#b'],
      [{ host: HOST, port }, '/a\r\nX: y'],
      [{ host: HOST, port }, 42],
      [{ host: HOST, port }, '/x', { timeoutMs: 0 }],
      [{ host: HOST, port }, '/x', { successStatuses: 'all' }],
      [{ host: HOST, port }, '/x', { signal: 'no' }],
    ];
    for (const [phone, path, options] of cases) {
      const r = failure(await client.request(phone as never, path as never, options as never));
      assert.deepEqual([r.code, r.status], ['invalid-request', 0], `${JSON.stringify(phone)} ${JSON.stringify(path)}`);
      assert.doesNotMatch(r.message, /sekrit/);
    }
    assert.equal(server.requests.length, 0);
  });

  test('constructor options are checked', () => {
    const bad: object[] = [
      { connectTimeoutMs: 0 },
      { timeoutMs: -1 },
      { maxPerPhone: 0 },
      { maxTotal: 1.5 },
      { maxRedirects: -1 },
      { insecureTls: 'yes' },
      { ca: [] },
      { ca: 42 },
      { userAgent: 'a\r\nb' },
      { maxBodyBytes: Infinity },
    ];
    for (const options of bad) assert.throws(() => new PhoneClient(options as never), InvalidOptionError, JSON.stringify(options));
    const c = new PhoneClient({ maxRedirects: 0 });
    assert.equal(c.options.maxRedirects, 0);
    assert.equal(c.options.timeoutMs, PHONE_CLIENT_DEFAULTS.timeoutMs);
    void c.close();
  });
});
