// The virtual phone's registration over real UDP: REGISTER as a Snom writes it, refresh, retry with
// backoff, reboot (new Call-ID, CSeq 1), log-off and re-register, un-register on close. Test registrar
// on 127.0.0.115, phones on 127.0.0.116.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getCSeq } from '../../src/sip/accessors.js';
import type { SipRequest } from '../../src/sip/message.js';
import { VirtualPhone, type VirtualPhoneOptions } from '../../src/sim/index.js';
import { startTestRegistrar, type TestRegistrar, type TestRegistrarOptions } from '../helpers/sim-test-registrar.js';

async function setup(
  registrarOptions: Partial<TestRegistrarOptions>, phoneOptions: Partial<VirtualPhoneOptions>,
  fn: (registrar: TestRegistrar, phone: VirtualPhone) => Promise<void>,
): Promise<void> {
  const registrar = await startTestRegistrar({ host: '127.0.0.115', users: { '2000': 'secret' }, ...registrarOptions });
  const phone = new VirtualPhone({
    identities: [{ registrar: registrar.address, domain: 'example.com', user: '2000', password: 'secret' }],
    sip: { host: '127.0.0.116', timers: { t1: 100 } },
    http: { host: '127.0.0.116' },
    retryMinMs: 100,
    ...phoneOptions,
  });
  try {
    await fn(registrar, phone);
  } finally {
    await phone.close();
    await registrar.close();
  }
}

function registers(registrar: TestRegistrar): SipRequest[] {
  return registrar.seen.flatMap((s) => (s.message.kind === 'request' && s.message.method === 'REGISTER' ? [s.message] : []));
}

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('REGISTER like a Snom: digest, Contact with ;line= and +sip.instance, Expires; the slot shows registered', async () => {
  await setup({}, {}, async (registrar, phone) => {
    const urls = await phone.start();
    const [first, second] = registers(registrar);
    assert.equal(registers(registrar).length, 2);
    assert.equal(first!.uri, 'sip:example.com');
    assert.match(first!.headers.get('from')!, /^<sip:2000@example\.com>;tag=[A-Za-z0-9_-]{16}$/);
    assert.equal(first!.headers.get('to'), '<sip:2000@example.com>');
    assert.equal(first!.headers.get('expires'), '600');
    assert.equal(first!.headers.get('allow'), 'INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, MESSAGE');
    assert.equal(first!.headers.get('user-agent'), 'snomD785/10.1.73.16');
    const contact = first!.headers.get('contact')!;
    assert.match(contact, new RegExp(`^<sip:2000@127\\.0\\.0\\.116:${urls.sipPort};line=[a-z0-9]{8}>;q=1\\.0;\\+sip\\.instance="<urn:uuid:00000000-0000-1000-8000-000413000001>"$`));
    assert.equal(first!.headers.get('authorization'), undefined);
    assert.match(second!.headers.get('authorization')!, /^Digest username="2000", realm="example\.com"/);
    assert.equal(second!.headers.get('call-id'), first!.headers.get('call-id'));
    assert.deepEqual([getCSeq(first!)?.seq, getCSeq(second!)?.seq], [1, 2]);
    const slot = phone.state.registration(1)!;
    assert.equal(slot.status, 'registered');
    assert.equal(slot.aor, 'sip:2000@example.com');
    assert.equal(slot.registrar, registrar.address);
    assert.equal(`<${slot.contact}>`, contact.slice(0, contact.indexOf('>') + 1));
    assert.equal(slot.detail, '200 OK');
    assert.ok(Math.abs(slot.expiresAt! - (slot.updatedAt + 600_000)) < 5);
    assert.equal(phone.registered, true);
    assert.equal(phone.state.setting('user_name1'), '2000');
    assert.equal(phone.state.setting('user_host1'), 'example.com');
    assert.equal(JSON.stringify(phone.snapshot()).includes('secret'), false, 'the password is nowhere in the state');
  });
});

test('refresh at half the granted expiry (the Contact expires of the 200), same Call-ID, CSeq counting on', async () => {
  await setup({ grantExpires: 2 }, {}, async (registrar, phone) => {
    await phone.start();
    assert.equal(registers(registrar).length, 2);
    const t0 = Date.now();
    await until(() => registers(registrar).length === 4, 'the refresh', 4000);
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 900 && elapsed < 2000, `refreshed after ${elapsed} ms, expected about 1000`);
    const all = registers(registrar);
    assert.deepEqual(all.map((r) => getCSeq(r)?.seq), [1, 2, 3, 4]);
    assert.equal(new Set(all.map((r) => r.headers.get('call-id'))).size, 1);
    assert.equal(phone.state.registration(1)!.status, 'registered');
  });
});

test('a failing registrar is retried with a doubling delay; then registered', async () => {
  await setup({}, {}, async (registrar, phone) => {
    let refusals = 2;
    const times: number[] = [];
    registrar.on('REGISTER', ({ respond }) => {
      times.push(Date.now());
      if (refusals-- > 0) {
        respond(503, 'Service Unavailable');
        return true;
      }
      return false;
    });
    const statuses: string[] = [];
    phone.state.on('changed', ({ what }) => {
      if (what === 'registrations') statuses.push(`${phone.state.registration(1)!.status} ${phone.state.registration(1)!.detail ?? ''}`.trim());
    });
    const [outcome] = await phone.start().then(() => phone.whenRegistered());
    assert.deepEqual(outcome, { ok: false, detail: '503 Service Unavailable' });
    await until(() => phone.state.registration(1)!.status === 'registered', 'registered', 3000);
    assert.deepEqual(statuses, [
      'registering REGISTER sent', 'failed 503 Service Unavailable (retry in 100 ms)',
      'registering REGISTER sent', 'failed 503 Service Unavailable (retry in 200 ms)',
      'registering REGISTER sent', 'registered 200 OK',
    ]);
    const gaps = [times[1]! - times[0]!, times[2]! - times[1]!];
    assert.ok(gaps[0]! >= 95 && gaps[0]! < 400, `first retry after ${gaps[0]} ms (100 expected)`);
    assert.ok(gaps[1]! >= 195 && gaps[1]! < 600, `second retry after ${gaps[1]} ms (200 expected)`);
  });
});

test('a wrong password: failed with the 401, retried; never shown', async () => {
  const registrar = await startTestRegistrar({ host: '127.0.0.115', users: { '2000': 'secret' } });
  const phone = new VirtualPhone({
    identities: [{ registrar: registrar.address, domain: 'example.com', user: '2000', password: 'Wr0ngPw!' }],
    sip: { host: '127.0.0.116', timers: { t1: 100 } }, http: false, retryMinMs: 60_000,
  });
  try {
    const urls = await phone.start();
    assert.deepEqual(await phone.whenRegistered(), [{ ok: false, detail: '401 Unauthorized' }]);
    assert.equal(phone.state.registration(1)!.status, 'failed');
    assert.equal(phone.state.registration(1)!.detail, '401 Unauthorized (retry in 60 s)');
    assert.equal(urls.web, undefined);
    assert.equal(JSON.stringify(phone.snapshot()).includes('Wr0ngPw!'), false);
  } finally {
    await phone.close();
    await registrar.close();
  }
});

test('reboot from the web page: keys forgotten, SIP away during the boot, new Call-ID and CSeq 1; reboot() again', async () => {
  await setup({}, { bootDelayMs: 300 }, async (registrar, phone) => {
    const urls = await phone.start();
    assert.ok(phone.state.applyXButtonsBody('k=1\r\nc=on\r\nl=Alice\r\n').ok);
    const before = registers(registrar);
    const firstContact = before[0]!.headers.get('contact');
    const res = await fetch(`${urls.web}/advanced_update.htm?reboot=Reboot`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    await until(() => phone.state.boots === 2, 'the reboot');
    assert.equal(phone.state.keyState('1'), undefined);
    assert.equal(phone.sip.running, false, 'SIP is away while booting');
    assert.equal(phone.state.registration(1)!.status, 'unregistered');
    const rebootedAt = Date.now();
    await until(() => registers(registrar).length === before.length + 2, 'the REGISTERs after the boot');
    assert.ok(Date.now() - rebootedAt >= 250, 'after the boot delay');
    await until(() => phone.state.registration(1)!.status === 'registered', 'registered again');
    const after = registers(registrar).slice(before.length);
    assert.notEqual(after[0]!.headers.get('call-id'), before[0]!.headers.get('call-id'));
    assert.deepEqual(after.map((r) => getCSeq(r)?.seq), [1, 2]);
    assert.equal(after[0]!.headers.get('contact'), firstContact, 'same port, line and instance after the reboot');
    assert.equal(phone.urls?.sipPort, urls.sipPort);

    const outcomes = await phone.reboot();
    assert.deepEqual(outcomes, [{ ok: true, expires: 600 }]);
    const third = registers(registrar).slice(before.length + 2);
    assert.equal(third.length, 2);
    assert.notEqual(third[0]!.headers.get('call-id'), after[0]!.headers.get('call-id'));
    assert.equal(getCSeq(third[0]!)?.seq, 1);
  });
});

test('LOGOFFLINE un-registers (logged-off), REREGISTER registers again; close() un-registers', async () => {
  await setup({}, {}, async (registrar, phone) => {
    const urls = await phone.start();
    const callId = registers(registrar)[0]!.headers.get('call-id');
    assert.equal((await fetch(`${urls.web}/command.htm?LOGOFFLINE=1`)).status, 200);
    await until(() => phone.state.registration(1)!.status === 'logged-off', 'logged off');
    const off = registers(registrar).at(-1)!;
    assert.equal(off.headers.get('expires'), '0');
    assert.match(off.headers.get('contact')!, /;expires=0$/);
    assert.equal(off.headers.get('call-id'), callId);
    assert.equal(registrar.bindings.has('2000'), false);

    assert.equal((await fetch(`${urls.web}/command.htm?REREGISTER=1`)).status, 200);
    await until(() => phone.state.registration(1)!.status === 'registered', 'registered again');
    assert.equal(registrar.bindings.has('2000'), true);
    const count = registers(registrar).length;
    await phone.close();
    assert.equal(registers(registrar).length, count + 2, 'un-REGISTER, challenged, then with credentials');
    const last = registers(registrar).at(-1)!;
    assert.equal(last.headers.get('expires'), '0');
    assert.equal(last.headers.get('call-id'), callId);
    assert.deepEqual(registers(registrar).map((r) => getCSeq(r)?.seq), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(registrar.bindings.has('2000'), false);
    assert.equal(phone.state.registration(1)!.status, 'unregistered');
  });
});
