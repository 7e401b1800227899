// The `freeswitch` section and freeswitch profiles: defaults, env/flag overrides, and the errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errors, file, load } from '../../helpers/config-load.js';
import { parseHostPort, serviceOptionsFromConfig } from '../../../src/service/config/index.js';
import type { Route } from '../../../src/service/route.js';

const SECRET = 'Esl-Secret-Pw 42';


const MIXED = [{ name: 'internal', route: 'embedded' }, { name: 'fs', route: 'freeswitch', sofiaProfile: 'internal' }];

test('a mixed embedded + freeswitch configuration: defaults for host and port, sofiaProfile kept', () => {
  const c = load(file({ profiles: MIXED, freeswitch: { password: SECRET } }));
  assert.deepEqual(c.freeswitch, { host: '127.0.0.1', port: 8021, password: SECRET });
  assert.deepEqual(c.profiles, [{ name: 'internal', route: 'embedded' }, { name: 'fs', route: 'freeswitch', sofiaProfile: 'internal' }]);
});

test('every tunable is read; serviceOptionsFromConfig attaches the given routes and mod_snom bodies for freeswitch profiles', () => {
  const c = load(file({
    profiles: [...MIXED, { name: 'fs2', route: 'freeswitch', bodyFormat: 'x-buttons' }],
    freeswitch: { host: 'fs.example.com', port: 8022, password: SECRET, connectTimeoutMs: 2000, commandTimeoutMs: 3000, reconnectMinMs: 100, reconnectMaxMs: 5000 },
  }));
  assert.deepEqual(c.freeswitch, { host: 'fs.example.com', port: 8022, password: SECRET, connectTimeoutMs: 2000, commandTimeoutMs: 3000, reconnectMinMs: 100, reconnectMaxMs: 5000 });
  const route: Route = { kind: 'freeswitch', contacts: () => ({ contacts: [] }), deliver: () => Promise.reject(new Error('unused')) };
  const o = serviceOptionsFromConfig(c, { fs: route, fs2: route });
  assert.deepEqual(o.profiles, [
    { name: 'internal', route: 'embedded' },
    { name: 'fs', route: 'freeswitch', bodyFormat: 'mod_snom', implementation: route },
    { name: 'fs2', route: 'freeswitch', bodyFormat: 'x-buttons', implementation: route },
  ]);
});

test('environment and flag: address from SNOMCTL_FREESWITCH / --freeswitch, password from SNOMCTL_FREESWITCH_PASSWORD', () => {
  const c = load({
    ...file({ profiles: MIXED, freeswitch: { host: '192.0.2.1', password: 'from-file' } }),
    env: { SNOMCTL_FREESWITCH: '192.0.2.7:8030', SNOMCTL_FREESWITCH_PASSWORD: SECRET },
  });
  assert.deepEqual(c.freeswitch, { host: '192.0.2.7', port: 8030, password: SECRET });
  const f = load({
    ...file({ profiles: MIXED }),
    env: { SNOMCTL_FREESWITCH: '192.0.2.7:8030', SNOMCTL_FREESWITCH_PASSWORD: SECRET },
    flags: { freeswitch: '[::1]:8021' },
  });
  assert.deepEqual(f.freeswitch, { host: '::1', port: 8021, password: SECRET });
  assert.deepEqual(errors({ ...file({ profiles: MIXED }), env: { SNOMCTL_FREESWITCH: 'fs.example.com' } }), [
    'SNOMCTL_FREESWITCH: must be HOST:PORT with a host name or IP address (IPv6 in brackets) and a port 1..65535',
  ]);
  assert.deepEqual(errors({ ...file({ profiles: MIXED }), flags: { freeswitch: 'fs.example.com:0' } }), [
    '--freeswitch: must be HOST:PORT with a host name or IP address (IPv6 in brackets) and a port 1..65535',
  ]);
});

test('each bad freeswitch value names its key and what is allowed, never the password', () => {
  const cases: [unknown, string][] = [
    [{ profiles: MIXED }, "freeswitch.password: is required when a profile's route is 'freeswitch' (event_socket.conf.xml's password; or SNOMCTL_FREESWITCH_PASSWORD)"],
    [{ profiles: MIXED, freeswitch: { host: '127.0.0.1' } }, "freeswitch.password: is required when a profile's route is 'freeswitch' (event_socket.conf.xml's password; or SNOMCTL_FREESWITCH_PASSWORD)"],
    [{ profiles: MIXED, freeswitch: { password: `${SECRET}\n` } }, 'freeswitch.password: must be a non-empty string of at most 1024 characters without control characters'],
    [{ profiles: MIXED, freeswitch: { password: SECRET, host: 'bad host' } }, 'freeswitch.host: must be a host name or IP address'],
    [{ profiles: MIXED, freeswitch: { password: SECRET, port: 70000 } }, 'freeswitch.port: must be a whole number from 1 to 65535'],
    [{ profiles: MIXED, freeswitch: { password: SECRET, connectTimeoutMs: 0 } }, 'freeswitch.connectTimeoutMs: must be a whole number from 1 to 600000'],
    [{ profiles: MIXED, freeswitch: { password: SECRET, commandTimeoutMs: 1.5 } }, 'freeswitch.commandTimeoutMs: must be a whole number from 1 to 3600000'],
    [{ profiles: MIXED, freeswitch: { password: SECRET, reconnectMinMs: 2000, reconnectMaxMs: 1000 } }, 'freeswitch.reconnectMaxMs: must not be below reconnectMinMs (2000); the default is 30000'],
    [{ profiles: MIXED, freeswitch: { password: SECRET, reconnectMinMs: 60000 } }, 'freeswitch.reconnectMaxMs: must not be below reconnectMinMs (60000); the default is 30000'],
    [{ profiles: MIXED, freeswitch: { password: SECRET, pass: 'x' } }, 'freeswitch.pass: unknown key; allowed keys here: host, port, password, connectTimeoutMs, commandTimeoutMs, reconnectMinMs, reconnectMaxMs'],
    [{ profiles: [{ name: 'fs', route: 'freeswitch', sofiaProfile: 'bad/name' }], freeswitch: { password: SECRET } },
      "profiles[0].sofiaProfile: must be a sofia profile name: 1..64 letters, digits, '_', '.', '-' (starting with a letter or digit)"],
    [{ profiles: [{ name: 'e', route: 'embedded', sofiaProfile: 'internal' }] }, "profiles[0].sofiaProfile: is only allowed when route is 'freeswitch'"],
    [{ profiles: [{ name: 'fs', route: 'freeswitch', proxy: { host: 'x.example' } }], freeswitch: { password: SECRET } }, "profiles[0].proxy: is only allowed when route is 'proxy'"],
  ];
  for (const [json, message] of cases) {
    const got = errors(file(json));
    assert.deepEqual(got, [message], JSON.stringify(json));
    assert.ok(got.every((m) => !m.includes(SECRET)), 'the password is never quoted');
  }
});

test('a freeswitch section without a freeswitch profile is accepted (ready for one)', () => {
  const c = load(file({ freeswitch: { password: SECRET } }));
  assert.deepEqual(c.freeswitch, { host: '127.0.0.1', port: 8021, password: SECRET });
  assert.deepEqual(c.profiles, [{ name: 'internal', route: 'embedded' }]);
});

test('parseHostPort: host names, IPv4, bracketed IPv6; never throws', () => {
  assert.deepEqual(parseHostPort('fs.example.com:8021'), { ok: true, value: { host: 'fs.example.com', port: 8021 } });
  assert.deepEqual(parseHostPort('[fd00::1]:1'), { ok: true, value: { host: 'fd00::1', port: 1 } });
  for (const bad of ['fs.example.com', 'fd00::1:8021', '[fs.example.com]:80', 'a b:80', 'x:65536', ':80', 'x:80\r\n', 42, undefined]) {
    assert.equal(parseHostPort(bad).ok, false, String(bad));
  }
});
