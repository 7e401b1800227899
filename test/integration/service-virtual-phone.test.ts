// mod_snom's 9000/9001 demo flow without FreeSWITCH, against the virtual Snom phone: a key bound to
// `message api+snom_bind_key …`, pressed on the phone, turns itself off; a reboot gets every key back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createService } from '../../src/service/index.js';
import { VirtualPhone } from '../../src/sim/index.js';

const DOMAIN = 'pbx.test';

async function until(what: string, ok: () => boolean, timeoutMs = 3000): Promise<number> {
  const t0 = performance.now();
  while (!ok()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - t0;
}

test('virtual phone: bind, press P2 (the key turns itself off through snom_bind_key), reboot (keys come back)', { timeout: 30_000 }, async () => {
  const service = createService({
    domains: [DOMAIN],
    users: [{ user: '200', password: 'pw200' }],
    sip: { listen: { host: '127.0.0.1', port: 0 }, timers: { t1: 50 } },
    delivery: { attemptTimeoutMs: 1000, retryDelaysMs: [100] },
  });
  await service.start();
  const phone = new VirtualPhone({
    identities: [{ registrar: `127.0.0.1:${service.sipAddress!.udpPort!}`, user: '200', password: 'pw200', domain: DOMAIN }],
    buttons: '1-12',
    sip: { host: '127.0.0.2', timers: { t1: 50 } },
    http: false,
    bootDelayMs: 100,
  });
  try {
    await phone.start();
    assert.equal(phone.registered, true);
    assert.equal(service.registrar.contactsOf('200', DOMAIN).length, 1);
    assert.match(service.registrar.contactsOf('200', DOMAIN)[0]!.contact, /^sip:200@127\.0\.0\.2:\d+;line=[a-z0-9]+$/);

    const action = `api+snom_bind_key 2 off DND 200 ${DOMAIN} internal`;
    const bound = await service.api(`snom_bind_key 2 on DND 200 ${DOMAIN} internal message ${action}`);
    assert.equal(bound.reply, `+OK 2 on DND 200 ${DOMAIN} internal message ${action}`);
    assert.ok(bound.result.command === 'snom_bind_key' && bound.result.ok);
    const c = bound.result.bind.contacts[0]!;
    assert.ok('status' in c && c.status === 200, JSON.stringify(c));
    const key2 = phone.snapshot().keys['2']!;
    assert.deepEqual([key2.light, key2.label, key2.action, key2.number], ['on', 'DND', 'message', action]);

    const more = await service.bindKey({ profile: 'internal', user: '200', host: DOMAIN, keys: [{ key: '3', light: 'pickup', label: 'Pick' }, { key: '4', light: 'message', label: 'VM' }] });
    assert.equal(more.delivered, true);

    // press P2: the phone sends MESSAGE to api+snom_bind_key…@pbx.test, the service runs it and answers
    const pressed = phone.press('P2');
    assert.ok(pressed.ok);
    await until('key 2 off', () => phone.snapshot().keys['2']?.light === 'off');
    assert.deepEqual(phone.snapshot().keys['2']!.block, { key: '2', light: 'off', label: 'DND' });
    await until('the +OK reply', () => phone.snapshot().sipRequests.some((r) => r.contentType?.startsWith('text/plain') === true));
    const reply = phone.snapshot().sipRequests.find((r) => r.contentType?.startsWith('text/plain') === true)!;
    assert.equal(reply.body, `+OK 2 off DND 200 ${DOMAIN} internal\n`);
    const [status2] = service.keyStatus({ profile: 'internal', user: '200', host: DOMAIN });
    assert.deepEqual([status2!.desired.state, status2!.desired.version], [{ key: '2', light: 'off', label: 'DND' }, 4]);

    // reboot: the phone forgets its keys, registers with a new Call-ID, and snomctl pushes them all back
    const before = phone.snapshot().boots;
    const rebooted = phone.reboot();
    await until('keys forgotten', () => phone.snapshot().boots > before);
    assert.deepEqual(Object.keys(phone.snapshot().keys), []);
    await rebooted;
    const ms = await until('keys back', () => ['2', '3', '4'].every((k) => phone.snapshot().keys[k] !== undefined), 2000);
    const keys = phone.snapshot().keys;
    assert.deepEqual(['2', '3', '4'].map((k) => [keys[k]!.light, keys[k]!.label]), [['off', 'DND'], ['pickup', 'Pick'], ['message', 'VM']]);
    assert.equal(keys['2']!.updates, 1, 'all keys came in one document');
    console.log(`# keys back ${ms.toFixed(0)} ms after the re-registration`);
  } finally {
    await phone.close();
    await service.close();
  }
});
