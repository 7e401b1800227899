// `snomctl phone` options (src/sim/phone-command-options.ts, phone-command.ts) and the fleet's address
// and user numbering (src/sim/phone-fleet.ts), without sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import {
  parseActionUrlArg, parseAddressBaseArg, parseButtonsArg, parseListenArg, parseRegistrarArg, planPhones, type PhoneCommandOpts,
} from '../../../src/sim/phone-command-options.js';
import { phoneCommand } from '../../../src/sim/phone-command.js';
import { PhoneFleet, fleetAddresses, fleetUser } from '../../../src/sim/phone-fleet.js';
import { InvalidOptionError } from '../../../src/util/errors.js';

const BASE: PhoneCommandOpts = { transport: 'udp', http: true, httpAuth: 'none', registrarFilter: true, incoming: 'busy' };

function rejects(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof InvalidArgumentError && message.test(e.message));
}

test('argument parsers accept what is documented and say what is allowed otherwise', () => {
  assert.deepEqual(parseListenArg('127.0.0.5:5060'), { host: '127.0.0.5', port: 5060 });
  assert.deepEqual(parseListenArg(':0'), { port: 0 });
  assert.deepEqual(parseListenArg('8080'), { port: 8080 });
  assert.deepEqual(parseListenArg('[::1]:5060'), { host: '::1', port: 5060 });
  rejects(() => parseListenArg('localhost:5060'), /^Give HOST:PORT with HOST an IP address, not a name\.$/);
  rejects(() => parseListenArg('99999'), /^The port must be a whole number from 0 to 65535\.$/);
  assert.deepEqual(parseRegistrarArg('pbx.example.com'), { host: 'pbx.example.com', port: 5060 });
  rejects(() => parseRegistrarArg('pbx:0'), /the port must be a number from 1 to 65535/);
  assert.equal(parseButtonsArg('1,3,5-7'), '1,3,5-7');
  rejects(() => parseButtonsArg('1-13'), /key numbers must be whole numbers from 1 to 12; e\.g\. 1-12 or 1,3,5-7\.$/);
  assert.deepEqual(parseActionUrlArg('registration=http://h/x?u=$active_user', parseActionUrlArg('dnd_on=https://h/d')), [
    ['dnd_on', 'https://h/d'], ['registration', 'http://h/x?u=$active_user'],
  ]);
  rejects(() => parseActionUrlArg('boot=http://h/'), /^Give EVENT=URL with EVENT one of setup, registration, /);
  rejects(() => parseActionUrlArg('setup=ftp://h/'), /^The URL must be http:\/\/ or https:\/\/ without spaces\.$/);
  assert.equal(parseAddressBaseArg('127.0.1.1'), '127.0.1.1');
  rejects(() => parseAddressBaseArg('10.0.0.1'), /loopback/);
});

test('one phone: options become VirtualPhone options', () => {
  const plan = planPhones({
    ...BASE, registrar: { host: '127.0.0.70', port: 5060 }, domain: 'example.com', user: '2000', password: 'pw', expires: 120,
    sipListen: { host: '127.0.0.5', port: 5062 }, httpAuth: 'digest', httpUser: 'admin', httpPassword: 'h', buttons: '1-6',
    registrarFilter: false, actionUrl: [['setup', 'http://h/s']], incoming: 'answer', ringMs: 10,
  });
  assert.deepEqual(plan, {
    ok: true,
    value: {
      kind: 'single',
      options: {
        buttons: '1-6', httpAuth: { scheme: 'digest', user: 'admin', password: 'h' }, registrarFilter: false,
        actionUrls: { setup: 'http://h/s' }, incomingCalls: { policy: 'answer', ringMs: 10 },
        sip: { tcp: false, host: '127.0.0.5', port: 5062 },
        identities: [{ registrar: { host: '127.0.0.70', port: 5060, transport: 'udp' }, user: '2000', password: 'pw', domain: 'example.com', expires: 120 }],
        http: { host: '127.0.0.5', port: 0 },
      },
    },
  });
  const bare = planPhones(BASE);
  assert.deepEqual(bare.ok && bare.value.kind === 'single' ? [bare.value.options.sip, bare.value.options.identities] : [], [
    { tcp: false, host: '127.0.0.1', port: 0 }, undefined,
  ]);
});

test('a fleet: consecutive users, ports only, shared web on request', () => {
  const plan = planPhones({
    ...BASE, count: 1000, registrar: { host: '127.0.0.70', port: 5060 }, userBase: '0100', password: 'pw-{user}',
    sipListen: { port: 5060 }, httpListen: { port: 80 }, httpShared: true, addressBase: '127.0.9.1', transport: 'tcp',
  });
  assert.ok(plan.ok && plan.value.kind === 'fleet');
  const o = plan.value.options;
  assert.deepEqual(
    [o.count, o.userBase, o.password, o.sipPort, o.httpPort, o.http, o.addressBase, o.registrar, o.phone?.sip],
    [1000, '0100', 'pw-{user}', 5060, 80, 'shared', '127.0.9.1', { host: '127.0.0.70', port: 5060, transport: 'tcp' }, { tcp: true }],
  );
});

test('options that do not go together are named in the error; passwords never appear', () => {
  const cases: [Partial<PhoneCommandOpts>, string][] = [
    [{ registrar: { host: 'r', port: 1 } }, 'option --registrar needs --user (the SIP account to register)'],
    [{ user: '2000' }, 'options --user, --password and --domain need --registrar'],
    [{ httpAuth: 'basic', httpUser: 'a' }, 'option --http-auth basic needs --http-user and --http-password'],
    [{ httpUser: 'a' }, 'options --http-user/--http-password need --http-auth basic or digest'],
    [{ userBase: '1' }, 'options --user-base, --address-base and --http-shared need --count 2 or more'],
    [{ count: 5 }, 'option --count needs --registrar (fleet phones register as consecutive users)'],
    [{ count: 5, registrar: { host: 'r', port: 1 }, httpListen: { host: '127.0.0.1', port: 80 } }, 'option --http-listen: with --count give only :PORT (addresses come from --address-base)'],
    [{ count: 5, registrar: { host: 'r', port: 1 }, user: 'alice' }, 'option --user: with --count the first user must be 1-15 digits (or use --user-base)'],
    [{ http: false, https: true }, 'option --no-http cannot be combined with --http-listen, --http-shared, --https or --http-auth'],
    [{ password: 'Sekr1t\n' }, 'option --password: must not be empty or hold control characters'],
    [{ httpAuth: 'basic', httpUser: 'a', httpPassword: '' }, 'option --http-password: must not be empty or hold control characters'],
  ];
  for (const [opts, message] of cases) {
    const plan = planPhones({ ...BASE, ...opts });
    assert.deepEqual(plan, { ok: false, error: message });
    assert.equal(message.includes('Sekr1t'), false);
  }
});

test('phoneCommand: named phone, documented options and examples', () => {
  const cmd = phoneCommand();
  assert.equal(cmd.name(), 'phone');
  const flags = cmd.options.map((o) => o.long);
  for (const f of ['--registrar', '--domain', '--user', '--password', '--sip-listen', '--http-listen', '--http-auth', '--http-user',
    '--http-password', '--https', '--buttons', '--no-registrar-filter', '--action-url', '--expires', '--count', '--user-base', '--address-base']) {
    assert.ok(flags.includes(f), f);
  }
  let help = '';
  cmd.configureOutput({ writeOut: (s) => (help += s) });
  cmd.outputHelp();
  assert.match(help, /Examples:\n {2}# one phone registering as 2000 at a Kamailio/);
  assert.match(help, /--count 1000 --registrar 127\.0\.0\.70:5060/);
});

test('fleetAddresses skips .0 and .255 and stays in 127.0.0.0/8; fleetUser keeps the width', () => {
  assert.deepEqual(fleetAddresses('127.0.1.253', 4), ['127.0.1.253', '127.0.1.254', '127.0.2.1', '127.0.2.2']);
  assert.deepEqual(fleetAddresses('127.0.0.0', 1), ['127.0.0.1']);
  assert.equal(fleetAddresses('127.0.1.1', 10_000).at(-1), '127.0.40.94');
  assert.throws(() => fleetAddresses('127.255.255.250', 10), (e: unknown) => e instanceof InvalidOptionError && /leave 127\.0\.0\.0\/8/.test(e.message));
  assert.throws(() => fleetAddresses('10.0.0.1', 1), InvalidOptionError);
  assert.deepEqual([fleetUser('0100', 0), fleetUser('0100', 5), fleetUser('99', 1)], ['0100', '0105', '100']);
});

test('PhoneFleet: one identity per phone, password pattern, unique MACs; bad options throw', async () => {
  const fleet = new PhoneFleet({ count: 3, addressBase: '127.0.9.1', registrar: '127.0.0.70', userBase: '500', password: 'pw-{user}', http: 'none' });
  assert.deepEqual(fleet.phones.map((p) => [p.sip.identities[0]!.user, p.state.setting('mac')]), [
    ['500', '000413000001'], ['501', '000413000002'], ['502', '000413000003'],
  ]);
  assert.deepEqual(fleet.phones.map((p) => p.sip.identities[0]!.credentials?.username), ['500', '501', '502']);
  assert.equal(fleet.phones[0]!.web, undefined);
  await fleet.close();
  assert.throws(() => new PhoneFleet({ count: 0, registrar: 'r' }), (e: unknown) => e instanceof InvalidOptionError && e.option === 'count');
  assert.throws(() => new PhoneFleet({ count: 1, registrar: 'r', userBase: 'abc' }), (e: unknown) => e instanceof InvalidOptionError && e.option === 'userBase');
  assert.throws(() => new PhoneFleet({ count: 1, registrar: 'r', http: 'many' as never }), (e: unknown) => e instanceof InvalidOptionError && e.option === 'http');
});
