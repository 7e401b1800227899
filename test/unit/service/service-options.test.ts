import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveServiceOptions, SERVICE_DEFAULTS, type ServiceOptions } from '../../../src/service/service-options.js';
import { InvalidOptionError } from '../../../src/util/errors.js';
import type { Route } from '../../../src/service/route.js';

const base: ServiceOptions = { domains: ['pbx.test'] };

function refused(o: unknown, option: string): void {
  assert.throws(() => resolveServiceOptions(o as ServiceOptions), (e: unknown) => e instanceof InvalidOptionError && e.option === option,
    `expected InvalidOptionError(${option})`);
}

test('defaults: in-memory store, 0.0.0.0:5060 UDP+TCP, one embedded profile internal, 1/2/4 s retries, 1300-byte documents', () => {
  const o = resolveServiceOptions(base);
  assert.deepEqual([o.store, o.listenHost, o.listenPort, o.transports], [':memory:', '0.0.0.0', 5060, ['udp', 'tcp']]);
  assert.deepEqual(o.profiles, [{ name: 'internal', route: 'embedded' }]);
  assert.deepEqual([o.attemptTimeoutMs, o.retryDelaysMs, o.maxDocumentBytes, o.maxInFlight], [4000, [1000, 2000, 4000], 1300, 256]);
  assert.deepEqual([o.reconcileOnStart, o.closeGraceMs, o.destination, o.ownKeysOnly], [true, 2000, 'auto', true]);
  assert.deepEqual([...o.buttonPressAllow], ['snom_bind_key', 'snom_command']);
  assert.deepEqual([o.maxAuthFailures, o.authFailureWindowMs], [20, 60_000]);
  assert.equal(SERVICE_DEFAULTS.userAgent, 'snomctl');
  assert.deepEqual(resolveServiceOptions({ domains: 'one.test' }).domains, ['one.test']);
});

test('bad options are refused naming the option', () => {
  refused(null, 'options');
  refused({}, 'domains');
  refused({ domains: [] }, 'domains');
  refused({ domains: ['a\r\nb'] }, 'domains[0]');
  refused({ ...base, store: '' }, 'store');
  refused({ ...base, store: 42 }, 'store');
  refused({ ...base, realm: '' }, 'realm');
  refused({ ...base, users: [{ user: '200' }] }, 'users[0]');
  refused({ ...base, users: [{ user: '', password: 'x' }] }, 'users[0].user');
  refused({ ...base, sip: { listen: { host: 'localhost' } } }, 'sip.listen.host');
  refused({ ...base, sip: { listen: { port: 70000 } } }, 'sip.listen.port');
  refused({ ...base, sip: { transports: ['tls'] } }, 'sip.transports');
  refused({ ...base, sip: { transports: [] } }, 'sip.transports');
  refused({ ...base, sip: { userAgent: 'a\nb' } }, 'sip.userAgent');
  refused({ ...base, profiles: [] }, 'profiles');
  refused({ ...base, profiles: [{ name: 'bad name', route: 'embedded' }] }, 'profiles[0].name');
  refused({ ...base, profiles: [{ name: 'a', route: 'embedded' }, { name: 'a', route: 'embedded' }] }, 'profiles[1].name');
  refused({ ...base, profiles: [{ name: 'a', route: 'sms' }] }, 'profiles[0].route');
  refused({ ...base, profiles: [{ name: 'a', route: 'embedded', bodyFormat: 'lf' }] }, 'profiles[0].bodyFormat');
  refused({ ...base, profiles: [{ name: 'a', route: 'proxy' }] }, 'profiles[0].proxy');
  refused({ ...base, profiles: [{ name: 'a', route: 'proxy', proxy: { host: 'a b' } }] }, 'profiles[0].proxy.host');
  refused({ ...base, profiles: [{ name: 'a', route: 'proxy', proxy: { host: 'p.test', port: 0 } }] }, 'profiles[0].proxy.port');
  refused({ ...base, profiles: [{ name: 'a', route: 'proxy', proxy: { host: 'p.test', transport: 'tls' } }] }, 'profiles[0].proxy.transport');
  refused({ ...base, profiles: [{ name: 'a', route: 'proxy', proxy: { host: 'p.test', username: 'u' } }] }, 'profiles[0].proxy.username');
  refused({ ...base, profiles: [{ name: 'fs', route: 'freeswitch' }] }, 'profiles[0].implementation');
  refused({ ...base, profiles: [{ name: 'fs', route: 'freeswitch', implementation: {} }] }, 'profiles[0].implementation');
  refused({ ...base, delivery: { attemptTimeoutMs: 0 } }, 'delivery.attemptTimeoutMs');
  refused({ ...base, delivery: { retryDelaysMs: [1, -1] } }, 'delivery.retryDelaysMs[1]');
  refused({ ...base, delivery: { retryDelaysMs: 'x' } }, 'delivery.retryDelaysMs');
  refused({ ...base, delivery: { maxDocumentBytes: 10 } }, 'delivery.maxDocumentBytes');
  refused({ ...base, delivery: { maxInFlight: 0 } }, 'delivery.maxInFlight');
  refused({ ...base, delivery: { closeGraceMs: 1.5 } }, 'delivery.closeGraceMs');
  refused({ ...base, delivery: { reconcileOnStart: 'yes' } }, 'delivery.reconcileOnStart');
  refused({ ...base, delivery: { destination: 'source' } }, 'delivery.destination');
  refused({ ...base, buttonPress: { allow: ['uuid_transfer'] } }, 'buttonPress.allow');
  refused({ ...base, buttonPress: { ownKeysOnly: 1 } }, 'buttonPress.ownKeysOnly');
  refused({ ...base, authLimit: { maxFailures: -1 } }, 'authLimit.maxFailures');
  refused({ ...base, commands: 'x' }, 'commands');
  refused({ ...base, logger: { warn: () => {} } }, 'logger');
  refused({ ...base, now: 5 }, 'now');
});

test('a freeswitch profile takes its Route implementation; proxy settings are kept', () => {
  const route: Route = { kind: 'freeswitch', contacts: () => ({ contacts: [] }), deliver: () => Promise.reject(new Error('unused')) };
  const o = resolveServiceOptions({
    ...base,
    profiles: [
      { name: 'fs', route: 'freeswitch', implementation: route },
      { name: 'kam', route: 'proxy', proxy: { host: '[2001:db8::1]', port: 5070, transport: 'tcp', username: 'u', password: 'p' } },
    ],
  });
  assert.equal(o.profiles[0]!.implementation, route);
  assert.deepEqual(o.profiles[1]!.proxy, { host: '[2001:db8::1]', port: 5070, transport: 'tcp', username: 'u', password: 'p' });
});
