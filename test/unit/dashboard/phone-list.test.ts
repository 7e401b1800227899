import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PhoneView, RegistrationEventView } from '../../../dashboard/api-types.js';
import { expiryText, PhoneList, profilesText, registrationText } from '../../../dashboard/phone-list.js';

function phone(n: number): PhoneView {
  return {
    user: String(1000 + n), host: `site${n % 7}.example`, profile: 'internal',
    contacts: [{ uri: `sip:${1000 + n}@10.0.${n >> 8}.${n & 255}:5060`, source: { transport: 'udp', address: `10.0.${n >> 8}.${n & 255}`, port: 5060 }, userAgent: n % 2 === 0 ? 'snomD785/10.1' : 'snom710/8.9', expiresAt: 10_000 }],
  };
}

function registration(type: string, user: string, domain: string, contact: string, address = '192.0.2.9'): RegistrationEventView {
  return { type, user, domain, contact, transport: 'tcp', address, port: 5062, expiresAt: 99_000, userAgent: 'snomD717/10.1', at: 5 };
}

test('5000 phones: sorted by user@host, paged, filtered by every word in aor, IP and user agent', () => {
  const list = new PhoneList();
  list.replace(Array.from({ length: 5000 }, (_, i) => phone(4999 - i)));
  const t0 = performance.now();
  const first = list.page('', 0, 50);
  assert.equal(first.total, 5000);
  assert.equal(first.pages, 100);
  assert.equal(first.rows.length, 50);
  assert.equal(first.rows[0]!.aor, '1000@site0.example');
  assert.equal(first.rows[1]!.aor, '1001@site1.example');
  const last = list.page('', 1e9, 50);
  assert.deepEqual([last.page, last.rows.length, last.rows.at(-1)!.aor], [99, 50, '5999@site1.example']);

  const byUa = list.page('snom710 site3', 0, 50);
  // odd n with n % 7 === 3: n = 3, 17, 31, … (step 14) below 5000
  assert.equal(byUa.matching, Math.ceil((5000 - 3) / 14));
  assert.ok(byUa.rows.every((r) => r.aor.endsWith('@site3.example') && r.contacts[0]!.userAgent === 'snom710/8.9'));
  // n = 4999 = 19 * 256 + 135
  assert.deepEqual(list.page('10.0.19.135', 0, 50).rows.map((r) => r.aor), ['5999@site1.example']);
  assert.deepEqual(list.page('NO-SUCH', 3, 50), { rows: [], page: 0, pages: 1, matching: 0, total: 5000 });
  for (let i = 0; i < 20; i++) list.page(`site${i % 7}`, i, 50);
  assert.ok(performance.now() - t0 < 1000, 'filtering thousands of phones stays fast');
});

test('registration events add, refresh and remove contacts; an unknown phone asks for a reload', () => {
  const list = new PhoneList();
  list.replace([phone(1)]);
  const aor = '1001@site1.example';
  const uri = list.get(aor)!.contacts[0]!.uri;
  assert.equal(list.applyRegistration(registration('registered', '1001', 'site1.example', 'sip:1001@192.0.2.9:5062')), true);
  assert.deepEqual(list.get(aor)!.contacts.map((c) => c.uri), [uri, 'sip:1001@192.0.2.9:5062']);
  assert.equal(list.page('192.0.2.9', 0, 10).matching, 1, 'the new address is searchable');
  list.applyRegistration(registration('refreshed', '1001', 'site1.example', uri, '10.9.9.9'));
  assert.deepEqual(list.get(aor)!.contacts.map((c) => [c.source.address, c.expiresAt, c.userAgent]), [['192.0.2.9', 99_000, 'snomD717/10.1'], ['10.9.9.9', 99_000, 'snomD717/10.1']]);
  list.applyRegistration(registration('expired', '1001', 'site1.example', uri));
  list.applyRegistration(registration('unregistered', '1001', 'site1.example', 'sip:1001@192.0.2.9:5062'));
  assert.deepEqual(list.get(aor)!.contacts, []);
  assert.equal(list.get(aor)!.profile, 'internal', 'the profile is kept');
  assert.equal(list.applyRegistration(registration('registered', '7', 'new.example', 'sip:7@192.0.2.1')), false);
  assert.deepEqual(list.page('', 0, 10).rows.map((r) => r.aor), ['1001@site1.example', '7@new.example']);
});

test('delivery events become the last delivery; the list answer gives the first one', () => {
  const list = new PhoneList();
  list.replace([{ ...phone(2), lastDelivery: { profile: 'internal', user: '1002', host: 'site2.example', key: '4', contact: 'c', status: 'failed', version: 3, at: 7, reason: 'timeout' } }]);
  assert.deepEqual(list.get('1002@site2.example')!.lastDelivery, { status: 'failed', keys: '4', at: 7, reason: 'timeout' });
  list.page('', 0, 10);
  assert.equal(list.applyDelivery({ status: 'delivered', user: '1002', host: 'site2.example', contact: 'c', keys: [{ profile: 'internal', key: '2', version: 4 }, { profile: 'internal', key: '3', version: 4 }], attempt: 1, sipStatus: 200, reason: 'OK', at: 9 }), true);
  assert.deepEqual(list.page('', 0, 10).rows[0]!.lastDelivery, { status: 'delivered (SIP 200)', keys: '2, 3', at: 9 });
  list.applyDelivery({ status: 'failed', user: '1002', host: 'site2.example', contact: 'c', keys: [{ profile: 'internal', key: '2', version: 5 }], attempt: 3, error: 'timeout', at: 11 });
  assert.deepEqual(list.get('1002@site2.example')!.lastDelivery, { status: 'failed', keys: '2', at: 11, reason: 'timeout' });
  assert.equal(list.applyDelivery({ status: 'failed', user: 'x', host: 'y', contact: 'c', keys: [], attempt: 1, at: 1 }), false);
});

test('expiry and registration in words', () => {
  assert.deepEqual([0, 999, 1000, 59_999, 60_000, 185_000, 3_600_000, 7_380_000].map((ms) => expiryText(ms, 0)),
    ['expired', 'expired', 'expires in 1s', 'expires in 59s', 'expires in 1m 00s', 'expires in 3m 05s', 'expires in 1h 00m', 'expires in 2h 03m']);
  const c = (expiresAt: number) => ({ uri: 'u', source: { transport: 'udp', address: 'a', port: 1 }, expiresAt });
  assert.equal(registrationText([], 0), 'not registered');
  assert.equal(registrationText([c(5)], 10), 'not registered');
  assert.equal(registrationText([c(50)], 10), 'registered');
  assert.equal(registrationText([c(50), c(60), c(5)], 10), 'registered (2 contacts)');
});

test('profiles with their route kinds: shown in words, searchable, kept across registration events', () => {
  const list = new PhoneList();
  list.replace([
    { ...phone(1), profiles: [{ name: 'internal', route: 'embedded', keys: 2 }, { name: 'fs', route: 'freeswitch', keys: 1 }] },
    { ...phone(2), profiles: [{ name: 'ext', route: 'proxy', keys: 0 }] },
    { ...phone(3) },
    { ...phone(4), profile: undefined, profiles: [] },
  ]);
  assert.equal(profilesText(list.get('1001@site1.example')!), 'internal (embedded), fs (freeswitch)');
  assert.equal(profilesText(list.get('1002@site2.example')!), 'ext (proxy)');
  assert.equal(profilesText(list.get('1003@site3.example')!), 'internal', 'a service without profiles in the answer: the profile alone');
  assert.equal(profilesText(list.get('1004@site4.example')!), '—');
  assert.deepEqual(list.page('freeswitch', 0, 10).rows.map((r) => r.aor), ['1001@site1.example']);
  assert.deepEqual(list.page('proxy', 0, 10).rows.map((r) => r.aor), ['1002@site2.example']);
  list.applyRegistration(registration('refreshed', '1002', 'site2.example', 'sip:1002@192.0.2.9:5062'));
  assert.equal(profilesText(list.get('1002@site2.example')!), 'ext (proxy)');
  assert.deepEqual(list.page('proxy 192.0.2.9', 0, 10).rows.map((r) => r.aor), ['1002@site2.example']);
});
