// CommandService with the phone inventory (store.phones) and its typed operations, against real HTTP and
// HTTPS servers on 127.0.21.x: self-signed HTTPS with insecureTls, inventory entries overriding a
// registration's address, unregistered phones reachable, each operation's exact request.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { PhoneClient } from '../../src/phone/phone-client.js';
import type { Registrar } from '../../src/registrar/registrar.js';
import { CombinedLocationSource } from '../../src/service/commands/combined-locations.js';
import { commandSeamFactory } from '../../src/service/commands/command-seam-factory.js';
import type { SnomCommandOutcome } from '../../src/service/commands/command-result.js';
import { CommandService } from '../../src/service/commands/command-service.js';
import { InventoryLocationSource } from '../../src/service/commands/inventory-locations.js';
import { RegistrarLocationSource } from '../../src/service/commands/registrar-locations.js';
import { openStore, type SqliteStore } from '../../src/store/sqlite-store.js';
import { startTestServer, testCertificate, type TestReply, type TestServer } from '../helpers/http-test-server.js';
import { DOMAIN, makeRegistrar, recordingLogger, registerFrom } from '../unit/service/commands/command-fixtures.js';

const TLS_HOST = '127.0.21.1';
const G = '127.0.21.2';
const DEAD = '127.0.21.9';
const BMP = Buffer.concat([Buffer.from('BM'), Buffer.alloc(30, 7)]);
const SETTING_SECRET = 'TopSecret-Setting-1';

let tlsPhone: TestServer;
let plainPhone: TestServer;
let registrar: Registrar;
let store: SqliteStore;
let client: PhoneClient;
let service: CommandService;
const log = recordingLogger();

const seen = (s: TestServer): string[] => s.requests.filter((q) => q.authorized).map((q) => q.url);

before(async () => {
  tlsPhone = await startTestServer({ host: TLS_HOST, tls: await testCertificate([TLS_HOST]), auth: { users: { admin: 'pw' }, basic: true } });
  plainPhone = await startTestServer({
    host: G,
    handler: (q): TestReply => {
      if (q.url.startsWith('/command.htm?number=')) return { status: 302, headers: { location: '/index.htm' } };
      if (q.url === '/screen.bmp') return { status: 200, headers: { 'content-type': 'image/bmp' }, body: BMP };
      if (q.url.startsWith('/dummy.htm')) return { status: 500, body: 'no' };
      return { status: 200, body: 'OK' };
    },
  });
  registrar = makeRegistrar({ '2005': { trustedNetworks: ['127.0.21.0/24'] }, '2007': { trustedNetworks: ['127.0.21.0/24'] } });
  // Registered from an address where nothing listens: only the inventory's address reaches the phone.
  await registerFrom(registrar, { user: '2005', address: DEAD });
  store = openStore({ path: ':memory:' });
  const tlsAddress = `${TLS_HOST}:${tlsPhone.port}`;
  store.phones.put({ user: '3000', domain: DOMAIN, webAddress: tlsAddress, scheme: 'https', username: 'admin', password: 'pw', insecureTls: true });
  store.phones.put({ user: '3001', domain: DOMAIN, webAddress: tlsAddress, scheme: 'https', username: 'admin', password: 'pw', insecureTls: false });
  store.phones.put({ user: '2005', domain: DOMAIN, webAddress: `${G}:${plainPhone.port}`, scheme: 'http', insecureTls: false });
  client = new PhoneClient({ connectTimeoutMs: 1000, timeoutMs: 3000 });
  service = new CommandService({
    client,
    locations: new CombinedLocationSource({
      registered: [new RegistrarLocationSource({ registrar, webPort: 1 })],
      inventory: new InventoryLocationSource({ phones: store.phones }),
    }),
    logger: log,
  });
});

after(async () => {
  await client.close();
  await tlsPhone.close();
  await plainPhone.close();
  store.close();
  await registrar.close();
});

beforeEach(() => {
  tlsPhone.requests.length = 0;
  plainPhone.requests.length = 0;
});

test('an unregistered inventory phone over self-signed HTTPS (insecureTls) with the inventory login', async () => {
  const out = await service.run(`snom_command */3000@${DOMAIN} key enter`);
  assert.equal(out.reply, `+OK */3000@${DOMAIN} key enter`);
  const r = out.results[0]!;
  assert.deepEqual(r.phone, {
    url: `https://${TLS_HOST}:${tlsPhone.port}`, host: TLS_HOST, port: tlsPhone.port, scheme: 'https', origin: 'inventory',
    user: '3000', domain: DOMAIN, contacts: [],
  });
  assert.deepEqual([r.ok, r.status, r.tls, r.auth], [true, 200, 'insecure', 'basic']);
  assert.deepEqual(seen(tlsPhone), ['/command.htm?key=enter']);
  // Without a domain the user is looked up in every domain.
  assert.equal((await service.run('snom_command */3000 key cancel')).reply, '+OK */3000 key cancel');
});

test('the same phone without insecureTls: the certificate is refused, [HTTP:0]', async () => {
  const out = await service.run(`snom_command */3001@${DOMAIN} key enter`);
  assert.equal(out.reply, `-ERR */3001@${DOMAIN} key enter [HTTP:0]`);
  assert.deepEqual([out.results[0]!.code, out.results[0]!.tls, out.results[0]!.auth], ['tls', 'verified', 'unknown']);
  assert.deepEqual(seen(tlsPhone), []);
});

test('credentials on the command line win over the inventory’s', async () => {
  const out = await service.run(`snom_command */3000@${DOMAIN} key enter admin not-the-pw`);
  assert.equal(out.reply, `-ERR */3000@${DOMAIN} key enter admin *** [HTTP:401]`);
  assert.ok(!JSON.stringify(out).includes('not-the-pw'));
});

test('an IP target known to the inventory uses its scheme, port, TLS choice and login', async () => {
  const out = await service.run(`snom_command ${TLS_HOST} key enter`);
  assert.equal(out.reply, `+OK ${TLS_HOST} key enter`);
  assert.deepEqual([out.results[0]!.phone.origin, out.results[0]!.phone.user, out.results[0]!.tls], ['inventory', '3000', 'insecure']);
});

test('an inventory entry overrides a registered phone’s address; the registration stays as a contact', async () => {
  const out = await service.run('snom_command */2005 key enter');
  assert.equal(out.reply, '+OK */2005 key enter');
  assert.deepEqual(out.results.map((r) => [r.phone.url, r.phone.origin, r.phone.contacts]), [
    [`http://${G}:${plainPhone.port}`, 'inventory', ['sip:2005@10.99.0.1:5060']],
  ]);
  assert.deepEqual(seen(plainPhone), ['/command.htm?key=enter']);
});

test('typed operations send their exact requests and report per phone', async () => {
  const keys = await service.pressKeys('*/2005', [{ key: '#' }, { key: 'F1', holdMs: 500 }]);
  const dial = await service.dial('*/2005', '+4930123', 'sip:2005@pbx.test');
  const dtmf = await service.dtmf('*/2005', '12#');
  const release = await service.releaseAllCalls('*/2005');
  const ringer = await service.playRinger('*/2005', 3);
  const rereg = await service.reregister('*/2005', 1);
  const action = await service.action('*/2005', 'receiveddel');
  const shot = await service.screenshot('*/2005');
  assert.deepEqual(seen(plainPhone), [
    '/command.htm?key=%23%3BF1%2C500',
    '/command.htm?number=%2B4930123&outgoing_uri=sip%3A2005%40pbx.test',
    '/command.htm?key_dtmf=12%23',
    '/command.htm?RELEASE_ALL_CALLS',
    '/line_login.htm?PLAY_RINGER:3=+Ringer',
    '/command.htm?REREGISTER=1',
    '/index.htm?receiveddel=0',
    '/screen.bmp',
  ]);
  for (const o of [keys, dial, dtmf, release, ringer, rereg, action, shot]) {
    assert.deepEqual([o.target, o.ok, o.results.length, o.error], ['*/2005', true, 1, undefined]);
  }
  assert.equal(dial.results[0]!.status, 302, 'the dial redirect is success and is not followed');
  assert.deepEqual(shot.results[0]!.body, BMP);
});

test('a failing setting: the value never appears in results or logs', async () => {
  const out = await service.setSetting('*/2005', 'user_pass1', SETTING_SECRET);
  assert.equal(out.ok, false);
  assert.deepEqual([out.results[0]!.code, out.results[0]!.status], ['http-status', 500]);
  assert.deepEqual(seen(plainPhone), [`/dummy.htm?settings=save&user_pass1=${SETTING_SECRET}`]);
  assert.ok(!JSON.stringify(out).includes(SETTING_SECRET));
  assert.ok(!log.lines.join('\n').includes(SETTING_SECRET));
});

test('bad arguments and targets are refused before any lookup or request', async () => {
  const cases = [
    [await service.dial('*/2005', '+49 30'), { code: 'invalid-argument', field: 'number', message: 'number: must not contain spaces' }],
    [await service.playRinger('*/2005', 0), { code: 'invalid-argument', field: 'ringer', message: 'ringer: must be a whole number from 1 to 99' }],
    [await service.pressKeys('*/2005', 'enter', { credentials: { username: 'a:b', password: 'x' } }), { code: 'invalid-argument', field: 'credentials', message: 'username must not contain ":"' }],
    [await service.pressKeys('two words', 'enter'), { code: 'bad-target', message: 'target contains white space' }],
    [await service.pressKeys('*/4444', 'enter'), { code: 'not-found', message: "user '*/4444' not registered" }],
  ] as const;
  for (const [outcome, error] of cases) {
    assert.deepEqual(outcome.error, error);
    assert.deepEqual([outcome.ok, outcome.results], [false, []]);
  }
  assert.deepEqual(plainPhone.requests, []);
});

test('commandSeamFactory wires the service for createService: profiles, default domain, inventory, replies with results', async () => {
  await registerFrom(registrar, { user: '2007', address: G });
  const seam = commandSeamFactory({ client, web: { port: plainPhone.port } })({ registrar, store, domains: [DOMAIN], profiles: ['internal'] });
  const registered = await seam.run!('internal/2007@pbx.test key F2');
  assert.equal(typeof registered === 'string' ? registered : registered.reply, '+OK internal/2007@pbx.test key F2', 'the service’s profiles reach the registrar');
  const otherProfile = await seam.run!('other/2007@pbx.test key F2');
  assert.equal(typeof otherProfile === 'string' ? otherProfile : otherProfile.reply, "-ERR user 'other/2007@pbx.test' not registered");
  plainPhone.requests.length = 0;
  const byLine = await seam.run!('snom_command internal/2005@pbx.test key enter');
  assert.equal(typeof byLine === 'string' ? byLine : byLine.reply, '+OK internal/2005@pbx.test key enter');
  const byArgs = await seam.run!('2005 key cancel');
  assert.equal(typeof byArgs === 'string' ? byArgs : byArgs.reply, '+OK 2005 key cancel', 'a bare user is looked up in the first domain');
  const parsed = await seam.execute!({
    command: 'snom_command', target: { kind: 'user', profile: 'other', user: '2005', domain: DOMAIN, spec: `other/2005@${DOMAIN}` },
    kind: 'key', type: 'enter', line: `other/2005@${DOMAIN} key enter`, echoLine: `other/2005@${DOMAIN} key enter`,
  });
  assert.ok(typeof parsed !== 'string');
  assert.equal(parsed.reply, `+OK other/2005@${DOMAIN} key enter`, 'the inventory does not depend on the profile');
  assert.equal((parsed.result as SnomCommandOutcome).results[0]!.phone.origin, 'inventory');
  assert.deepEqual(seen(plainPhone), ['/command.htm?key=enter', '/command.htm?key=cancel', '/command.htm?key=enter']);
  await seam.close!();
  assert.equal((await service.pressKeys('*/2005', 'enter')).ok, true, 'a shared client stays open');
});
