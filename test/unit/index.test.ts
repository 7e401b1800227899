// The library façade (src/index.ts, package export "."): the pure helpers and the service as a user imports them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CommandService, createService, decodeXButtons, encodeModSnom, encodeXButtons, KeyStateError, parseModSnomCommand, PhoneClient, Service,
  UnknownProfileError, validateKeyState, VirtualPhone, type BindKeyResult, type KeyState,
} from '../../src/index.js';

describe('snomctl library exports', () => {
  it('encodes, decodes and validates key states', () => {
    const doc: KeyState[] = [{ key: '2', light: 'on', label: 'DND' }, { key: 'P3', light: 'off', action: 'message', number: 'api+x' }];
    const text = encodeXButtons(doc);
    assert.deepEqual(text, { ok: true, value: 'k=2\r\nc=on\r\nl=DND\r\n\r\nk=P3\r\nc=off\r\na=message\r\nn=api+x\r\n' });
    const back = decodeXButtons(text.ok ? text.value : '');
    assert.deepEqual(back, { ok: true, value: doc });
    assert.deepEqual(encodeModSnom('2', 'on', 'DND'), { ok: true, value: 'k=2\nc=on\nl=DND\n\n' });
    const bad = validateKeyState({ key: '2', light: 'purple' });
    assert.equal(bad.ok, false);
    assert.ok(!bad.ok && bad.error instanceof KeyStateError);
    assert.equal(!bad.ok && bad.error.field, 'light');
  });

  it('parses mod_snom lines', () => {
    const parsed = parseModSnomCommand("snom_bind_key 2 on 'Do not disturb' 2000 pbx.example internal");
    assert.ok(parsed.ok && parsed.value.command === 'snom_bind_key');
    assert.deepEqual([parsed.value.key, parsed.value.label, parsed.value.user, parsed.value.profile], ['2', 'Do not disturb', '2000', 'internal']);
    const usage = parseModSnomCommand('snom_bind_key 2 on');
    assert.deepEqual(usage.ok ? undefined : [usage.error.code, usage.error.reply], ['usage', '-Error <key> <light> <label> <user> <host> <profile> <action_name> <action>']);
  });

  it('exports the classes library users build on', () => {
    for (const c of [Service, CommandService, PhoneClient, VirtualPhone]) assert.equal(typeof c, 'function');
  });

  it('Service.resync re-sends every desired key at its current version (101 keys, one result), Service.commands is the CommandService', { timeout: 20_000 }, async () => {
    const service = createService({
      domains: ['lib.test'], users: [{ user: '300', password: 'pw-300-lib' }],
      sip: { listen: { host: '127.0.0.1', port: 0 }, timers: { t1: 50 } },
      delivery: { attemptTimeoutMs: 1000, retryDelaysMs: [] },
    });
    const before: unknown = service.commands;
    assert.equal(before, undefined, 'no CommandService before start()');
    await service.start();
    let made: VirtualPhone | undefined;
    try {
      const phone = made = new VirtualPhone({
        identities: [{ registrar: `127.0.0.1:${service.sipAddress!.udpPort!}`, user: '300', password: 'pw-300-lib', domain: 'lib.test' }],
        functionKeys: 120, buttons: '1-120', sip: { host: '127.0.0.1', timers: { t1: 50 } }, http: false, bootDelayMs: 50,
      });
      assert.ok(service.commands instanceof CommandService);
      await assert.rejects(service.resync({ profile: 'nope', user: '300', host: 'lib.test' }), UnknownProfileError);
      assert.deepEqual(await service.resync({ profile: 'internal', user: '300', host: 'lib.test' }), []);

      // 101 desired keys, stored while the phone is away
      const keys = Array.from({ length: 101 }, (_, i) => ({ key: String(i + 1), light: 'on', label: `L${i + 1}` }) as KeyState);
      await service.bindKey({ profile: 'internal', user: '300', host: 'lib.test', keys: keys.slice(0, 100) });
      await service.bindKey({ profile: 'internal', user: '300', host: 'lib.test', keys: keys.slice(100) });
      await phone.start();
      await waitFor(() => Object.keys(phone.snapshot().keys).length === 101, 'the registration re-sync');
      phone.state.reboot('api'); // forget the keys; SIP is away for bootDelayMs, then it registers again and gets them back
      await phone.whenRegistered();
      await waitFor(() => Object.keys(phone.snapshot().keys).length === 101, 'the reboot re-sync');

      const results: BindKeyResult[] = await service.resync({ profile: 'internal', user: '300', host: 'LIB.test' });
      assert.deepEqual(results.map((r) => [r.keys.length, r.delivered, r.contacts.length]), [[101, true, 1]]);
      assert.deepEqual(results.map((r) => r.host), ['lib.test']);
      const status = service.keyStatus({ profile: 'internal', user: '300', host: 'lib.test' });
      assert.equal(status.length, 101);
      assert.ok(status.every((k) => k.deliveries.length === 1 && k.deliveries[0]!.status === 'delivered' && k.deliveries[0]!.current));
      assert.equal(phone.snapshot().keys['101']!.label, 'L101');
    } finally {
      await made?.close();
      await service.close();
    }
  });
});

async function waitFor(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
