// snom_command through CommandService against real HTTP servers on 127.0.20.x: mod_snom's replies byte
// for byte (snom-protocol.md §1.4, the wiki's examples), targets resolved through a Registrar fed with
// real REGISTERs (Digest answered), several registrations of one user, credentials never leaking.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { PhoneClient } from '../../src/phone/phone-client.js';
import type { Registrar } from '../../src/registrar/registrar.js';
import { CombinedLocationSource } from '../../src/service/commands/combined-locations.js';
import { CommandService } from '../../src/service/commands/command-service.js';
import { InventoryLocationSource } from '../../src/service/commands/inventory-locations.js';
import { RegistrarLocationSource } from '../../src/service/commands/registrar-locations.js';
import { toWireReply } from '../../src/snom/mod-snom-reply.js';
import { openStore, type SqliteStore } from '../../src/store/sqlite-store.js';
import { startTestServer, type TestReply, type TestServer } from '../helpers/http-test-server.js';
import { DOMAIN, makeRegistrar, recordingLogger, registerFrom, startPhonesOnOnePort } from '../unit/service/commands/command-fixtures.js';

const A = '127.0.20.1'; // open phone, user 2000
const B = '127.0.20.2'; // Digest-protected phone, user 2001
const DEAD = '127.0.20.3'; // nothing listens: user 2002
const C = '127.0.20.4'; // user 2003, first registration (also 2006)
const D = '127.0.20.5'; // user 2003, second registration
const E = '127.0.20.6'; // answers 404: user 2004
const PASSWORD = 'S3cret-Phone-Pw';
const WRONG = 'Wr0ng-Phone-Pw';

let port: number;
let servers: Map<string, TestServer>;
let registrar: Registrar;
let store: SqliteStore;
let client: PhoneClient;
let service: CommandService;
const log = recordingLogger();

const server = (host: string): TestServer => servers.get(host)!;
/** Request targets a server accepted (authorized). */
const seen = (host: string): string[] => server(host).requests.filter((q) => q.authorized).map((q) => q.url);

before(async () => {
  const handler = (q: { url: string }): TestReply => {
    if (q.url.startsWith('/advanced_update.htm')) return { status: 302, headers: { location: '/index.htm' } };
    return { status: 200, body: 'OK' };
  };
  ({ port, servers } = await startPhonesOnOnePort([A, B, C, D, E], (host) => ({
    handler: host === E ? (): TestReply => ({ status: 404, body: 'Not Found' }) : handler,
    ...(host === B ? { auth: { users: { admin: PASSWORD }, digest: { algorithms: ['MD5'] } } } : {}),
  })));
  registrar = makeRegistrar({
    '2000': { password: 'sip-2000' },
    '2001': { password: 'sip-2001' },
    '2002': { trustedNetworks: ['127.0.20.0/24'] },
    '2003': { password: 'sip-2003' },
    '2004': { trustedNetworks: ['127.0.20.0/24'] },
    '2006': { trustedNetworks: ['127.0.20.0/24'] },
  });
  await registerFrom(registrar, { user: '2000', address: A, password: 'sip-2000' });
  await registerFrom(registrar, { user: '2001', address: B, password: 'sip-2001' });
  await registerFrom(registrar, { user: '2002', address: DEAD });
  await registerFrom(registrar, { user: '2003', address: C, password: 'sip-2003', callId: 'desk@c' });
  await registerFrom(registrar, { user: '2003', address: D, password: 'sip-2003', callId: 'desk@d', contactHost: '10.99.0.2' });
  await registerFrom(registrar, { user: '2004', address: E });
  await registerFrom(registrar, { user: '2006', address: C, callId: 'x@c' });
  await registerFrom(registrar, { user: '2006', address: DEAD, callId: 'x@dead', contactHost: '10.99.0.3' });
  store = openStore({ path: ':memory:' });
  client = new PhoneClient({ connectTimeoutMs: 1000, timeoutMs: 3000 });
  service = new CommandService({
    client,
    locations: new CombinedLocationSource({
      registered: [new RegistrarLocationSource({ registrar, webPort: port })],
      inventory: new InventoryLocationSource({ phones: store.phones }),
    }),
    direct: { port },
    logger: log,
  });
});

after(async () => {
  await client.close();
  await Promise.all([...servers.values()].map((s) => s.close()));
  store.close();
  await registrar.close();
});

beforeEach(() => {
  for (const s of servers.values()) s.requests.length = 0;
});

test('the wiki example: */2000 key enter reaches the phone at the REGISTER source address', async () => {
  const out = await service.run('snom_command */2000 key enter');
  assert.equal(out.reply, '+OK */2000 key enter');
  assert.equal(toWireReply(out.reply), '+OK */2000 key enter\n');
  assert.deepEqual(seen(A), ['/command.htm?key=enter']);
  assert.equal(out.ok, true);
  assert.equal(out.target, '*/2000');
  assert.equal(out.results.length, 1);
  const r = out.results[0]!;
  assert.deepEqual(r.phone, {
    url: `http://${A}:${port}`, host: A, port, scheme: 'http', origin: 'registrar', user: '2000', domain: DOMAIN,
    contacts: ['sip:2000@10.99.0.1:5060'],
  });
  assert.deepEqual([r.ok, r.status, r.code, r.message, r.tls, r.auth], [true, 200, undefined, undefined, 'none', 'none']);
  assert.ok(r.latencyMs >= 0 && r.latencyMs < 3000);
});

test('an IP target gets the key sequence escaped as mod_snom sent it', async () => {
  const out = await service.run(`snom_command ${A} key enter,50,5000;cancel,50,1000`);
  assert.equal(out.reply, `+OK ${A} key enter,50,5000;cancel,50,1000`);
  assert.deepEqual(seen(A), ['/command.htm?key=enter%2C50%2C5000%3Bcancel%2C50%2C1000']);
  assert.equal(out.results[0]!.phone.origin, 'direct');
  assert.deepEqual(out.results[0]!.phone.contacts, []);
});

test('user spec forms: */user@domain, profile/user@domain, bare user; case of key/action kept from mod_snom', async () => {
  assert.equal((await service.run(`snom_command */2000@${DOMAIN} key ENTER`)).reply, `+OK */2000@${DOMAIN} key ENTER`);
  assert.equal((await service.run(`snom_command embedded/2000@${DOMAIN} KEY F1`)).reply, `+OK embedded/2000@${DOMAIN} KEY F1`);
  assert.equal((await service.run('snom_command 2000 key #')).reply, '+OK 2000 key #');
  assert.deepEqual(seen(A), ['/command.htm?key=ENTER', '/command.htm?key=F1', '/command.htm?key=%23']);
});

test('actions: reboot follows the redirect, list deletions go to index.htm', async () => {
  assert.equal((await service.run('snom_command */2000 action reboot')).reply, '+OK */2000 action reboot');
  assert.equal((await service.run('snom_command */2000 action Reset')).reply, '+OK */2000 action Reset');
  assert.equal((await service.run('snom_command */2000 action misseddel')).reply, '+OK */2000 action misseddel');
  assert.deepEqual(seen(A), [
    '/advanced_update.htm?reboot=Reboot', '/index.htm',
    '/advanced_update.htm?reset=Reset', '/index.htm',
    '/index.htm?misseddel=0',
  ]);
});

test('mod_snom error replies: argument count, command, action, unknown users and profiles', async () => {
  const cases: [string, string][] = [
    ['snom_command */2000 key', '-ERR <ip|user> <command> <type> <username> <password>'],
    ['snom_command */2000 key enter admin', '-ERR <ip|user> <command> <type> <username> <password>'],
    ['snom_command */2000 dial 123', '-ERR only key or action commands allowed at the moment'],
    ['snom_command */2000 action shutdown', "-ERR action 'shutdown' not supported (supported actions are reboot, reset, dialeddel, misseddel, receiveddel)"],
    ['snom_command */9999 key enter', "-ERR user '*/9999' not registered"],
    [`snom_command */2000@other.test key enter`, "-ERR user '*/2000@other.test' not registered"],
    [`snom_command internal/2000@${DOMAIN} key enter`, `-ERR user 'internal/2000@${DOMAIN}' not registered`],
    ['snom_command 300.1.1.1 key enter', "-ERR user '300.1.1.1' not registered"],
  ];
  for (const [line, reply] of cases) {
    const out = await service.run(line);
    assert.equal(out.reply, reply, line);
    assert.equal(out.ok, false);
    assert.deepEqual(out.results, []);
  }
  assert.deepEqual(seen(A), []);
  const notFound = await service.run('snom_command */9999 key enter');
  assert.deepEqual(notFound.error, { code: 'not-found', message: "user '*/9999' not registered" });
});

test('a key sequence the phone would refuse is not sent: -ERR invalid key sequence', async () => {
  const out = await service.run('snom_command */2000 key enter;launch');
  assert.equal(out.reply, '-ERR invalid key sequence: key 2: unknown key "launch"');
  assert.equal(out.error?.code, 'invalid-argument');
  assert.deepEqual(seen(A), []);
});

test('HTTP failures: 404 → [HTTP:404], nothing listening → [HTTP:0]', async () => {
  const notFound = await service.run('snom_command */2004 key enter');
  assert.equal(notFound.reply, '-ERR */2004 key enter [HTTP:404]');
  assert.deepEqual([notFound.results[0]!.code, notFound.results[0]!.status], ['http-status', 404]);
  assert.deepEqual(seen(E), ['/command.htm?key=enter']);

  const dead = await service.run('snom_command */2002 key enter');
  assert.equal(dead.reply, '-ERR */2002 key enter [HTTP:0]');
  assert.deepEqual([dead.results[0]!.code, dead.results[0]!.status, dead.results[0]!.phone.url], ['unreachable', 0, `http://${DEAD}:${port}`]);
});

test('username and password: Digest answered, the password echoed as ***, a wrong one gives [HTTP:401]', async () => {
  const good = await service.run(`snom_command */2001 key enter admin ${PASSWORD}`);
  assert.equal(good.reply, '+OK */2001 key enter admin ***');
  assert.deepEqual([good.results[0]!.ok, good.results[0]!.auth], [true, 'digest']);
  assert.deepEqual(seen(B), ['/command.htm?key=enter']);

  const wrong = await service.run(`snom_command */2001 key enter admin '${WRONG}'`);
  assert.equal(wrong.reply, '-ERR */2001 key enter admin *** [HTTP:401]');
  assert.deepEqual([wrong.results[0]!.code, wrong.results[0]!.status, wrong.results[0]!.auth], ['auth-failed', 401, 'unknown']);

  const none = await service.run('snom_command */2001 key enter');
  assert.equal(none.reply, '-ERR */2001 key enter [HTTP:401]');
  assert.equal(none.results[0]!.auth, 'none');

  const direct = await service.execute({
    command: 'snom_command', target: { kind: 'ip', family: 4, address: B, spec: B }, kind: 'action', type: 'dialeddel',
    username: 'admin', password: PASSWORD, line: `${B} action dialeddel admin ${PASSWORD}`, echoLine: `${B} action dialeddel admin ***`,
  });
  assert.equal(direct.reply, `+OK ${B} action dialeddel admin ***`);

  const everything = JSON.stringify([good, wrong, none, direct]) + log.lines.join('\n');
  assert.ok(!everything.includes(PASSWORD), 'the password leaked into a result or a log line');
  assert.ok(!everything.includes(WRONG), 'the wrong password leaked into a result or a log line');
});

test('several registrations of one user: each phone receives the command, one result each', async () => {
  const out = await service.run('snom_command */2003 key enter');
  assert.equal(out.reply, '+OK */2003 key enter');
  assert.deepEqual(seen(C), ['/command.htm?key=enter']);
  assert.deepEqual(seen(D), ['/command.htm?key=enter']);
  assert.deepEqual(out.results.map((r) => [r.phone.host, r.phone.contacts, r.ok]), [
    [C, ['sip:2003@10.99.0.1:5060'], true],
    [D, ['sip:2003@10.99.0.2:5060'], true],
  ]);
});

test('one of several phones failing: -ERR with that phone’s status, every result reported', async () => {
  const out = await service.run('snom_command */2006 key enter');
  assert.equal(out.reply, '-ERR */2006 key enter [HTTP:0]');
  assert.deepEqual(out.results.map((r) => [r.phone.host, r.ok, r.status]), [[C, true, 200], [DEAD, false, 0]]);
  assert.deepEqual(seen(C), ['/command.htm?key=enter']);
});

test('run() refuses lines that are not snom_command', async () => {
  assert.equal((await service.run('snom_bind_key 2 on DND 2000 pbx.test embedded')).reply, '-ERR snom_bind_key is not handled here: only snom_command lines run as commands');
  assert.equal((await service.run('fsctl pause')).reply, '-ERR fsctl Command not found!');
});

test('with the default web port, an IP target is reached on port 80 as mod_snom did', async (t) => {
  const host = '127.0.20.80';
  let phone: TestServer;
  try {
    phone = await startTestServer({ host, port: 80 });
  } catch (e) {
    t.skip(`cannot listen on ${host}:80 (${(e as NodeJS.ErrnoException).code})`);
    return;
  }
  try {
    const plain = new CommandService({ client, locations: new CombinedLocationSource({ registered: [] }) });
    const out = await plain.run(`snom_command ${host} key enter,50,5000;cancel,50,1000`);
    assert.equal(out.reply, `+OK ${host} key enter,50,5000;cancel,50,1000`);
    assert.deepEqual(phone.requests.map((q) => [q.method, q.url]), [['GET', '/command.htm?key=enter%2C50%2C5000%3Bcancel%2C50%2C1000']]);
  } finally {
    await phone.close();
  }
});
