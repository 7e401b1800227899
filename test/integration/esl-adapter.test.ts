// FreeswitchAdapter against the fake FreeSWITCH: mod_snom's SEND_MESSAGE byte for byte, sofia_contact
// and network addresses, registration events, and the dialplan bridge (snom::api → snom::api-result).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FreeswitchAdapter } from '../../src/esl/freeswitch-adapter.js';
import { FreeswitchConnection } from '../../src/esl/freeswitch-connection.js';
import type { DialplanRequest } from '../../src/esl/dialplan-api.js';
import type { RegistrationEvent } from '../../src/esl/registration-event.js';
import { parseModSnomCommand } from '../../src/snom/mod-snom-command.js';
import { okReply } from '../../src/snom/mod-snom-reply.js';
import { encodeModSnom } from '../../src/snom/x-buttons.js';
import { FakeFreeswitch, type FakeFreeswitchOptions, type FakeRegistration } from '../helpers/fake-freeswitch.js';

const UUID = '8f2e4b1c-1111-2222-3333-444455556666';
const DESK: FakeRegistration = {
  profile: 'internal', user: '2000', host: 'example.com', contact: '"Desk" <sip:2000@192.0.2.10:5060;line=kq3fz1>',
  networkIp: '198.51.100.7', networkPort: 40312, callId: 'call-desk',
};
const SIDECAR: FakeRegistration = {
  profile: 'internal', user: '2000', host: 'example.com', contact: '<sip:2000@10.0.0.5:5062;line=x9;fs_nat=yes;fs_path=%3Csip%3A2000%40198.51.100.9%3A1024%3E>',
  networkIp: '198.51.100.9', networkPort: 1024, callId: 'call-sidecar',
};
const REMOTE: FakeRegistration = {
  profile: 'external', user: '2000', host: 'example.com', contact: '<sip:2000@203.0.113.4:5060>', networkIp: '203.0.113.4', callId: 'call-remote',
};

const open: Array<{ close(): Promise<void> }> = [];
after(async () => {
  for (const o of open.reverse()) await o.close();
});

async function setup(options: FakeFreeswitchOptions = {}): Promise<{ fs: FakeFreeswitch; adapter: FreeswitchAdapter; connection: FreeswitchConnection }> {
  const fs = await FakeFreeswitch.start({ profiles: [{ name: 'internal', aliases: ['example.com'] }, { name: 'external' }], ...options });
  open.push(fs);
  const connection = new FreeswitchConnection({ port: fs.port, reconnectMinMs: 20, reconnectMaxMs: 80 });
  open.push(connection);
  connection.start();
  return { fs, adapter: new FreeswitchAdapter({ connection }), connection };
}

function bodyOf(line: string): { profile: string; user: string; host: string; body: string; echo: string } {
  const parsed = parseModSnomCommand(line);
  if (!parsed.ok || parsed.value.command !== 'snom_bind_key') throw new Error(`not a bind: ${line}`);
  const r = parsed.value;
  const body = encodeModSnom(r.key, r.light, r.label, r.actionName, r.action);
  if (!body.ok) throw new Error(body.error.message);
  return { profile: r.profile, user: r.user, host: r.host, body: body.value, echo: okReply(r.echoLine) };
}

describe('FreeswitchAdapter.sendButtons', () => {
  test('wiki demo 9000 and 9001: the exact event mod_snom fired, delivered to every contact', async () => {
    const { fs, adapter } = await setup({ registrations: [DESK, SIDECAR] });
    const on = bodyOf(`snom_bind_key 2 on DND 2000 example.com internal message api+uuid_transfer ${UUID} 9001`);
    const r = await adapter.sendButtons(on);
    assert.ok(r.ok);
    const wire = fs.commandsStarting('sendevent')[0]?.raw.toString('utf8');
    assert.equal(
      wire,
      'sendevent SEND_MESSAGE\nuser: 2000\nhost: example.com\nprofile: internal\ncontent-type: application/x-buttons\ncontent-length: 87\n\n' +
        `k=2\nc=on\nl=DND\nn=api+uuid_transfer ${UUID} 9001\na=message\n`,
    );
    const fired = fs.firedEvents.find((e) => e.name === 'SEND_MESSAGE');
    assert.ok(r.ok && fired);
    if (!r.ok || !fired) return;
    assert.deepEqual(r.value, { handedToFreeswitch: true, eventUuid: fired.headers.find(([k]) => k === 'Event-UUID')?.[1] });
    assert.deepEqual(fs.deliveredMessages.map((m) => [m.requestUri, m.from, m.to, m.contentType, m.body]), [
      ['sip:2000@192.0.2.10:5060;line=kq3fz1', 'sip:2000@example.com', 'sip:2000@example.com', 'application/x-buttons', on.body],
      ['sip:2000@10.0.0.5:5062;line=x9', 'sip:2000@example.com', 'sip:2000@example.com', 'application/x-buttons', on.body],
    ]);
    const off = bodyOf('snom_bind_key 2 off DND 2000 example.com internal message notused');
    assert.ok((await adapter.sendButtons(off)).ok);
    assert.equal(fs.commandsStarting('sendevent')[1]?.body.toString(), 'k=2\nc=off\nl=DND\nn=notused\na=message\n');
  });

  test('honest result: FreeSWITCH takes the event even when nobody is registered (mod_sofia only logs)', async () => {
    const { fs, adapter } = await setup();
    const r = await adapter.sendButtons({ profile: 'internal', user: '2999', host: 'example.com', body: 'k=1\nc=on\nl=x\n\n' });
    assert.equal(r.ok && r.value.handedToFreeswitch, true);
    assert.deepEqual(fs.sofiaErrors, ["Can't find registered user 2999@example.com"]);
    assert.equal(fs.deliveredMessages.length, 0);
  });

  test('bad input never reaches FreeSWITCH', async () => {
    const { fs, adapter, connection } = await setup();
    const r = await adapter.sendButtons({ profile: 'internal', user: '2000\nprofile: x', host: 'example.com', body: 'k=1' });
    assert.equal(!r.ok && r.error.code, 'SNOM_ERR_ESL_INVALID_COMMAND');
    await connection.api('status');
    assert.equal(fs.commandsStarting('sendevent').length, 0);
  });
});

describe('FreeswitchAdapter.sofiaContact / lookupRegistrations', () => {
  test('single, multiple (every profile with */), and not registered', async () => {
    const { adapter } = await setup({ registrations: [DESK, SIDECAR, REMOTE] });
    const one = await adapter.sofiaContact('external/2000@example.com');
    assert.deepEqual(one.ok && one.value, { registered: true, contacts: [{ profile: 'external', uri: 'sip:2000@203.0.113.4:5060', dialString: 'sofia/external/sip:2000@203.0.113.4:5060' }] });
    const all = await adapter.sofiaContact('*/2000@example.com');
    assert.ok(all.ok && all.value.registered);
    if (all.ok && all.value.registered) {
      assert.deepEqual(all.value.contacts.map((c) => c.uri), [
        'sip:2000@192.0.2.10:5060;line=kq3fz1',
        'sip:2000@10.0.0.5:5062;line=x9;fs_nat=yes;fs_path=%3Csip%3A2000%40198.51.100.9%3A1024%3E',
        'sip:2000@203.0.113.4:5060',
      ]);
    }
    assert.deepEqual(await adapter.sofiaContact('*/2001@example.com'), { ok: true, value: { registered: false } });
    const bad = await adapter.sofiaContact('192.0.2.7');
    assert.equal(!bad.ok && bad.error.reason, 'bad-spec');
  });

  test('network addresses from the core registrations table, one per contact', async () => {
    const { fs, adapter } = await setup({ registrations: [DESK, SIDECAR] });
    const r = await adapter.lookupRegistrations('*/2000');
    assert.ok(r.ok && r.value.registered);
    if (!r.ok || !r.value.registered) return;
    assert.deepEqual(r.value.registrations.map((x) => [x.uri.split(';')[0], x.networkIp, x.networkPort, x.networkProto]), [
      ['sip:2000@192.0.2.10:5060', '198.51.100.7', 40312, 'udp'],
      ['sip:2000@10.0.0.5:5062', '198.51.100.9', 1024, 'udp'],
    ]);
    assert.deepEqual(fs.commands.filter((c) => c.line.startsWith('api')).map((c) => c.line), ['api sofia_contact */2000', 'api show registrations as json']);
  });

  test('without the core database the contacts are still returned, addresses unknown', async () => {
    const { adapter } = await setup({ registrations: [DESK], coreDb: false });
    const r = await adapter.lookupRegistrations('*/2000@example.com');
    assert.ok(r.ok && r.value.registered);
    if (r.ok && r.value.registered) assert.deepEqual(r.value.registrations.map((x) => [x.profile, x.networkIp]), [['internal', undefined]]);
    assert.deepEqual(await adapter.lookupRegistrations('*/2001@example.com'), { ok: true, value: { registered: false } });
  });

  test('sofia not loaded: rejected', async () => {
    const { adapter } = await setup({ api: { sofia_contact: () => '-ERR sofia_contact Command not found!\n' } });
    const r = await adapter.sofiaContact('*/2000');
    assert.equal(!r.ok && r.error.reason, 'rejected');
  });
});

describe('FreeswitchAdapter.onRegistration', () => {
  test('register, unregister and expire arrive typed', async () => {
    const { fs, adapter, connection } = await setup();
    const seen: RegistrationEvent[] = [];
    adapter.onRegistration((e) => seen.push(e));
    await fs.waitFor(() => connection.state === 'connected' && fs.commandsStarting('event plain').length > 0);
    await connection.api('status'); // the subscription reply is in before this one
    fs.register(DESK);
    fs.register(DESK, true);
    fs.unregister(DESK);
    fs.register(SIDECAR);
    fs.unregister(SIDECAR, 'expire');
    await fs.waitFor(() => seen.length === 5);
    // switch_url_encode leaves an existing %XX alone, so the event's contact arrives with fs_path decoded.
    const sidecarUri = 'sip:2000@10.0.0.5:5062;line=x9;fs_nat=yes;fs_path=<sip:2000@198.51.100.9:1024>';
    assert.deepEqual(seen.map((e) => [e.kind, e.user, e.host, e.contactUri, e.networkIp ?? null, e.refresh]), [
      ['register', '2000', 'example.com', 'sip:2000@192.0.2.10:5060;line=kq3fz1', '198.51.100.7', false],
      ['register', '2000', 'example.com', 'sip:2000@192.0.2.10:5060;line=kq3fz1', '198.51.100.7', true],
      ['unregister', '2000', 'example.com', 'sip:2000@192.0.2.10:5060;line=kq3fz1', null, false],
      ['register', '2000', 'example.com', sidecarUri, '198.51.100.9', false],
      ['expire', '2000', 'example.com', sidecarUri, null, false],
    ]);
    assert.equal(seen[0]?.userAgent, 'snom370-SIP 8.7.5.35');
    assert.ok(fs.commandsStarting('event plain').some((c) => c.line.endsWith(' CUSTOM sofia::register sofia::unregister sofia::expire')));
  });
});

describe('dialplan bridge (snom::api → snom::api-result)', () => {
  const XML_DATA = 'Event-Name=CUSTOM,Event-Subclass=snom::api,snom-request-id=req-42';

  async function bridge(options: FakeFreeswitchOptions = {}): Promise<{ fs: FakeFreeswitch; adapter: FreeswitchAdapter; requests: DialplanRequest[] }> {
    const s = await setup({ registrations: [DESK], ...options });
    const requests: DialplanRequest[] = [];
    // The service's part, in miniature: run the line, answer with mod_snom's reply.
    s.adapter.onDialplanRequest(async (r) => {
      if (!r.ok) return;
      requests.push(r.value);
      const bind = bodyOf(r.value.commandLine);
      const sent = await s.adapter.sendButtons(bind);
      await s.adapter.replyToDialplan({ requestId: r.value.requestId, reply: sent.ok ? bind.echo : '-ERR not sent', ...(r.value.channelUuid ? { channelUuid: r.value.channelUuid } : {}) });
    });
    await s.fs.waitFor(() => s.connection.state === 'connected');
    await s.connection.api('status');
    return { ...s, requests };
  }

  test('request event in, reply event out with the same correlation id; quotes survive via the channel variable', async () => {
    const { fs, requests } = await bridge();
    const line = `snom_bind_key 2 on 'Do not disturb' 2000 example.com internal message api+uuid_transfer ${UUID} 9001`;
    fs.runEventApplication({ uuid: UUID, variables: { snom_api_command: line, sip_from_user: '2000' } }, XML_DATA);
    await fs.waitFor(() => fs.firedEvents.some((e) => e.subclass === 'snom::api-result'));
    assert.deepEqual(requests, [{ requestId: 'req-42', commandLine: line, channelUuid: UUID, source: 'channel-variable' }]);
    assert.equal(fs.deliveredMessages[0]?.body, `k=2\nc=on\nl=Do not disturb\nn=api+uuid_transfer ${UUID} 9001\na=message\n`);
    const reply = fs.firedEvents.find((e) => e.subclass === 'snom::api-result');
    const h = new Map(reply?.headers);
    assert.equal(h.get('snom-request-id'), 'req-42');
    assert.equal(h.get('snom-reply-status'), 'ok');
    assert.equal(h.get('snom-channel-uuid'), UUID);
    assert.equal(reply?.body, `+OK 2 on 'Do not disturb' 2000 example.com internal message api+uuid_transfer ${UUID} 9001\n`);
    assert.equal(fs.queuedToChannel.length, 0); // fired, not swallowed by the channel
  });

  test('old FreeSWITCH (Event-Subclass header present) works the same', async () => {
    const { fs, requests } = await bridge({ eventAppAddsSubclassHeader: true });
    fs.runEventApplication({ uuid: UUID, variables: { snom_api_command: 'snom_bind_key 2 off DND 2000 example.com internal message notused' } }, XML_DATA);
    await fs.waitFor(() => fs.firedEvents.some((e) => e.subclass === 'snom::api-result'));
    assert.equal(requests[0]?.requestId, 'req-42');
  });

  test('why the line goes in a variable: the event application splits its data at commas and drops quotes', async () => {
    const { fs } = await setup();
    const event = fs.runEventApplication({ uuid: UUID }, `${XML_DATA},snom-command=snom_bind_key 2 on 'Do not disturb' 2000 example.com internal,x=1`);
    assert.equal(new Map(event.headers).get('snom-command'), 'snom_bind_key 2 on Do not disturb 2000 example.com internal');
  });
});
