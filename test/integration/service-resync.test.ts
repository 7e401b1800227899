// Service.resync against raw-socket phones: the desired keys go again at their current versions, labelled
// `resync`, to every registered contact; a bind waiting to retry is answered when a re-sync overtakes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createService, type Service } from '../../src/service/index.js';
import type { DeliveryEvent } from '../../src/service/delivery-types.js';
import { ServiceStateError, UnknownProfileError } from '../../src/service/service-errors.js';
import { RawPhone } from './service-raw-phone.js';

const DOMAIN = 'pbx.test';

async function startService(retryDelaysMs: number[] = [50, 100]): Promise<{ service: Service; addr: { host: string; port: number } }> {
  const service = createService({
    domains: [DOMAIN],
    users: [{ user: '200', password: 'pw200' }],
    sip: { listen: { host: '127.0.0.1', port: 0 }, timers: { t1: 50 } },
    delivery: { attemptTimeoutMs: 300, retryDelaysMs },
  });
  await service.start();
  return { service, addr: { host: '127.0.0.1', port: service.sipAddress!.udpPort! } };
}

const MESSAGE = (r: { request: { method: string } }): boolean => r.request.method === 'MESSAGE';

test('resync: every contact gets the desired keys again at unchanged versions, delivery events say resync', async () => {
  const { service, addr } = await startService();
  const a = await RawPhone.open({ host: '127.0.0.2', user: '200', password: 'pw200', domain: DOMAIN });
  const b = await RawPhone.open({ host: '127.0.0.3', user: '200', password: 'pw200', domain: DOMAIN });
  try {
    await assert.rejects(service.resync({ profile: 'nope', user: '200', host: DOMAIN }), UnknownProfileError);
    assert.deepEqual(await service.resync({ profile: 'internal', user: '200', host: DOMAIN }), [], 'nothing desired');
    const bound = await service.bindKey({ profile: 'internal', user: '200', host: DOMAIN, keys: [{ key: '2', light: 'on', label: 'DND' }, { key: '5', light: 'off', label: 'VM' }] });
    assert.deepEqual([bound.pending, bound.keys], [true, [{ key: '2', version: 1 }, { key: '5', version: 2 }]]);
    assert.equal((await a.register(addr, { line: 'a1' })).status, 200);
    assert.equal((await b.register(addr, { line: 'b1' })).status, 200);
    await a.waitFor(1, 5000, MESSAGE);
    await b.waitFor(1, 5000, MESSAGE);
    await new Promise((r) => setTimeout(r, 20));
    a.received.length = 0;
    b.received.length = 0;

    const events: DeliveryEvent[] = [];
    service.events.on('delivery', (e) => events.push(e));
    const keysEvents: unknown[] = [];
    service.events.on('keys', (e) => keysEvents.push(e));
    const results = await service.resync({ profile: 'internal', user: '200', host: 'PBX.test' });
    assert.equal(results.length, 1);
    const r = results[0]!;
    assert.deepEqual({ ...r, contacts: [] }, {
      profile: 'internal', user: '200', host: DOMAIN, keys: [{ key: '2', version: 1 }, { key: '5', version: 2 }],
      delivered: true, pending: false, contacts: [],
    });
    assert.deepEqual(r.contacts.map((c) => [c.contact, c.delivered, 'status' in c ? c.status : c.error, c.superseded]).sort(), [
      [a.contact('a1'), true, 200, false], [b.contact('b1'), true, 200, false],
    ]);
    const body = 'k=2\r\nc=on\r\nl=DND\r\n\r\nk=5\r\nc=off\r\nl=VM\r\n';
    for (const p of [a, b]) {
      const msgs = p.received.filter(MESSAGE);
      assert.equal(msgs.length, 1);
      assert.equal(msgs[0]!.request.body.toString(), body);
    }
    assert.deepEqual(events.map((e) => [e.status, e.cause, e.keys.map((k) => `${k.key}@${k.version}`).join(',')]), [
      ['delivered', 'resync', '2@1,5@2'], ['delivered', 'resync', '2@1,5@2'],
    ]);
    assert.deepEqual(keysEvents, [], 'the desired state did not change');
    await new Promise((r2) => setTimeout(r2, 20));
    const status = service.keyStatus({ profile: 'internal', user: '200', host: DOMAIN });
    assert.deepEqual(status.map((s) => [s.desired.key, s.desired.version, s.deliveries.map((d) => `${d.status}@${d.version}`)]), [
      ['2', 1, ['delivered@1', 'delivered@1']], ['5', 2, ['delivered@2', 'delivered@2']],
    ]);

    // a contact that does not answer: the result says so, the other one still delivered
    b.answer = 486;
    const [partial] = await service.resync({ profile: 'internal', user: '200', host: DOMAIN });
    assert.equal(partial!.delivered, false);
    assert.deepEqual(partial!.contacts.map((c) => ['status' in c ? c.status : c.error, c.attempts]).sort(), [[200, 1], [486, 1]]);
  } finally {
    await a.close();
    await b.close();
    await service.close();
  }
  await assert.rejects(service.resync({ profile: 'internal', user: '200', host: DOMAIN }), ServiceStateError);
});

test('a bind waiting to retry is answered when the phone re-registers (re-sync of the same version) and gets it', async () => {
  // long retry delay: the bind would wait 10 s for its second attempt
  const { service, addr } = await startService([10_000]);
  const p = await RawPhone.open({ host: '127.0.0.2', user: '200', password: 'pw200', domain: DOMAIN });
  try {
    assert.equal((await p.register(addr)).status, 200);
    p.answer = 503;
    const retrying = service.events.once('delivery', (e) => e.status === 'retrying');
    const t0 = performance.now();
    const bind = service.bindKey({ profile: 'internal', user: '200', host: DOMAIN, keys: [{ key: '2', light: 'on', label: 'DND' }] });
    await retrying;
    p.answer = 200;
    // the phone rebooted: same contact, new Call-ID → re-sync of its desired keys at their versions
    const delivered = service.events.once('delivery', (e) => e.status === 'delivered');
    assert.equal((await p.register(addr, { callId: 'after-reboot' })).status, 200);
    const event = await delivered;
    assert.equal(event.cause, 'resync');
    const r = await bind;
    assert.ok(performance.now() - t0 < 5000, 'answered by the re-sync, not after the retry delay');
    assert.deepEqual(r.contacts.map((c) => [c.delivered, 'status' in c ? c.status : c.error, c.superseded]), [[true, 200, false]]);
    const msgs = p.received.filter(MESSAGE);
    assert.deepEqual(msgs.map((m) => m.request.body.toString()), ['k=2\r\nc=on\r\nl=DND\r\n', 'k=2\r\nc=on\r\nl=DND\r\n']);
  } finally {
    await p.close();
    await service.close();
  }
});
