import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveVirtualPhoneOptions } from '../../../src/sim/virtual-phone-options.js';
import { InvalidOptionError } from '../../../src/util/errors.js';

test('identities, the registrar filter and Action URLs become the Snom settings; defaults filled in', () => {
  const o = resolveVirtualPhoneOptions({
    identities: [{ registrar: '127.0.0.70', user: '2000', displayName: 'Desk' }, { registrar: { host: '127.0.0.71', transport: 'tcp' }, user: '3000', domain: 'b.example' }],
    actionUrls: { registration: 'http://h/reg?u=$active_user', dnd_on: 'http://h/dnd' },
    settings: { user_host1: 'override.example' },
  });
  assert.deepEqual(o.stateOptions.settings, {
    user_name1: '2000', user_host1: 'override.example', user_realname1: 'Desk', user_name2: '3000', user_host2: 'b.example',
    filter_registrar: 'on', action_log_on_url: 'http://h/reg?u=$active_user', action_dnd_on_url: 'http://h/dnd',
  });
  assert.deepEqual(
    [o.sipHost, o.sipPort, o.tcp, o.http, o.bootDelayMs, o.waitForRegistration, o.policy, o.ringMs, o.inviteTimeoutMs, o.unregisterTimeoutMs],
    ['127.0.0.1', 0, true, { host: '127.0.0.1', port: 0 }, 200, true, 'busy', 1000, 60_000, 2000],
  );
  assert.equal(resolveVirtualPhoneOptions({}).stateOptions.settings?.filter_registrar, 'off', 'no identity: no registrar to filter by');
  assert.equal(resolveVirtualPhoneOptions({ sip: { host: '::1' }, http: false }).http, false);
});

test('bad options name themselves', () => {
  const cases: [Parameters<typeof resolveVirtualPhoneOptions>[0], string][] = [
    [{ lines: 1, identities: [{ registrar: 'a', user: '1' }, { registrar: 'a', user: '2' }] }, 'identities'],
    [{ actionUrls: { boot: 'http://h/' } as never }, 'actionUrls'],
    [{ identities: [{ registrar: { host: 'a', transport: 'tcp' }, user: '1' }], sip: { tcp: false } }, 'sip.tcp'],
    [{ sip: { host: 'localhost' } }, 'sip.host'],
    [{ http: { port: 70000 } }, 'http.port'],
    [{ incomingCalls: { policy: 'ignore' as never } }, 'incomingCalls.policy'],
    [{ bootDelayMs: -1 }, 'bootDelayMs'],
    [{ registrarFilter: 'yes' as never }, 'registrarFilter'],
  ];
  for (const [options, name] of cases) {
    assert.throws(() => resolveVirtualPhoneOptions(options), (e: unknown) => e instanceof InvalidOptionError && e.option === name, name);
  }
});
