// One service with an embedded and two freeswitch profiles, against the fake FreeSWITCH Event Socket and
// virtual Snom phones over real sockets: each bind-key goes to the right place (mod_snom's exact
// SEND_MESSAGE for FreeSWITCH, a MESSAGE from our registrar for the embedded phone), lookups refuse
// unregistered users and unknown sofia profiles, a dropped Event Socket is retried and caught up on
// reconnection, sofia::register re-pushes the desired keys, and snom_command finds phones via FreeSWITCH.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { FreeswitchAdapter } from '../../src/esl/freeswitch-adapter.js';
import { FreeswitchConnection } from '../../src/esl/freeswitch-connection.js';
import { commandSeamFactory } from '../../src/service/commands/command-seam-factory.js';
import type { ContactResult, DeliveryEvent } from '../../src/service/delivery-types.js';
import { FreeswitchRoute } from '../../src/service/freeswitch-route.js';
import { createService, type Service } from '../../src/service/index.js';
import { VirtualPhone } from '../../src/sim/index.js';
import { FakeFreeswitch, type FakeRegistration } from '../helpers/fake-freeswitch.js';
import { freePort } from '../helpers/ports.js';

const UUID = '8f2e4b1c-1111-2222-3333-444455556666';
const DOMAIN = 'pbx.test';
const WEB_HOST = '127.0.21.1';
const DESK: FakeRegistration = {
  profile: 'internal', user: '2000', host: 'example.com', contact: '"Desk" <sip:2000@192.0.2.10:5060;line=kq3fz1>',
  networkIp: WEB_HOST, networkPort: 40312, callId: 'call-desk',
};

interface World {
  readonly fs: FakeFreeswitch;
  readonly connection: FreeswitchConnection;
  readonly service: Service;
  readonly webPort: number;
  readonly deliveries: DeliveryEvent[];
}

const open: Array<() => Promise<void>> = [];
after(async () => {
  for (const close of open.reverse()) await close();
});

async function until(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function world(options: { connect?: boolean } = {}): Promise<World> {
  const fs = await FakeFreeswitch.start({ profiles: [{ name: 'internal', aliases: ['example.com'] }, { name: 'external' }], defaultDomain: 'example.com', registrations: [DESK] });
  open.push(() => fs.close());
  const connection = new FreeswitchConnection({ port: fs.port, reconnectMinMs: 20, reconnectMaxMs: 80, commandTimeoutMs: 1000, random: () => 0.5 });
  open.push(() => connection.close());
  const adapter = new FreeswitchAdapter({ connection });
  const fsRoute = new FreeswitchRoute({ profile: 'fs', sofiaProfile: 'internal', connection, adapter });
  let caughtUp = false;
  fsRoute.onContactsChanged((c) => {
    if (c.cause === 'reachable') caughtUp = true;
  });
  const webPort = await freePort(WEB_HOST);
  const service = createService({
    domains: [DOMAIN],
    users: [{ user: '200', password: 'pw200' }],
    sip: { listen: { host: '127.0.0.1', port: 0 }, timers: { t1: 50 } },
    profiles: [
      { name: 'internal', route: 'embedded' },
      { name: 'fs', route: 'freeswitch', bodyFormat: 'mod_snom', implementation: fsRoute },
      { name: 'nowhere', route: 'freeswitch', implementation: new FreeswitchRoute({ profile: 'nowhere', sofiaProfile: 'nosuch', connection, adapter }) },
    ],
    delivery: { attemptTimeoutMs: 1000, retryDelaysMs: [150, 150] },
    commands: commandSeamFactory({
      profiles: { internal: 'embedded', fs: 'freeswitch', nowhere: 'freeswitch' },
      web: { port: webPort },
      freeswitch: { lookup: adapter, profiles: { fs: 'internal', nowhere: 'nosuch' } },
      clientOptions: { connectTimeoutMs: 1000, timeoutMs: 2000 },
    }),
  });
  open.push(() => service.close());
  const deliveries: DeliveryEvent[] = [];
  service.events.on('delivery', (e) => deliveries.push(e));
  if (options.connect !== false) {
    connection.start();
    await until('connected', () => connection.state === 'connected');
    // the catch-up after connecting (every registered user: show registrations) ends before the service runs
    await until('the catch-up', () => caughtUp);
  }
  await service.start();
  return { fs, connection, service, webPort, deliveries };
}

/** The sendevent mod_snom's snom_bind_key corresponds to, for user 2000@example.com on sofia profile internal. */
function sendMessage(body: string): string {
  return 'sendevent SEND_MESSAGE\nuser: 2000\nhost: example.com\nprofile: internal\ncontent-type: application/x-buttons\n' +
    `content-length: ${Buffer.byteLength(body)}\n\n${body}`;
}

const sent = (fs: FakeFreeswitch): string[] => fs.commandsStarting('sendevent SEND_MESSAGE').map((c) => c.raw.toString('utf8'));

function handed(c: ContactResult | undefined, attempts = 1): void {
  assert.ok(c !== undefined && 'status' in c, JSON.stringify(c));
  assert.deepEqual(
    { contact: c.contact, delivered: c.delivered, status: c.status, reason: c.reason, attempts: c.attempts },
    { contact: 'sip:2000@example.com', delivered: true, status: 202, reason: 'Handed to FreeSWITCH', attempts },
  );
}

test('mixed profiles: the freeswitch profile fires mod_snom\'s exact SEND_MESSAGE, the embedded one reaches the phone registered with us', { timeout: 20_000 }, async () => {
  const w = await world();
  const phone = new VirtualPhone({
    identities: [{ registrar: `127.0.0.1:${w.service.sipAddress!.udpPort!}`, user: '200', password: 'pw200', domain: DOMAIN }],
    sip: { host: '127.0.21.2', timers: { t1: 50 } }, http: false,
  });
  open.push(() => phone.close());
  await phone.start();

  const embedded = await w.service.api(`snom_bind_key 2 on DND 200 ${DOMAIN} internal`);
  assert.equal(embedded.reply, `+OK 2 on DND 200 ${DOMAIN} internal`);
  assert.ok(embedded.result.command === 'snom_bind_key' && embedded.result.ok);
  const e = embedded.result.bind.contacts[0]!;
  assert.ok('status' in e && e.status === 200, JSON.stringify(e));
  assert.deepEqual([phone.snapshot().keys['2']?.light, phone.snapshot().keys['2']?.label], ['on', 'DND']);
  assert.deepEqual(sent(w.fs), [], 'nothing went to FreeSWITCH for the embedded profile');

  const line = `snom_bind_key 2 on DND 2000 example.com fs message api+uuid_transfer ${UUID} 9001`;
  const viaFs = await w.service.api(line);
  assert.equal(viaFs.reply, `+OK 2 on DND 2000 example.com fs message api+uuid_transfer ${UUID} 9001`);
  assert.ok(viaFs.result.command === 'snom_bind_key' && viaFs.result.ok);
  assert.equal(viaFs.result.bind.delivered, true);
  handed(viaFs.result.bind.contacts[0]);
  assert.equal(viaFs.result.bind.contacts[0]!.destination, `esl:127.0.0.1:${w.fs.port}/sofia/internal`);
  // byte for byte what mod_snom fired (snom-protocol.md §1.2–1.3), with the sofia profile name
  assert.deepEqual(sent(w.fs), [sendMessage(`k=2\nc=on\nl=DND\nn=api+uuid_transfer ${UUID} 9001\na=message\n`)]);
  assert.deepEqual(w.fs.deliveredMessages, [{
    profile: 'internal', requestUri: 'sip:2000@192.0.2.10:5060;line=kq3fz1', from: 'sip:2000@example.com', to: 'sip:2000@example.com',
    contentType: 'application/x-buttons', body: `k=2\nc=on\nl=DND\nn=api+uuid_transfer ${UUID} 9001\na=message\n`,
  }]);
  assert.equal(phone.snapshot().sipRequests.filter((r) => r.method === 'MESSAGE').length, 1, 'the embedded phone got only its own key');
  const status = w.service.keyStatus({ profile: 'fs', user: '2000', host: 'example.com' });
  assert.deepEqual(status.map((k) => [k.desired.key, k.deliveries.map((d) => [d.contact, d.status])]), [['2', [['sip:2000@example.com', 'delivered']]]]);

  // the wiki's 9001 line: no action, mod_snom's empty-action body
  const off = await w.service.api('snom_bind_key 2 off DND 2000 example.com fs message notused');
  assert.equal(off.reply, '+OK 2 off DND 2000 example.com fs message notused');
  assert.equal(sent(w.fs)[1], sendMessage('k=2\nc=off\nl=DND\nn=notused\na=message\n'));
});

test('unregistered user, unknown sofia profile, FreeSWITCH down: clear reasons, nothing fired', { timeout: 20_000 }, async () => {
  const w = await world();
  const key = [{ key: '5', light: 'on' as const, label: 'X' }];
  const nobody = await w.service.bindKey({ profile: 'fs', user: '2999', host: 'example.com', keys: key });
  assert.deepEqual([nobody.delivered, nobody.pending, nobody.reason, nobody.contacts], [false, true, 'not registered', []]);
  const elsewhere = await w.service.bindKey({ profile: 'fs', user: '2000', host: 'other.example', keys: key });
  assert.equal(elsewhere.reason, 'not registered');
  const unknown = await w.service.bindKey({ profile: 'nowhere', user: '2000', host: 'example.com', keys: key });
  assert.deepEqual([unknown.pending, unknown.reason], [true, 'unknown sofia profile nosuch']);
  assert.deepEqual(sent(w.fs), []);
  assert.deepEqual(w.fs.commandsStarting('api sofia status profile').map((c) => c.line), [
    'api sofia status profile internal', 'api sofia status profile internal', 'api sofia status profile nosuch',
  ]);

  w.fs.offline = true;
  await until('disconnected', () => w.connection.state !== 'connected');
  const down = await w.service.bindKey({ profile: 'fs', user: '2000', host: 'example.com', keys: key });
  assert.deepEqual([down.pending, down.reason], [true, 'FreeSWITCH disconnected']);
  const [h] = w.service.routeHealth();
  assert.deepEqual([h?.kind, h?.id, h?.up, h?.profiles], ['freeswitch', `esl:127.0.0.1:${w.fs.port}`, false, ['fs', 'nowhere']]);
});

test('a dropped Event Socket: the lost SEND_MESSAGE is retried after the reconnection; keys bound while down follow once it is back', { timeout: 20_000 }, async () => {
  const w = await world();
  w.fs.dropOn((c) => c.line === 'sendevent SEND_MESSAGE');
  const r = await w.service.bindKey({ profile: 'fs', user: '2000', host: 'example.com', keys: [{ key: '3', light: 'on', label: 'Lost' }] });
  handed(r.contacts[0], 2);
  const body = 'k=3\nc=on\nl=Lost\n\n';
  assert.deepEqual(sent(w.fs), [sendMessage(body), sendMessage(body)], 'the same event again, once');
  assert.equal(w.fs.deliveredMessages.length, 1, 'the dropped one never fired');
  assert.deepEqual(w.deliveries.map((e) => [e.status, e.error ?? e.sipStatus]), [['retrying', 'transport'], ['delivered', 202]]);
  const [h] = w.service.routeHealth();
  assert.deepEqual([h?.up, h?.reconnects, h?.commands.lost], [true, 1, 1]);

  w.fs.offline = true;
  await until('disconnected', () => w.connection.state !== 'connected');
  const down = await w.service.bindKey({ profile: 'fs', user: '2000', host: 'example.com', keys: [{ key: '4', light: 'message', label: 'Back' }] });
  assert.equal(down.reason, 'FreeSWITCH disconnected');
  const before = sent(w.fs).length;
  w.fs.offline = false;
  await until('the key sent after the reconnection', () => sent(w.fs).length > before);
  // only what was not confirmed: key 4, not key 3
  assert.deepEqual(sent(w.fs).slice(before), [sendMessage('k=4\nc=message\nl=Back\n\n')]);
  await until('recorded', () => w.service.keyStatus({ profile: 'fs', user: '2000', host: 'example.com' }).every((k) => k.deliveries[0]?.status === 'delivered'));
});

test('keys bound before the first connection are sent once FreeSWITCH is reachable', { timeout: 20_000 }, async () => {
  const w = await world({ connect: false });
  const r = await w.service.bindKey({ profile: 'fs', user: '2000', host: 'example.com', keys: [{ key: '6', light: 'on', label: 'Early' }] });
  assert.deepEqual([r.pending, r.reason], [true, 'FreeSWITCH disconnected']);
  w.connection.start();
  await until('sent after connecting', () => sent(w.fs).length === 1);
  assert.deepEqual(sent(w.fs), [sendMessage('k=6\nc=on\nl=Early\n\n')]);
  await until('a startup push recorded', () => w.deliveries.some((e) => e.status === 'delivered' && e.cause === 'resync'));
});

test('sofia::register with a new Call-ID re-pushes every desired key; a refresh or another sofia profile does not', { timeout: 20_000 }, async () => {
  const w = await world();
  await w.service.bindKey({ profile: 'fs', user: '2000', host: 'example.com', keys: [{ key: '2', light: 'on', label: 'DND' }, { key: '3', light: 'off', label: 'Q' }] });
  const pending = await w.service.bindKey({ profile: 'fs', user: '2001', host: 'example.com', keys: [{ key: '7', light: 'on', label: 'Later' }] });
  assert.equal(pending.reason, 'not registered');
  const n = sent(w.fs).length;
  assert.equal(n, 1);

  w.fs.register({ ...DESK }, true); // a refresh of the binding FreeSWITCH had
  w.fs.register({ ...DESK, profile: 'external', callId: 'ext-1' }); // another sofia profile
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(sent(w.fs).length, n, 'no push for a refresh or for another sofia profile');

  w.fs.register({ ...DESK, callId: 'call-desk-after-reboot' });
  await until('the re-push', () => sent(w.fs).length === n + 1);
  const wire = sent(w.fs)[n]!;
  assert.ok(wire.startsWith('sendevent SEND_MESSAGE\nuser: 2000\nhost: example.com\nprofile: internal\ncontent-type: application/x-buttons\ncontent-length: '), wire);
  const body = wire.slice(wire.indexOf('\n\n') + 2);
  assert.match(body, /^k=2\r?\nc=on\r?\nl=DND\r?\n/m);
  assert.match(body, /^k=3\r?\nc=off\r?\nl=Q\r?\n/m);
  await until('delivered as resync', () => w.deliveries.some((e) => e.cause === 'resync' && e.status === 'delivered' && e.user === '2000'));

  w.fs.register({ ...DESK, callId: 'call-desk-after-reboot' }); // the same Call-ID again, even without update-reg
  w.fs.register({ profile: 'internal', user: '2001', host: 'example.com', contact: '<sip:2001@192.0.2.11:5060>', networkIp: '192.0.2.11', callId: 'c-2001' });
  await until('the pending key of 2001', () => sent(w.fs).length === n + 2);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(sent(w.fs).length, n + 2, 'no push for a known Call-ID');
  assert.equal(sent(w.fs)[n + 1], 'sendevent SEND_MESSAGE\nuser: 2001\nhost: example.com\nprofile: internal\ncontent-type: application/x-buttons\ncontent-length: 17\n\nk=7\nc=on\nl=Later\n\n'.replace('content-length: 17', `content-length: ${Buffer.byteLength('k=7\nc=on\nl=Later\n\n')}`));
});

test('snom_command */user, profile/user@domain: the phone registered to FreeSWITCH gets the request at its network IP', { timeout: 20_000 }, async () => {
  const w = await world();
  const web = new VirtualPhone({ sip: { host: WEB_HOST }, http: { host: WEB_HOST, port: w.webPort } });
  open.push(() => web.close());
  await web.start();
  const r = await w.service.api('snom_command */2000 key enter');
  assert.equal(r.reply, '+OK */2000 key enter');
  const r2 = await w.service.api('snom_command fs/2000@example.com key cancel');
  assert.equal(r2.reply, '+OK fs/2000@example.com key cancel');
  assert.deepEqual(web.snapshot().webRequests.filter((q) => q.path === '/command.htm').map((q) => q.query), ['key=enter', 'key=cancel']);
  assert.deepEqual(w.fs.commandsStarting('api sofia_contact').map((c) => c.line), ['api sofia_contact */2000', 'api sofia_contact internal/2000@example.com']);
  const nobody = await w.service.api('snom_command */2999 key enter');
  assert.match(nobody.reply, /^-ERR /);
});
