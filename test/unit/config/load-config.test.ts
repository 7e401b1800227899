import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DOMAINS, errors, file, load } from '../../helpers/config-load.js';
import { serviceOptionsFromConfig, storePath } from '../../../src/service/config/index.js';



test('defaults with no file, env or flags', () => {
  const c = load({});
  assert.equal(c.dataDir, './.snomctl');
  assert.equal(storePath(c), '.snomctl/snomctl.db');
  assert.equal(c.logLevel, 'info');
  assert.deepEqual(c.domains, DOMAINS);
  assert.deepEqual(c.sip, { listen: { host: '0.0.0.0', port: 5060 }, transports: ['udp', 'tcp'] });
  assert.deepEqual(c.api, { listen: { host: '127.0.0.1', port: 8088 }, tokens: [], trustedNetworks: [], heartbeatS: 15, eventBufferSize: 1000 });
  assert.deepEqual(c.profiles, [{ name: 'internal', route: 'embedded' }]);
  assert.deepEqual(c.users, []);
  assert.deepEqual(c.phones, []);
  const o = serviceOptionsFromConfig(c);
  assert.deepEqual(o.sip?.listen, { host: '0.0.0.0', port: 5060 });
});

test('a full file is read field by field', () => {
  const c = load(file({
    dataDir: '/var/lib/snomctl', logLevel: 'debug', domains: ['pbx.example.com', '192.0.2.1'], realm: 'pbx',
    sip: { listen: '192.0.2.1:5070', transports: ['udp'] },
    users: ['2000:secret', { user: '2001', password: 'pw', domain: 'pbx.example.com' }],
    profiles: [{ name: 'internal', route: 'embedded', bodyFormat: 'mod_snom' }, { name: 'kam', route: 'proxy', proxy: { host: '192.0.2.9', port: 5060, transport: 'tcp' } }],
    phones: [{ user: '2000', domain: 'pbx.example.com', webAddress: '192.0.2.50:8080', username: 'admin', password: 'adm' }],
    api: { listen: '[::1]:9000', tokens: ['0123456789abcdef0123'], trustedNetworks: ['192.0.2.0/24'] },
    delivery: { attemptTimeoutMs: 2000, retryDelaysMs: [500, 1000] },
    registrar: { maxExpires: 7200 },
    commands: { concurrency: 4, web: { scheme: 'https', insecureTls: true } },
  }));
  assert.equal(c.dataDir, '/var/lib/snomctl');
  assert.deepEqual(c.sip.listen, { host: '192.0.2.1', port: 5070 });
  assert.deepEqual(c.users, [{ user: '2000', password: 'secret' }, { user: '2001', password: 'pw', domain: 'pbx.example.com' }]);
  assert.deepEqual(c.profiles[1], { name: 'kam', route: 'proxy', proxy: { host: '192.0.2.9', port: 5060, transport: 'tcp' } });
  assert.deepEqual(c.phones[0], { user: '2000', domain: 'pbx.example.com', webAddress: '192.0.2.50:8080', scheme: 'http', insecureTls: false, username: 'admin', password: 'adm' });
  assert.deepEqual(c.api.listen, { host: '::1', port: 9000 });
  assert.deepEqual(c.delivery, { attemptTimeoutMs: 2000, retryDelaysMs: [500, 1000] });
  assert.deepEqual(c.registrar, { maxExpires: 7200 });
  assert.deepEqual(c.commands, { concurrency: 4, web: { scheme: 'https', insecureTls: true } });
});

test('each kind of bad value names its key and what is allowed', () => {
  const cases: [unknown, string][] = [
    [{ logLevel: 'loud' }, "logLevel: must be one of 'fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'"],
    [{ sip: { listen: '0.0.0.0' } }, 'sip.listen: must be HOST:PORT with an IP address (IPv6 in brackets) and a port 0..65535'],
    [{ sip: { listen: '1.2.3.4:70000' } }, 'sip.listen: must be HOST:PORT with an IP address (IPv6 in brackets) and a port 0..65535'],
    [{ sip: { transports: ['udp', 'sctp'] } }, "sip.transports[1]: must be one of 'udp', 'tcp'"],
    [{ domains: [] }, 'domains: must name at least one domain'],
    [{ domains: ['ok.example', 'bad domain'] }, 'domains[1]: must be a host name or IP address'],
    [{ users: ['nopassword'] }, "users[0]: must be 'USER:PASSWORD' (a user without ':', '@' or blanks, a non-empty password without control characters)"],
    [{ users: [{ user: '2000' }] }, 'users[0].password: must be a non-empty string of at most 1024 characters without control characters'],
    [{ profiles: [{ name: 'a', route: 'carrier-pigeon' }] }, "profiles[0].route: must be one of 'embedded', 'proxy', 'freeswitch'"],
    [{ profiles: [{ name: 'a', route: 'proxy' }] }, "profiles[0].proxy: is required when route is 'proxy'"],
    [{ profiles: [{ name: 'a', route: 'embedded' }, { name: 'a', route: 'embedded' }] }, "profiles[1].name: repeats the profile 'a'"],
    [{ profiles: [{ name: 'a', route: 'proxy', proxy: { host: 'x.example', port: 0 } }] }, 'profiles[0].proxy.port: must be a whole number from 1 to 65535'],
    [{ profiles: [{ name: 'a', route: 'freeswitch' }] }, "freeswitch.password: is required when a profile's route is 'freeswitch' (event_socket.conf.xml's password; or SNOMCTL_FREESWITCH_PASSWORD)"],
    [{ phones: [{ user: '2000', domain: 'd.example', webAddress: 'http://x/' }] }, 'phones[0].webAddress: must be HOST or HOST:PORT (IPv6 in brackets)'],
    [{ phones: [{ user: '2000', domain: 'd.example', webAddress: 'x', scheme: 'ftp' }] }, "phones[0].scheme: must be one of 'http', 'https'"],
    [{ phones: [{ user: '2000', domain: 'd.example', webAddress: '192.0.2.5:0' }] }, 'phones[0].webAddress: must be HOST or HOST:PORT (IPv6 in brackets)'],
    [{ phones: [{ user: '2000', domain: 'd.example', webAddress: '[not:ip:x]:80' }] }, 'phones[0].webAddress: must be HOST or HOST:PORT (IPv6 in brackets)'],
    [{ api: { tokens: ['short'] } }, 'api.tokens[0]: must be 16..256 visible ASCII characters (no blanks)'],
    [{ api: { eventBufferSize: 2_000_000 } }, 'api.eventBufferSize: must be a whole number from 0 to 1000000'],
    [{ api: { trustedNetworks: ['10.1.2.3/8'] } }, 'api.trustedNetworks[0]: must be an IP address or a CIDR network (10.0.0.0/8, fd00::/8)'],
    [{ delivery: { attemptTimeoutMs: -1 } }, 'delivery.attemptTimeoutMs: must be a whole number from 1 to 600000'],
    [{ delivery: { retryDelaysMs: [1, 'x'] } }, 'delivery.retryDelaysMs[1]: must be a whole number from 0 to 3600000'],
    [{ commands: { web: { insecureTls: 'yes' } } }, 'commands.web.insecureTls: must be true or false'],
    [{ api: { listen: '0.0.0.0:8088' } }, 'api.tokens: the API listens on 0.0.0.0, beyond loopback: give at least one token (--token, SNOMCTL_TOKENS or api.tokens), or listen on 127.0.0.1'],
  ];
  for (const [json, message] of cases) assert.deepEqual(errors(file(json)), [message], JSON.stringify(json));
});

test('registrar tunables are checked together (the registrar\'s own rules)', () => {
  assert.deepEqual(errors(file({ registrar: { minExpires: 600, maxExpires: 300 } })), ['registrar.maxExpires: must be a whole number in 600..4294967295']);
  assert.deepEqual(errors(file({ registrar: { minExpires: 7200 } })), ['registrar.minExpires: must be a whole number from 1 to 3600']);
});

test('unknown keys are errors at every level, and every problem is reported', () => {
  assert.deepEqual(errors(file({ sipListen: '1.2.3.4:5060', api: { token: ['x'] }, logLevel: 3 })), [
    'sipListen: unknown key; allowed keys here: $schema, dataDir, logLevel, domains, realm, sip, users, profiles, phones, api, delivery, registrar, commands, freeswitch',
    "logLevel: must be one of 'fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'",
    'api.token: unknown key; allowed keys here: listen, tokens, trustedNetworks, heartbeatS, eventBufferSize',
  ]);
  assert.deepEqual(errors(file({ profiles: [{ name: 'x', route: 'embedded', colour: 'red' }] })), [
    'profiles[0].colour: unknown key; allowed keys here: name, route, bodyFormat, proxy, sofiaProfile',
  ]);
});

test('unreadable and malformed files are reported', () => {
  assert.deepEqual(errors({ file: '/nope.json', readFile: () => {
    throw Object.assign(new Error('x'), { code: 'ENOENT' });
  } }), ['(file): cannot read /nope.json: ENOENT']);
  const bad = errors({ file: '/bad.json', readFile: () => '{"dataDir": ' });
  assert.equal(bad.length, 1);
  assert.match(bad[0]!, /^\(file\): \/bad\.json is not valid JSON: /);
  assert.deepEqual(errors({ file: '/arr.json', readFile: () => '[]' }), ['(top level): must be a JSON object']);
});

test('environment overrides the file; flags override the environment', () => {
  const f = file({ dataDir: '/from/file', sip: { listen: '127.0.0.1:5060' }, users: ['1:file'], logLevel: 'warn' });
  const env = {
    SNOMCTL_DATA_DIR: '/from/env', SNOMCTL_SIP_LISTEN: '127.0.0.2:5070', SNOMCTL_USERS: '2:env, 3:env2', SNOMCTL_LOG_LEVEL: 'error',
    SNOMCTL_DOMAIN: 'a.example,b.example', SNOMCTL_TOKENS: 'tokentokentoken-1', SNOMCTL_API_LISTEN: '127.0.0.1:9999',
  };
  const fromEnv = load({ ...f, env });
  assert.equal(fromEnv.dataDir, '/from/env');
  assert.deepEqual(fromEnv.sip.listen, { host: '127.0.0.2', port: 5070 });
  assert.deepEqual(fromEnv.users, [{ user: '2', password: 'env' }, { user: '3', password: 'env2' }]);
  assert.equal(fromEnv.logLevel, 'error');
  assert.deepEqual(fromEnv.domains, ['a.example', 'b.example']);
  assert.deepEqual(fromEnv.api.tokens, ['tokentokentoken-1']);
  assert.deepEqual(fromEnv.api.listen, { host: '127.0.0.1', port: 9999 });
  const fromFlags = load({
    ...f, env, flags: { dataDir: '/from/flag', sipListen: '127.0.0.3:0', user: ['4:flag'], logLevel: 'debug', domain: ['c.example'], token: ['flagflagflagflag-2'] },
  });
  assert.equal(fromFlags.dataDir, '/from/flag');
  assert.deepEqual(fromFlags.sip.listen, { host: '127.0.0.3', port: 0 });
  assert.deepEqual(fromFlags.users, [{ user: '4', password: 'flag' }]);
  assert.equal(fromFlags.logLevel, 'debug');
  assert.deepEqual(fromFlags.domains, ['c.example']);
  assert.deepEqual(fromFlags.api.tokens, ['flagflagflagflag-2']);
  assert.deepEqual(fromFlags.api.listen, { host: '127.0.0.1', port: 9999 });
});

test('the config file can come from SNOMCTL_CONFIG or --config', () => {
  const read = (path: string) => JSON.stringify({ dataDir: `dir-of-${path}` });
  assert.equal(load({ env: { SNOMCTL_CONFIG: 'env.json' }, readFile: read }).dataDir, 'dir-of-env.json');
  assert.equal(load({ env: { SNOMCTL_CONFIG: 'env.json' }, flags: { config: 'flag.json' }, readFile: read }).dataDir, 'dir-of-flag.json');
});

test('bad env and flag values name the variable or flag, never the secret', () => {
  assert.deepEqual(errors({ env: { SNOMCTL_SIP_LISTEN: 'localhost:5060' } }), ['SNOMCTL_SIP_LISTEN: must be HOST:PORT with an IP address (IPv6 in brackets) and a port 0..65535']);
  assert.deepEqual(errors({ flags: { apiListen: '127.0.0.1' } }), ['--api-listen: must be HOST:PORT with an IP address (IPv6 in brackets) and a port 0..65535']);
  const users = errors({ flags: { user: ['2000:ok', 'nocolon-supersecret'] } });
  assert.deepEqual(users, ["--user[1]: must be 'USER:PASSWORD' (a user without ':', '@' or blanks, a non-empty password without control characters)"]);
  assert.ok(!users[0]!.includes('supersecret'));
  assert.deepEqual(errors({ env: { SNOMCTL_TOKENS: 'abc' } }), ['SNOMCTL_TOKENS[0]: must be 16..256 visible ASCII characters (no blanks)']);
  assert.deepEqual(errors({ flags: { logLevel: 'verbose' } }), ['--log-level: must be one of fatal, error, warn, info, debug, trace, silent']);
});

test('the API may listen beyond loopback only with a token', () => {
  assert.deepEqual(errors({ flags: { apiListen: '0.0.0.0:8088' } }).length, 1);
  const c = load({ flags: { apiListen: '0.0.0.0:8088', token: ['0123456789abcdef'] } });
  assert.deepEqual(c.api.listen, { host: '0.0.0.0', port: 8088 });
  assert.deepEqual(load({ flags: { apiListen: '127.0.0.9:0' } }).api.listen, { host: '127.0.0.9', port: 0 });
  assert.deepEqual(load({ flags: { apiListen: '[::1]:0' } }).api.listen, { host: '::1', port: 0 });
});

test('the example in docs/configuration.md is a valid configuration', () => {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'configuration.md'), 'utf8');
  const json = /```json\n([\s\S]*?)\n```/.exec(doc)![1]!;
  const c = load({ file: 'example.json', readFile: () => json });
  assert.deepEqual(c.domains, ['pbx.example.com', '192.0.2.10']);
  assert.deepEqual(c.profiles.map((p) => p.route), ['embedded', 'proxy', 'freeswitch']);
  assert.deepEqual(c.freeswitch, { host: '127.0.0.1', port: 8021, password: 'event-socket-pw', connectTimeoutMs: 5000, commandTimeoutMs: 5000, reconnectMinMs: 500, reconnectMaxMs: 30000 });
  assert.deepEqual(c.api.tokens, ['a-long-random-token-1234']);
});

test('phone web addresses: names, IPv4 and bracketed IPv6, with or without a port', () => {
  for (const webAddress of ['phone-1.example', '192.0.2.5', '192.0.2.5:8080', '[fd00::5]', '[fd00::5]:8443']) {
    assert.equal(load(file({ phones: [{ user: '2000', domain: 'd.example', webAddress }] })).phones[0]!.webAddress, webAddress);
  }
});
