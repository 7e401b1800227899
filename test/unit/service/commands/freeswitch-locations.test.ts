// FreeswitchLocationSource over a scripted lookup: which sofia_contact spec each target asks, every
// registration at its network IP (the Contact's host without a core-table row), failures and profiles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CoreRegistration } from '../../../../src/esl/core-registrations.js';
import { FreeswitchLookupError, type LocatedRegistrations } from '../../../../src/esl/freeswitch-adapter.js';
import { FreeswitchLocationSource, type FreeswitchLookup } from '../../../../src/service/commands/freeswitch-locations.js';
import { LocationLookupError, type UserTarget } from '../../../../src/service/commands/phone-location.js';
import { InvalidOptionError, err, ok, type Result } from '../../../../src/util/errors.js';

type Rows = Array<CoreRegistration & { profile: string }>;

class Lookup implements FreeswitchLookup {
  readonly asked: string[] = [];
  constructor(readonly answers: Record<string, Result<LocatedRegistrations, FreeswitchLookupError>>, readonly rows: Result<Rows, FreeswitchLookupError> = ok([])) {}
  lookupRegistrations(target: string): ReturnType<FreeswitchLookup['lookupRegistrations']> {
    this.asked.push(target);
    return Promise.resolve(this.answers[target] ?? ok({ registered: false }));
  }
  allRegistrations(): ReturnType<FreeswitchLookup['allRegistrations']> {
    return Promise.resolve(this.rows);
  }
}

const target = (spec: string, profile: string | undefined, user: string, domain?: string): UserTarget => ({ kind: 'user', spec, profile, user, domain } as UserTarget);

const TWO: LocatedRegistrations = {
  registered: true,
  registrations: [
    { profile: 'internal', uri: 'sip:2000@192.0.2.10:5060;line=ab', dialString: 'sofia/internal/sip:2000@192.0.2.10:5060;line=ab', networkIp: '198.51.100.7', networkPort: 40312, networkProto: 'udp', expires: 1_700_000_000, realm: 'example.com' },
    { profile: 'internal', uri: 'sip:2000@10.0.0.5:5062;fs_nat=yes', dialString: 'sofia/internal/sip:2000@10.0.0.5:5062;fs_nat=yes', networkIp: undefined, networkPort: undefined, networkProto: undefined, expires: undefined, realm: undefined },
  ],
};

test('*/user and profile/user@domain: every registration, at its network IP, else the Contact host; the domain from the core table', async () => {
  const lookup = new Lookup({ '*/2000': ok(TWO), 'internal/2000@example.com': ok(TWO) });
  const source = new FreeswitchLocationSource({ lookup, profiles: { fs: 'internal' }, webPort: 8080 });
  const found = await source.resolve(target('*/2000', '*', '2000'));
  assert.deepEqual(found, [
    {
      host: '198.51.100.7', port: 8080, scheme: 'http', origin: 'freeswitch', user: '2000', domain: 'example.com',
      contacts: [{ aor: '2000@example.com', contact: 'sip:2000@192.0.2.10:5060;line=ab', address: '198.51.100.7', port: 40312, transport: 'udp', expiresAt: 1_700_000_000_000 }],
    },
    {
      host: '10.0.0.5', port: 8080, scheme: 'http', origin: 'freeswitch', user: '2000',
      contacts: [{ aor: '2000', contact: 'sip:2000@10.0.0.5:5062', address: '10.0.0.5', port: 5060, transport: 'udp' }],
    },
  ]);
  const byProfile = await source.resolve(target('fs/2000@example.com', 'fs', '2000', 'example.com'));
  assert.deepEqual(byProfile.map((l) => [l.host, l.domain, l.contacts[0]?.aor]), [['198.51.100.7', 'example.com', '2000@example.com'], ['10.0.0.5', 'example.com', '2000@example.com']]);
  assert.deepEqual(lookup.asked, ['*/2000', 'internal/2000@example.com']);
});

test('a profile that is not routed freeswitch is not asked; not registered is []; a failed lookup rejects', async () => {
  const lookup = new Lookup({ '*/2001': err(new FreeswitchLookupError('command-failed', 'api sofia_contact: the connection to FreeSWITCH dropped before the reply')) });
  const source = new FreeswitchLocationSource({ lookup, profiles: { fs: 'internal' } });
  assert.deepEqual(await source.resolve(target('internal/2000@pbx.test', 'internal', '2000', 'pbx.test')), []);
  assert.deepEqual(await source.resolve(target('*/2999', '*', '2999')), []);
  await assert.rejects(source.resolve(target('*/2001', '*', '2001')), (e: unknown) => e instanceof LocationLookupError
    && e.message === 'FreeSWITCH lookup failed: api sofia_contact: the connection to FreeSWITCH dropped before the reply');
  assert.deepEqual(lookup.asked, ['*/2999', '*/2001']);
});

test('registered(): the core table rows of the configured sofia profiles, https with the TLS choice', async () => {
  const row = (profile: string, user: string, ip: string): CoreRegistration & { profile: string } => ({
    profile, user, realm: 'example.com', token: 't', url: `sofia/${profile}/sip:${user}@${ip}:5060;fs_path=x`, expires: 1_700_000_000,
    networkIp: ip, networkPort: 5060, networkProto: 'tcp', hostname: 'fs',
  });
  const lookup = new Lookup({}, ok([row('internal', '2000', '192.0.2.10'), row('external', '2001', '203.0.113.4')]));
  const source = new FreeswitchLocationSource({ lookup, profiles: { fs: 'internal' }, webScheme: 'https', insecureTls: true });
  assert.deepEqual(await source.registered(), [{
    host: '192.0.2.10', scheme: 'https', insecureTls: true, origin: 'freeswitch', user: '2000', domain: 'example.com',
    contacts: [{ aor: '2000@example.com', contact: 'sip:2000@192.0.2.10:5060', address: '192.0.2.10', port: 5060, transport: 'tcp', expiresAt: 1_700_000_000_000 }],
  }]);
  const failing = new FreeswitchLocationSource({ lookup: new Lookup({}, err(new FreeswitchLookupError('rejected', 'FreeSWITCH refused show registrations: -ERR SQL DISABLED'))), profiles: { fs: 'internal' } });
  await assert.rejects(failing.registered(), LocationLookupError);
});

test('bad options are refused', () => {
  const lookup = new Lookup({});
  assert.throws(() => new FreeswitchLocationSource({ lookup: {} as FreeswitchLookup, profiles: {} }), InvalidOptionError);
  assert.throws(() => new FreeswitchLocationSource({ lookup, profiles: { fs: 'bad profile' } }), InvalidOptionError);
  assert.throws(() => new FreeswitchLocationSource({ lookup, profiles: {}, webPort: 0 }), InvalidOptionError);
  assert.throws(() => new FreeswitchLocationSource({ lookup, profiles: {}, webScheme: 'ftp' as 'http' }), InvalidOptionError);
});
