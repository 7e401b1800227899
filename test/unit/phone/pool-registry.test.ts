import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import type { buildConnector } from 'undici';
import { PoolRegistry, timedConnector } from '../../../src/phone/pool-registry.js';

const OPTIONS = { connections: 2, connectTimeoutMs: 1000, keepAliveTimeoutMs: 1000, idleTimeoutMs: 60_000, maxPools: 3 };
const TARGET: buildConnector.Options = { hostname: '192.0.2.1', protocol: 'http:', port: '80' };

test('one pool per origin and TLS mode; in-use pools are never evicted; beyond maxPools the least recently used idle one goes', async () => {
  const r = new PoolRegistry(OPTIONS);
  try {
    const a = r.use('http://192.0.2.1:80', 'none');
    assert.equal(r.use('http://192.0.2.1:80', 'none'), a);
    const verified = r.use('https://192.0.2.1:443', 'verified');
    const insecure = r.use('https://192.0.2.1:443', 'insecure');
    assert.notEqual(verified.pool, insecure.pool);
    assert.equal(r.size, 3);
    r.done(verified);
    r.done(insecure);
    r.use('http://192.0.2.2:80', 'none'); // evicts `verified`, the least recently used idle pool
    assert.equal(r.size, 3);
    assert.equal(verified.pool.closed, true);
    assert.equal(a.pool.closed, false);
    assert.notEqual(r.use('https://192.0.2.1:443', 'verified').pool, verified.pool);
  } finally {
    await r.close();
  }
});

test('sweep closes pools idle for idleTimeoutMs, not those in use', async () => {
  const r = new PoolRegistry({ ...OPTIONS, idleTimeoutMs: 100 });
  try {
    const busy = r.use('http://192.0.2.1:80', 'none');
    const idle = r.use('http://192.0.2.2:80', 'none');
    r.done(idle);
    const later = performance.now() + 1000;
    r.sweep(later);
    assert.deepEqual([r.size, idle.pool.closed, busy.pool.closed], [1, true, false]);
    r.done(busy);
    r.sweep(performance.now() + 1000);
    assert.equal(r.size, 0);
  } finally {
    await r.close();
  }
});

test('timedConnector fails with UND_ERR_CONNECT_TIMEOUT on time and destroys the pending socket', async () => {
  const socket = new Socket();
  const connect = ((_o: unknown, _cb: unknown) => socket) as unknown as buildConnector.connector;
  const started = performance.now();
  const [error, result] = await new Promise<[Error | null, unknown]>((resolve) => timedConnector(connect, 80)(TARGET, (e, s) => resolve([e, s])));
  const elapsed = performance.now() - started;
  assert.equal((error as { code?: string } | null)?.code, 'UND_ERR_CONNECT_TIMEOUT');
  assert.match(error!.message, /192\.0\.2\.1:80 within 80 ms/);
  assert.equal(result, null);
  assert.ok(elapsed >= 75 && elapsed < 80 + 100, `elapsed ${elapsed}`);
  assert.equal(socket.destroyed, true);
});

test('timedConnector passes a connect through and ignores a late one', async () => {
  const fast = new Socket();
  const immediate = ((_o: unknown, cb: buildConnector.Callback) => {
    setImmediate(() => cb(null, fast));
    return fast;
  }) as unknown as buildConnector.connector;
  const got = await new Promise<unknown>((resolve) => timedConnector(immediate, 1000)(TARGET, (_e, s) => resolve(s)));
  assert.equal(got, fast);
  const late = new Socket();
  let calls = 0;
  const slow = ((_o: unknown, cb: buildConnector.Callback) => {
    setTimeout(() => cb(null, late), 60);
    return late;
  }) as unknown as buildConnector.connector;
  await new Promise<void>((resolve) => timedConnector(slow, 20)(TARGET, () => {
    calls++;
    resolve();
  }));
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.equal(calls, 1);
  assert.equal(late.destroyed, true);
});
