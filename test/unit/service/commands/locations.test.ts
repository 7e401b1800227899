// The location sources: registrar (profiles, domains, network IP), inventory (store.phones), combinator.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { CombinedLocationSource } from '../../../../src/service/commands/combined-locations.js';
import { InventoryLocationSource, parseWebAddress } from '../../../../src/service/commands/inventory-locations.js';
import {
  LocationLookupError,
  dedupeLocations,
  hostKey,
  locationKey,
  type LocationSource,
  type PhoneLocation,
  type UserTarget,
} from '../../../../src/service/commands/phone-location.js';
import { RegistrarLocationSource, identifyByRegistration } from '../../../../src/service/commands/registrar-locations.js';
import { openStore } from '../../../../src/store/sqlite-store.js';
import { InvalidOptionError } from '../../../../src/util/errors.js';
import { DOMAIN, makeRegistrar, registerFrom } from './command-fixtures.js';

const store = openStore({ path: ':memory:' });
after(() => store.close());

function user(spec: string, profile: string | undefined, name: string, domain?: string): UserTarget {
  return { kind: 'user', profile, user: name, domain, spec };
}

test('locationKey, hostKey and dedupeLocations', () => {
  assert.equal(locationKey({ scheme: 'http', host: '10.0.0.1' }), 'http://10.0.0.1:80');
  assert.equal(locationKey({ scheme: 'https', host: 'Phone.Example', port: 8443 }), 'https://phone.example:8443');
  assert.equal(locationKey({ scheme: 'https', host: '2001:DB8::1' }), 'https://[2001:db8::1]:443');
  assert.equal(locationKey({ scheme: 'http', host: '::ffff:10.0.0.1', port: 80 }), 'http://10.0.0.1:80');
  assert.equal(hostKey('[::1]'), '::1');
  const c = (contact: string) => ({ aor: '1@d', contact, address: '10.0.0.1', port: 5060, transport: 'udp' });
  const a: PhoneLocation = { host: '10.0.0.1', scheme: 'http', origin: 'registrar', contacts: [c('sip:1@a')] };
  const b: PhoneLocation = { host: '10.0.0.1', port: 80, scheme: 'http', origin: 'inventory', contacts: [c('sip:1@a'), c('sip:1@b')] };
  const other: PhoneLocation = { host: '10.0.0.2', scheme: 'http', origin: 'registrar', contacts: [] };
  assert.deepEqual(dedupeLocations([a, other, b]), [{ ...a, contacts: [c('sip:1@a'), c('sip:1@b')] }, other]);
});

test('parseWebAddress', () => {
  assert.deepEqual(parseWebAddress('10.0.0.5'), { host: '10.0.0.5' });
  assert.deepEqual(parseWebAddress('phone.example:8080'), { host: 'phone.example', port: 8080 });
  assert.deepEqual(parseWebAddress('[2001:db8::1]:443'), { host: '2001:db8::1', port: 443 });
  assert.deepEqual(parseWebAddress('[2001:db8::1]'), { host: '2001:db8::1' });
  for (const bad of ['', 'a:b:c', 'h:0', 'h:65536', 'h:', '[::1', '2001:db8::1']) assert.equal(parseWebAddress(bad), undefined, bad);
});

test('registrar source: network IP, domains, profiles, web scheme/port, one location per user and address', async () => {
  const registrar = makeRegistrar({ '2000': { trustedNetworks: ['10.1.0.0/16'] }, '2001': { trustedNetworks: ['10.1.0.0/16'] } });
  await registerFrom(registrar, { user: '2000', address: '10.1.0.1', callId: 'a' });
  await registerFrom(registrar, { user: '2000', address: '10.1.0.1', callId: 'b', contactHost: '192.168.1.50' });
  await registerFrom(registrar, { user: '2000', address: '10.1.0.2', callId: 'c', domain: 'other.test' });
  await registerFrom(registrar, { user: '2001', address: '10.1.0.1', callId: 'd' });
  const source = new RegistrarLocationSource({ registrar, profiles: { embedded: 'embedded', internal: 'embedded', fs: 'freeswitch' }, webScheme: 'https', webPort: 8443, insecureTls: true });

  const any = await source.resolve(user('*/2000', '*', '2000'));
  assert.deepEqual(any.map((l) => [l.host, l.port, l.scheme, l.insecureTls, l.origin, l.user, l.domain, l.contacts.map((c) => c.contact)]), [
    ['10.1.0.1', 8443, 'https', true, 'registrar', '2000', DOMAIN, ['sip:2000@10.99.0.1:5060', 'sip:2000@192.168.1.50:5060']],
    ['10.1.0.2', 8443, 'https', true, 'registrar', '2000', 'other.test', ['sip:2000@10.99.0.1:5060']],
  ]);
  assert.deepEqual(any[0]!.contacts[0], {
    aor: `2000@${DOMAIN}`, contact: 'sip:2000@10.99.0.1:5060', address: '10.1.0.1', port: 5060, transport: 'udp',
    expiresAt: any[0]!.contacts[0]!.expiresAt, userAgent: 'snomD785-SIP 10.1.54.13',
  });
  assert.deepEqual((await source.resolve(user('*/2000@other.test', '*', '2000', 'OTHER.test'))).map((l) => l.host), ['10.1.0.2']);
  assert.deepEqual((await source.resolve(user('internal/2000@pbx.test', 'internal', '2000', DOMAIN))).map((l) => l.host), ['10.1.0.1']);
  assert.deepEqual(await source.resolve(user('fs/2000@pbx.test', 'fs', '2000', DOMAIN)), [], 'a FreeSWITCH profile is another source’s');
  assert.deepEqual(await source.resolve(user('nope/2000@pbx.test', 'nope', '2000', DOMAIN)), [], 'an unknown profile');
  assert.deepEqual(await source.resolve(user('*/3000', '*', '3000')), []);
  assert.deepEqual((await source.registered()).map((l) => `${l.user}@${l.domain} ${l.host}`), [
    `2000@${DOMAIN} 10.1.0.1`, `2000@other.test 10.1.0.2`, `2001@${DOMAIN} 10.1.0.1`,
  ]);
  assert.equal(source.servesProfile(undefined), true);
  assert.equal(source.servesProfile('embedded'), true);
  assert.equal(source.servesProfile('fs'), false);

  const plain = new RegistrarLocationSource({ registrar });
  const [first] = await plain.resolve(user('embedded/2001@pbx.test', 'embedded', '2001', DOMAIN));
  assert.deepEqual([first!.scheme, first!.port, first!.insecureTls], ['http', undefined, undefined]);

  const identify = identifyByRegistration(registrar);
  assert.deepEqual(identify('10.1.0.2'), { user: '2000', domain: 'other.test' });
  assert.deepEqual(identify('::ffff:10.1.0.2'), { user: '2000', domain: 'other.test' });
  assert.equal(identify('10.1.0.9'), undefined);
  await registrar.close();
});

test('registrar source options are checked', () => {
  const registrar = makeRegistrar({});
  assert.throws(() => new RegistrarLocationSource({ registrar: {} as never }), InvalidOptionError);
  assert.throws(() => new RegistrarLocationSource({ registrar, profiles: { x: 'sofia' as never } }), /profiles\.x/);
  assert.throws(() => new RegistrarLocationSource({ registrar, webScheme: 'ftp' as never }), /webScheme/);
  assert.throws(() => new RegistrarLocationSource({ registrar, webPort: 0 }), /webPort/);
  assert.throws(() => new RegistrarLocationSource({ registrar, insecureTls: 'yes' as never }), /insecureTls/);
});

test('inventory source: by user@domain, by user in every domain, by address; profile ignored', async () => {
  store.phones.put({ user: '3000', domain: 'pbx.test', webAddress: '10.2.0.1:8443', scheme: 'https', username: 'admin', password: 'pw', insecureTls: true });
  store.phones.put({ user: '3000', domain: 'b.test', webAddress: '[2001:db8::9]', scheme: 'http', insecureTls: false });
  store.phones.put({ user: '3001', domain: 'pbx.test', webAddress: '10.2.0.1', scheme: 'http', username: 'u', insecureTls: false });
  const source = new InventoryLocationSource({ phones: store.phones });
  assert.deepEqual(await source.resolve(user('x/3000@PBX.test', 'x', '3000', 'PBX.test')), [{
    host: '10.2.0.1', port: 8443, scheme: 'https', credentials: { username: 'admin', password: 'pw' }, insecureTls: true,
    origin: 'inventory', user: '3000', domain: 'pbx.test', contacts: [],
  }]);
  assert.deepEqual((await source.resolve(user('*/3000', '*', '3000'))).map((l) => [l.host, l.domain]), [['2001:db8::9', 'b.test'], ['10.2.0.1', 'pbx.test']]);
  assert.deepEqual((await source.resolve(user('*/3001', '*', '3001')))[0]!.credentials, { username: 'u', password: '' });
  assert.deepEqual((await source.byAddress('10.2.0.1')).map((l) => [l.user, l.port ?? 80]), [['3000', 8443], ['3001', 80]]);
  assert.deepEqual((await source.byAddress('[2001:DB8::9]')).map((l) => l.user), ['3000']);
  assert.deepEqual(await source.resolve(user('*/9', '*', '9', 'pbx.test')), []);
  assert.throws(() => new InventoryLocationSource({ phones: null as never }), InvalidOptionError);
});

/** A source answering from fixed lists (or failing). */
function fixed(resolve: PhoneLocation[] | Error, registered: PhoneLocation[] = []): LocationSource {
  return {
    resolve: () => (resolve instanceof Error ? Promise.reject(resolve) : Promise.resolve(resolve)),
    registered: () => Promise.resolve(registered),
    byAddress: (host) => Promise.resolve(registered.filter((l) => l.host === host)),
  };
}
const contact = (aor: string, address: string) => ({ aor, contact: `sip:${aor}`, address, port: 5060, transport: 'udp' });
const reg = (u: string, host: string, domain = 'd'): PhoneLocation => ({ host, scheme: 'http', origin: 'registrar', user: u, domain, contacts: [contact(`${u}@${domain}`, host)] });
const inv = (u: string, host: string, domain = 'd'): PhoneLocation => ({
  host, port: 443, scheme: 'https', credentials: { username: 'a', password: 'p' }, insecureTls: true, origin: 'inventory', user: u, domain, contacts: [],
});

test('combined: an inventory entry replaces the user’s registered phones in place; others appended', async () => {
  const source = new CombinedLocationSource({
    registered: [fixed([reg('1', '10.0.0.1'), reg('2', '10.0.0.2'), reg('1', '10.0.0.3')]), fixed([reg('3', '10.0.0.4')])],
    inventory: fixed([inv('1', '10.9.0.1', 'D'), inv('4', '10.9.0.4')]),
  });
  const out = await source.resolve(user('*/x', '*', 'x'));
  assert.deepEqual(out, [
    { ...inv('1', '10.9.0.1', 'D'), contacts: [contact('1@d', '10.0.0.1'), contact('1@d', '10.0.0.3')] },
    reg('2', '10.0.0.2'),
    reg('3', '10.0.0.4'),
    inv('4', '10.9.0.4'),
  ]);
});

test('combined: registered() keeps inventory-only phones out but applies overrides; byAddress merges', async () => {
  const inventory: LocationSource = {
    resolve: (t) => Promise.resolve(t.user === '1' ? [inv('1', '10.9.0.1')] : t.user === '9' ? [inv('9', '10.9.0.9')] : []),
    byAddress: (host) => Promise.resolve(host === '10.9.0.1' ? [inv('1', '10.9.0.1')] : []),
  };
  const source = new CombinedLocationSource({ registered: [fixed([], [reg('1', '10.0.0.1'), reg('2', '10.0.0.2')])], inventory });
  assert.deepEqual((await source.registered()).map((l) => [l.user, l.host, l.origin]), [['1', '10.9.0.1', 'inventory'], ['2', '10.0.0.2', 'registrar']]);
  assert.deepEqual((await source.byAddress('10.9.0.1')).map((l) => l.user), ['1']);
  assert.deepEqual((await source.byAddress('10.0.0.2')).map((l) => l.user), ['2']);
});

test('combined: a failing source is tolerated when others found phones, else the lookup rejects', async () => {
  const down = new LocationLookupError('freeswitch: event socket not connected');
  const partial = new CombinedLocationSource({ registered: [fixed(down), fixed([reg('1', '10.0.0.1')])] });
  assert.deepEqual((await partial.resolve(user('*/1', '*', '1'))).map((l) => l.host), ['10.0.0.1']);
  const none = new CombinedLocationSource({ registered: [fixed(down), fixed([])] });
  await assert.rejects(none.resolve(user('*/1', '*', '1')), (e) => e === down);
  const foreign = new CombinedLocationSource({ registered: [fixed(new TypeError('x'))] });
  await assert.rejects(foreign.resolve(user('*/1', '*', '1')), (e) => e instanceof LocationLookupError && e.message === 'a location source failed' && e.cause instanceof TypeError);
  assert.deepEqual(await new CombinedLocationSource({ registered: [] }).resolve(user('*/1', '*', '1')), []);
  assert.throws(() => new CombinedLocationSource({ registered: [{}] as never }), InvalidOptionError);
  assert.throws(() => new CombinedLocationSource({ registered: [], inventory: 5 as never }), InvalidOptionError);
});
