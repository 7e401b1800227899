// Restarts on a file store: bindings and desired states survive; what was not delivered is sent at start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createService, type Service } from '../../src/service/index.js';
import { RawPhone } from './service-raw-phone.js';

const DOMAIN = 'pbx.test';

function service(file: string, reconcileOnStart = true): Service {
  return createService({
    store: file,
    domains: [DOMAIN],
    users: [{ user: '200', password: 'pw200' }],
    sip: { listen: { host: '127.0.0.1', port: 0 }, timers: { t1: 50 } },
    delivery: { attemptTimeoutMs: 200, retryDelaysMs: [50], reconcileOnStart, closeGraceMs: 100 },
  });
}

test('close between registration and bind: a new service on the same store delivers to the surviving binding', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'snomctl-service-restart-'));
  const file = path.join(dir, 'store.db');
  const phone = await RawPhone.open({ host: '127.0.0.2', user: '200', password: 'pw200', domain: DOMAIN });
  try {
    const s1 = service(file);
    await s1.start();
    assert.equal((await phone.register({ host: '127.0.0.1', port: s1.sipAddress!.udpPort! })).status, 200);
    const early = await s1.bindKey({ profile: 'internal', user: '200', host: DOMAIN, keys: [{ key: '1', light: 'on', label: 'Early' }] });
    assert.equal(early.delivered, true);
    await s1.close();
    assert.equal(s1.state, 'closed');
    await assert.rejects(s1.bindKey({ profile: 'internal', user: '200', host: DOMAIN, keys: [{ key: '1' }] }), { code: 'SNOM_ERR_SERVICE_STATE' });

    const s2 = service(file);
    await s2.start();
    try {
      assert.deepEqual(s2.registrar.contactsOf('200', DOMAIN).map((b) => b.contact), [phone.contact()]);
      const [kept] = s2.keyStatus({ profile: 'internal', user: '200', host: DOMAIN });
      assert.deepEqual([kept!.desired.state, kept!.deliveries[0]!.status], [{ key: '1', light: 'on', label: 'Early' }, 'delivered']);
      const r = await s2.bindKey({ profile: 'internal', user: '200', host: DOMAIN, keys: [{ key: '2', light: 'on', label: 'After' }] });
      assert.equal(r.delivered, true);
      assert.equal(r.keys[0]!.version, 2, 'versions continue across restarts');
      // start-up reconciliation sent nothing: key 1 was confirmed at its version
      assert.deepEqual(phone.received.map((m) => m.request.body.toString()), ['k=1\r\nc=on\r\nl=Early\r\n', 'k=2\r\nc=on\r\nl=After\r\n']);
    } finally {
      await s2.close();
    }
  } finally {
    await phone.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('undelivered keys stay pending across a restart and are delivered at start', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'snomctl-service-restart-'));
  const file = path.join(dir, 'store.db');
  const phone = await RawPhone.open({ host: '127.0.0.2', user: '200', password: 'pw200', domain: DOMAIN });
  try {
    const s1 = service(file);
    await s1.start();
    assert.equal((await phone.register({ host: '127.0.0.1', port: s1.sipAddress!.udpPort! })).status, 200);
    phone.answer = null;
    const inflight = s1.bindKey({ profile: 'internal', user: '200', host: DOMAIN, keys: [{ key: '4', light: 'hold', label: 'Held' }] });
    await phone.waitFor(1);
    await s1.close();
    const r = await inflight;
    assert.ok('error' in r.contacts[0]! && r.contacts[0].error === 'closed', JSON.stringify(r.contacts[0]));

    phone.answer = 200;
    phone.received.length = 0;
    const s2 = service(file);
    const delivered = s2.events.once('delivery', (e) => e.status === 'delivered');
    await s2.start();
    try {
      const e = await delivered;
      assert.equal(e.cause, 'startup');
      assert.deepEqual(e.keys, [{ profile: 'internal', key: '4', version: 1 }]);
      assert.equal(phone.received.at(-1)!.request.body.toString(), 'k=4\r\nc=hold\r\nl=Held\r\n');
      await new Promise((res) => setTimeout(res, 20));
      assert.equal(s2.keyStatus({ profile: 'internal', user: '200', host: DOMAIN })[0]!.deliveries[0]!.status, 'delivered');
    } finally {
      await s2.close();
    }
  } finally {
    await phone.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
