import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registrar, type RegisterOutcome } from '../../../src/registrar/registrar.js';
import { deliveryTarget } from '../../../src/registrar/binding.js';
import type { RegistrarOptions } from '../../../src/registrar/registrar-options.js';
import { MemoryRegistrationStore, type BindingChange, type RegistrationStore } from '../../../src/registrar/registration-store.js';
import type { RegistrarUser } from '../../../src/registrar/register-auth.js';
import { getTo } from '../../../src/sip/accessors.js';
import { parseChallenges } from '../../../src/util/auth-header.js';
import { InvalidOptionError } from '../../../src/util/errors.js';
import { DigestClient } from '../../../src/util/digest-client.js';
import { challenges, register, SOURCE, TestPhone } from './register-fixtures.js';

const T0 = 1_700_000_000_000;
const USERS: Record<string, RegistrarUser> = {
  alice: { password: 'wonderland' },
  bob: { password: 'builder' },
  door: { trustedNetworks: ['192.0.2.0/24', '2001:db8::/32'] },
  both: { password: 'pw', trustedNetworks: ['10.0.0.0/8'] },
};

function setup(options: Partial<RegistrarOptions> = {}): { registrar: Registrar; clock: { t: number }; store: MemoryRegistrationStore } {
  const clock = { t: T0 };
  const store = new MemoryRegistrationStore();
  const registrar = new Registrar({
    domains: ['example.com', 'Other.Example.NET'],
    users: (user, domain) => (domain === 'example.com' || domain === 'other.example.net' ? USERS[user] : undefined),
    now: () => clock.t,
    store,
    ...options,
  });
  return { registrar, clock, store };
}

function contactsOf(out: RegisterOutcome): string[] {
  return out.response.headers.getAll('Contact');
}

test('an unauthenticated REGISTER gets 401 with SHA-256 and MD5 challenges; the answer gets 200 listing the contact', async () => {
  const { registrar } = setup();
  const first = await registrar.handleRegister(register({ contacts: ['<sip:alice@192.0.2.10:5060;line=kx7>'] }), SOURCE);
  assert.equal(first.response.status, 401);
  assert.equal(first.response.reason, 'Unauthorized');
  assert.deepEqual(first.events, []);
  const algorithms = challenges(first.response).map((c) => {
    const parsed = parseChallenges(c);
    assert.ok(parsed.ok);
    const p = parsed.value[0]!.params;
    assert.equal(p.get('realm'), 'example.com');
    assert.equal(p.get('qop'), 'auth');
    assert.equal(p.has('stale'), false);
    return p.get('algorithm');
  });
  assert.deepEqual(algorithms, ['SHA-256', 'MD5']);
  assert.match(getTo(first.response)!.params.get('tag') ?? '', /^[A-Za-z0-9_-]{16}$/);
  assert.deepEqual(registrar.contactsOf('alice', 'example.com'), []);

  const phone = new TestPhone(registrar, 'alice', 'wonderland');
  const out = await phone.register({ contacts: ['<sip:alice@192.0.2.10:5060;line=kx7>'], userAgent: 'snom D785/10.1.33.33' });
  assert.equal(out.response.status, 200);
  assert.equal(out.response.reason, 'OK');
  assert.deepEqual(contactsOf(out), ['<sip:alice@192.0.2.10:5060;line=kx7>;expires=600']);
  assert.equal(out.response.headers.get('Date'), 'Tue, 14 Nov 2023 22:13:20 GMT');
  assert.equal(out.response.headers.get('CSeq'), '2 REGISTER');
  const binding = {
    aor: 'alice@example.com', user: 'alice', domain: 'example.com', contact: 'sip:alice@192.0.2.10:5060;line=kx7',
    callId: 'alice-call@192.0.2.10', cseq: 2, expiresAt: T0 + 600_000, q: undefined, transport: 'udp',
    address: '192.0.2.10', port: 5060, localAddress: '192.0.2.1', localPort: 5060, userAgent: 'snom D785/10.1.33.33',
    instance: undefined, regId: undefined, firstRegistered: T0, lastRefreshed: T0,
  };
  assert.deepEqual(out.events, [{ type: 'registered', binding }]);
  assert.deepEqual(registrar.contactsOf('alice', 'EXAMPLE.com'), [binding]);
  assert.deepEqual(registrar.byUser('alice'), [binding]);
  assert.equal(registrar.size, 1);
});

test('a wrong password is re-challenged (401, not stale) and the client gives up; an unknown user looks the same', async () => {
  const { registrar } = setup();
  for (const [user, password] of [['alice', 'not-her-password'], ['mallory', 'whatever']] as const) {
    const phone = new TestPhone(registrar, user, password);
    const out = await phone.register({ contacts: ['<sip:x@192.0.2.10>'] });
    assert.equal(out.response.status, 401, user);
    const again = challenges(out.response);
    assert.equal(again.length, 2);
    assert.equal(again.some((c) => /stale/i.test(c)), false);
    const next = phone.client.respond(again, 'REGISTER', 'sip:example.com', { answered: 1 });
    assert.equal(next.ok, false);
    assert.equal(next.ok ? '' : next.error.reason, 'rejected');
    assert.deepEqual(out.events, []);
  }
  assert.equal(registrar.size, 0);
});

test('an expired nonce with the right password gets 401 stale=true', async () => {
  const { registrar, clock } = setup();
  const first = await registrar.handleRegister(register({ cseq: 1, contacts: ['<sip:a@192.0.2.10>'] }), SOURCE);
  const client = new DigestClient({ username: 'alice', password: 'wonderland' });
  const auth = client.respond(challenges(first.response), 'REGISTER', 'sip:example.com');
  assert.ok(auth.ok);
  clock.t += 301_000;
  const out = await registrar.handleRegister(register({ cseq: 2, contacts: ['<sip:a@192.0.2.10>'], authorization: auth.value }), SOURCE);
  assert.equal(out.response.status, 401);
  assert.ok(challenges(out.response).every((c) => /stale=true/i.test(c)));
});

test('a user authenticated as someone else may not register this AOR: 403', async () => {
  const { registrar } = setup();
  const first = await registrar.handleRegister(register({ user: 'alice', contacts: ['<sip:a@192.0.2.10>'] }), SOURCE);
  const bob = new DigestClient({ username: 'bob', password: 'builder' });
  const auth = bob.respond(challenges(first.response), 'REGISTER', 'sip:example.com');
  assert.ok(auth.ok);
  const out = await registrar.handleRegister(register({ user: 'alice', cseq: 2, contacts: ['<sip:a@192.0.2.10>'], authorization: auth.value }), SOURCE);
  assert.equal(out.response.status, 403);
  assert.equal(out.response.reason, 'Forbidden');
  assert.equal(registrar.size, 0);
});

test('an expiry below the minimum gets 423 with Min-Expires; nothing is bound', async () => {
  const { registrar } = setup();
  const phone = new TestPhone(registrar, 'alice', 'wonderland');
  const out = await phone.register({ contacts: ['<sip:a@192.0.2.10>;expires=30'] });
  assert.equal(out.response.status, 423);
  assert.equal(out.response.reason, 'Interval Too Brief');
  assert.equal(out.response.headers.get('Min-Expires'), '60');
  const header = await phone.register({ contacts: ['<sip:a@192.0.2.10>'], expires: 59 });
  assert.equal(header.response.status, 423);
  assert.equal(registrar.size, 0);
  const ok = await phone.register({ contacts: ['<sip:a@192.0.2.10>'], expires: 60 });
  assert.deepEqual(contactsOf(ok), ['<sip:a@192.0.2.10>;expires=60']);
});

test('an expiry above the maximum is shortened to it; the contact parameter wins over the Expires header', async () => {
  const { registrar } = setup();
  const phone = new TestPhone(registrar, 'alice', 'wonderland');
  const out = await phone.register({ contacts: ['<sip:a@192.0.2.10>', '<sip:b@192.0.2.10>;expires=120'], expires: 7200 });
  assert.deepEqual(contactsOf(out), ['<sip:a@192.0.2.10>;expires=3600', '<sip:b@192.0.2.10>;expires=120']);
  assert.deepEqual(registrar.contactsOf('alice', 'example.com').map((b) => b.expiresAt), [T0 + 3_600_000, T0 + 120_000]);
  // RFC 3261 §20.19: a malformed value counts as 3600
  const bad = await phone.register({ contacts: ['<sip:c@192.0.2.10>'], expires: 'soon' });
  assert.deepEqual(contactsOf(bad).at(-1), '<sip:c@192.0.2.10>;expires=3600');
});

test('Contact: * with Expires: 0 removes every binding of the AOR', async () => {
  const { registrar, store } = setup();
  const phone = new TestPhone(registrar, 'alice', 'wonderland');
  await phone.register({ contacts: ['<sip:a@192.0.2.10>', '<sip:b@192.0.2.11>'] });
  const other = new TestPhone(registrar, 'alice', 'wonderland', 'other-call@192.0.2.12');
  await other.register({ contacts: ['<sip:c@192.0.2.12>'] });
  assert.equal(store.size, 3);
  const out = await phone.register({ contacts: ['*'], expires: 0 });
  assert.equal(out.response.status, 200);
  assert.deepEqual(contactsOf(out), []);
  assert.deepEqual(out.events.map((e) => [e.type, e.binding.contact]), [
    ['unregistered', 'sip:a@192.0.2.10'], ['unregistered', 'sip:b@192.0.2.11'], ['unregistered', 'sip:c@192.0.2.12'],
  ]);
  assert.deepEqual(registrar.contactsOf('alice', 'example.com'), []);
  assert.equal(registrar.size, 0);
  assert.equal(store.size, 0);
});

test('Contact: * beside other contacts, with a non-zero Expires or without Expires is 400', async () => {
  const { registrar } = setup();
  const phone = new TestPhone(registrar, 'alice', 'wonderland');
  await phone.register({ contacts: ['<sip:a@192.0.2.10>'] });
  // the parser refuses `*` beside other contacts in one header line; as separate lines it reaches the registrar
  const req = register({ callId: phone.callId, cseq: 10, contacts: ['*'], expires: 0, authorization: phone.client.authorize('REGISTER', 'sip:example.com')! });
  req.headers.append('Contact', '<sip:a@192.0.2.10>');
  const mixed = await registrar.handleRegister(req, SOURCE);
  assert.equal(mixed.response.status, 400);
  assert.equal(mixed.response.reason, 'Invalid Contact header');
  const nonZero = await phone.register({ contacts: ['*'], expires: 60 });
  assert.equal(nonZero.response.status, 400);
  assert.equal(nonZero.response.reason, 'Wildcard Contact requires Expires: 0');
  const missing = await phone.register({ contacts: ['*'] });
  assert.equal(missing.response.status, 400);
  assert.equal(registrar.contactsOf('alice', 'example.com').length, 1);
});

test('several contacts per AOR from one or more phones are all listed, with q and instance parameters', async () => {
  const { registrar } = setup();
  const desk = new TestPhone(registrar, 'alice', 'wonderland', 'desk@192.0.2.10');
  const first = await desk.register({
    contacts: ['<sip:alice@192.0.2.10;line=1>;q=0.5, <sip:alice@192.0.2.10;line=2>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000413000001>";reg-id=1'],
  });
  assert.deepEqual(first.events.map((e) => e.type), ['registered', 'registered']);
  const soft = new TestPhone(registrar, 'alice', 'wonderland', 'soft@192.0.2.20', { transport: 'tcp', address: '192.0.2.20', port: 50123 });
  const out = await soft.register({ contacts: ['<sip:alice@192.0.2.20:5070;transport=tcp>'], expires: 300 });
  assert.deepEqual(contactsOf(out), [
    '<sip:alice@192.0.2.10;line=1>;expires=600;q=0.5',
    '<sip:alice@192.0.2.10;line=2>;expires=600;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000413000001>";reg-id=1',
    '<sip:alice@192.0.2.20:5070;transport=tcp>;expires=300',
  ]);
  assert.deepEqual(out.events.map((e) => [e.type, e.binding.contact]), [['registered', 'sip:alice@192.0.2.20:5070;transport=tcp']]);
  const listed = registrar.contactsOf('alice', 'example.com');
  assert.deepEqual(listed.map((b) => [b.q, b.instance, b.regId, b.transport, b.port]), [
    [0.5, undefined, undefined, 'udp', 5060],
    [undefined, '<urn:uuid:00000000-0000-1000-8000-000413000001>', 1, 'udp', 5060],
    [undefined, undefined, undefined, 'tcp', 50123],
  ]);
  // a query (no Contact) lists them without changing anything
  const query = await desk.register({});
  assert.equal(query.response.status, 200);
  assert.equal(contactsOf(query).length, 3);
  assert.deepEqual(query.events, []);
});

test('refreshing with a higher CSeq gives `refreshed`; the same Call-ID with a CSeq not above the stored one fails with 500 and changes nothing', async () => {
  const { registrar, clock } = setup();
  const phone = new TestPhone(registrar, 'alice', 'wonderland');
  await phone.register({ contacts: ['<sip:a@192.0.2.10>'] });
  const before = registrar.contactsOf('alice', 'example.com')[0]!;
  assert.equal(before.cseq, 2);
  clock.t += 10_000;
  const refresh = await phone.register({ contacts: ['<sip:a@192.0.2.10>'], expires: 900 });
  assert.deepEqual(refresh.events.map((e) => e.type), ['refreshed']);
  const after = registrar.contactsOf('alice', 'example.com')[0]!;
  assert.deepEqual(refresh.events[0], { type: 'refreshed', binding: after, previous: before });
  assert.equal(after.cseq, 4);
  assert.equal(after.expiresAt, T0 + 10_000 + 900_000);
  assert.equal(after.firstRegistered, T0);
  assert.equal(after.lastRefreshed, T0 + 10_000);

  // a delayed copy of an older request: same Call-ID, CSeq 4 (equal) and 3 (lower)
  for (const cseq of [4, 3]) {
    phone.cseq = cseq - 2; // register() sends cseq-1 (401) and then cseq with credentials
    const stale = await phone.register({ contacts: ['<sip:a@192.0.2.10>'], expires: 0 });
    assert.equal(stale.response.status, 500);
    assert.equal(stale.response.reason, 'Stale CSeq');
    assert.deepEqual(stale.events, []);
    assert.deepEqual(registrar.contactsOf('alice', 'example.com'), [after]);
  }
  phone.cseq = 1;
  const star = await phone.register({ contacts: ['*'], expires: 0 });
  assert.equal(star.response.status, 500, 'the wildcard is held to the same CSeq rule');
  phone.cseq = 10;
  const removed = await phone.register({ contacts: ['<sip:a@192.0.2.10>'], expires: 0 });
  assert.deepEqual(removed.events, [{ type: 'unregistered', binding: after }]);
});

test('the same contact with a new Call-ID replaces its binding and is reported as `restarted`', async () => {
  const { registrar, clock, store } = setup();
  const phone = new TestPhone(registrar, 'alice', 'wonderland', 'boot-1@192.0.2.10');
  await phone.register({ contacts: ['<sip:alice@192.0.2.10;line=kx7>'] });
  const old = registrar.contactsOf('alice', 'example.com')[0]!;
  clock.t += 60_000;
  const rebooted = new TestPhone(registrar, 'alice', 'wonderland', 'boot-2@192.0.2.10');
  const out = await rebooted.register({ contacts: ['<SIP:alice@192.0.2.10;LINE=kx7>'] });
  const now = registrar.contactsOf('alice', 'example.com');
  assert.equal(now.length, 1);
  assert.deepEqual(out.events, [{ type: 'restarted', binding: now[0], previous: old }]);
  assert.equal(now[0]!.callId, 'boot-2@192.0.2.10');
  assert.equal(now[0]!.cseq, 2);
  assert.equal(now[0]!.contact, 'SIP:alice@192.0.2.10;LINE=kx7');
  assert.equal(now[0]!.firstRegistered, T0 + 60_000);
  assert.deepEqual(store.loadBindings(clock.t), now);
});

test('a phone with the same +sip.instance and a new address after a reboot replaces its old binding (`restarted`)', async () => {
  const { registrar } = setup();
  const instance = '+sip.instance="<urn:uuid:00000000-0000-1000-8000-000413aabbcc>"';
  const before = new TestPhone(registrar, 'alice', 'wonderland', 'boot-1@192.0.2.10');
  await before.register({ contacts: [`<sip:alice@192.0.2.10;line=a>;${instance}`] });
  const old = registrar.contactsOf('alice', 'example.com')[0]!;
  const after = new TestPhone(registrar, 'alice', 'wonderland', 'boot-2@192.0.2.99', { transport: 'udp', address: '192.0.2.99', port: 5060 });
  const out = await after.register({ contacts: [`<sip:alice@192.0.2.99;line=b>;${instance}`] });
  const now = registrar.contactsOf('alice', 'example.com');
  assert.deepEqual(now.map((b) => b.contact), ['sip:alice@192.0.2.99;line=b']);
  assert.deepEqual(out.events, [{ type: 'restarted', binding: now[0], previous: old }]);
  // another device (another instance) with the same contact URI is a separate binding
  const twin = new TestPhone(registrar, 'alice', 'wonderland', 'twin@198.51.100.7', { transport: 'udp', address: '198.51.100.7', port: 40000 });
  const twinOut = await twin.register({ contacts: ['<sip:alice@192.0.2.99;line=b>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000413ddeeff>"'] });
  assert.deepEqual(twinOut.events.map((e) => e.type), ['registered']);
  assert.equal(registrar.contactsOf('alice', 'example.com').length, 2);
});

test('sweep removes expired bindings with `expired` events, and start() runs it on a timer', async () => {
  const { registrar, clock, store } = setup();
  const phone = new TestPhone(registrar, 'alice', 'wonderland');
  await phone.register({ contacts: ['<sip:a@192.0.2.10>;expires=60', '<sip:b@192.0.2.10>;expires=120'] });
  const [a, b] = registrar.contactsOf('alice', 'example.com');
  assert.deepEqual(registrar.sweep(T0 + 59_999), []);
  clock.t = T0 + 60_000;
  assert.deepEqual(registrar.contactsOf('alice', 'example.com'), [b], 'lookups hide expired bindings before the sweep');
  assert.deepEqual(registrar.sweep(), [{ type: 'expired', binding: a }]);
  assert.equal(registrar.size, 1);
  await registrar.close();
  assert.deepEqual(store.loadBindings(0), [b]);

  const timed = { clock: { t: T0 }, store: new MemoryRegistrationStore() };
  const seen: string[] = [];
  const r2 = new Registrar({
    domains: ['example.com'], users: () => ({ password: 'x' }), now: () => timed.clock.t, store: timed.store, sweepIntervalMs: 5,
    onExpired: (events) => seen.push(...events.map((e) => `${e.type} ${e.binding.contact}`)),
  });
  const p2 = new TestPhone(r2, 'carol', 'x');
  await p2.register({ contacts: ['<sip:c@192.0.2.10>'], expires: 60 });
  r2.start();
  timed.clock.t += 61_000;
  for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  await r2.close();
  assert.deepEqual(seen, ['expired sip:c@192.0.2.10']);
  assert.equal(timed.store.size, 0);
});

test('a user with trusted networks registers without credentials from inside them and gets 403 from elsewhere', async () => {
  const { registrar } = setup();
  const inside = await registrar.handleRegister(register({ user: 'door', contacts: ['<sip:door@192.0.2.77>'] }), { transport: 'udp', address: '192.0.2.77', port: 5060 });
  assert.equal(inside.response.status, 200);
  assert.deepEqual(contactsOf(inside), ['<sip:door@192.0.2.77>;expires=600']);
  const v6 = await registrar.handleRegister(register({ user: 'door', callId: 'v6', contacts: ['<sip:door@[2001:db8::7]>'] }), { transport: 'udp', address: '2001:db8::7', port: 5060 });
  assert.equal(v6.response.status, 200);
  const mapped = await registrar.handleRegister(register({ user: 'door', callId: 'mapped', contacts: ['<sip:door@192.0.2.78>'] }), { transport: 'udp', address: '::ffff:192.0.2.78', port: 5060 });
  assert.equal(mapped.response.status, 200);
  const outside = await registrar.handleRegister(register({ user: 'door', callId: 'x', contacts: ['<sip:door@198.51.100.1>'] }), { transport: 'udp', address: '198.51.100.1', port: 5060 });
  assert.equal(outside.response.status, 403);
  assert.deepEqual(outside.response.headers.getAll('WWW-Authenticate'), []);
  // a user with both: no credentials needed inside, Digest elsewhere
  const both = await registrar.handleRegister(register({ user: 'both', callId: 'y', contacts: ['<sip:both@10.1.2.3>'] }), { transport: 'udp', address: '10.1.2.3', port: 5060 });
  assert.equal(both.response.status, 200);
  const bothOutside = await registrar.handleRegister(register({ user: 'both', callId: 'z', contacts: ['<sip:both@198.51.100.1>'] }), { transport: 'udp', address: '198.51.100.1', port: 5060 });
  assert.equal(bothOutside.response.status, 401);
});

test('requests for other domains, non-SIP URIs and broken requests are refused before authentication', async () => {
  const { registrar } = setup();
  const cases: Array<[Parameters<typeof register>[0], number, string]> = [
    [{ ruri: 'sip:elsewhere.example.org' }, 404, 'Not Found'],
    [{ domain: 'elsewhere.example.org', ruri: 'sip:example.com' }, 404, 'Not Found'],
    [{ ruri: 'tel:+15551234' }, 416, 'Unsupported URI Scheme'],
    [{ extra: [['Require', 'gruu']] }, 420, 'Bad Extension'],
  ];
  for (const [init, status, reason] of cases) {
    const out = await registrar.handleRegister(register({ contacts: ['<sip:a@192.0.2.10>'], ...init }), SOURCE);
    assert.equal(out.response.status, status, JSON.stringify(init));
    assert.equal(out.response.reason, reason);
  }
  // the other configured domain is ours, case-insensitively
  const other = await registrar.handleRegister(register({ domain: 'other.example.NET', contacts: ['<sip:a@192.0.2.10>'] }), SOURCE);
  assert.equal(other.response.status, 401);
  // a non-SIP contact is refused after authentication
  const phone = new TestPhone(registrar, 'alice', 'wonderland');
  const mailto = await phone.register({ contacts: ['<mailto:alice@example.com>'] });
  assert.equal(mailto.response.status, 400);
  assert.equal(mailto.response.reason, 'Unsupported Contact URI');
  assert.equal(registrar.size, 0);
});

test('more contacts than maxContacts are refused with 503; existing ones still refresh', async () => {
  const { registrar } = setup({ maxContacts: 2 });
  const phone = new TestPhone(registrar, 'alice', 'wonderland');
  const two = await phone.register({ contacts: ['<sip:a@192.0.2.10>', '<sip:b@192.0.2.10>'] });
  assert.equal(two.response.status, 200);
  const three = await phone.register({ contacts: ['<sip:c@192.0.2.10>'] });
  assert.equal(three.response.status, 503);
  assert.equal(three.response.reason, 'Too Many Contacts');
  assert.equal(registrar.contactsOf('alice', 'example.com').length, 2);
  const refresh = await phone.register({ contacts: ['<sip:a@192.0.2.10>'] });
  assert.deepEqual(refresh.events.map((e) => e.type), ['refreshed']);
});

/** A store whose writes fail while `failing` is set. */
class FlakyStore implements RegistrationStore {
  failing = false;
  readonly inner = new MemoryRegistrationStore();
  loadBindings(now: number) {
    return this.inner.loadBindings(now);
  }
  applyBindingChanges(changes: readonly BindingChange[]): Promise<void> {
    if (this.failing) return Promise.reject(new Error('disk full'));
    this.inner.applyBindingChanges(changes);
    return Promise.resolve();
  }
  deleteExpiredBindings(now: number) {
    return this.inner.deleteExpiredBindings(now);
  }
}

test('when the store write fails the answer is 500 and the memory change is reverted, for every request of the batch', async () => {
  const store = new FlakyStore();
  const { registrar } = setup({ store });
  const phone = new TestPhone(registrar, 'alice', 'wonderland');
  await phone.register({ contacts: ['<sip:a@192.0.2.10>'] });
  const kept = registrar.contactsOf('alice', 'example.com');
  store.failing = true;
  // two requests in the same event-loop turn: one batch, both fail, the memory returns to `kept`
  const auth = (await registrar.handleRegister(register({ callId: 'x', contacts: ['<sip:z@192.0.2.10>'] }), SOURCE)).response;
  const client = new DigestClient({ username: 'alice', password: 'wonderland' });
  const creds = client.respond(challenges(auth), 'REGISTER', 'sip:example.com');
  assert.ok(creds.ok);
  const second = client.authorize('REGISTER', 'sip:example.com')!;
  const [r1, r2] = await Promise.all([
    registrar.handleRegister(register({ callId: 'x', cseq: 2, contacts: ['<sip:b@192.0.2.10>'], authorization: creds.value }), SOURCE),
    registrar.handleRegister(register({ callId: 'x', cseq: 3, contacts: ['<sip:c@192.0.2.10>', '<sip:a@192.0.2.10>;expires=0'], authorization: second }), SOURCE),
  ]);
  assert.equal(r1.response.status, 500);
  assert.equal(r2.response.status, 500);
  assert.deepEqual([r1.events, r2.events], [[], []]);
  assert.deepEqual(registrar.contactsOf('alice', 'example.com'), kept);
  store.failing = false;
  const ok = await phone.register({ contacts: ['<sip:d@192.0.2.10>'] });
  assert.equal(ok.response.status, 200);
  assert.deepEqual(store.inner.loadBindings(0).map((b) => b.contact), ['sip:a@192.0.2.10', 'sip:d@192.0.2.10']);
});

test('load() restores unexpired bindings from the store and deletes expired ones; close() refuses later requests', async () => {
  const { registrar, clock, store } = setup();
  const phone = new TestPhone(registrar, 'alice', 'wonderland');
  await phone.register({ contacts: ['<sip:a@192.0.2.10>;expires=60', '<sip:b@192.0.2.10>;expires=3600'] });
  await registrar.close();
  const closed = await phone.register({ contacts: ['<sip:c@192.0.2.10>'] });
  assert.equal(closed.response.status, 503);
  clock.t += 120_000;
  const fresh = new Registrar({ domains: ['example.com'], users: () => undefined, now: () => clock.t, store });
  assert.equal(await fresh.load(), 1);
  assert.deepEqual(fresh.contactsOf('alice', 'example.com').map((b) => b.contact), ['sip:b@192.0.2.10']);
  assert.equal(store.size, 1);
});

test('bad options are refused at construction', () => {
  const users = (): undefined => undefined;
  const bad: Array<[Partial<RegistrarOptions>, string]> = [
    [{ domains: [] }, 'domains'],
    [{ domains: ['bad host'] }, 'domains'],
    [{ minExpires: 0 }, 'minExpires'],
    [{ minExpires: 7200 }, 'minExpires'],
    [{ maxExpires: 30 }, 'maxExpires'],
    [{ defaultExpires: 10 }, 'defaultExpires'],
    [{ maxContacts: 0 }, 'maxContacts'],
    [{ realm: 'a\r\nb' }, 'realm'],
    [{ users: 'x' as unknown as RegistrarOptions['users'] }, 'users'],
  ];
  for (const [o, option] of bad) {
    assert.throws(() => new Registrar({ domains: ['example.com'], users, ...o }), (e: unknown) => e instanceof InvalidOptionError && e.option === option, option);
  }
  assert.doesNotThrow(() => new Registrar({ domains: ['192.0.2.1', '[2001:db8::1]', '2001:db8::2'], users }));
});

test('a phone behind NAT: the binding keeps the Contact as registered and its delivery target is the REGISTER source', async () => {
  const { registrar } = setup();
  const nat = { transport: 'udp' as const, address: '203.0.113.7', port: 40123, localAddress: '192.0.2.1', localPort: 5060 };
  const phone = new TestPhone(registrar, 'alice', 'wonderland', 'nat@192.168.1.10', nat);
  await phone.register({ contacts: ['<sip:alice@192.168.1.10:5060;line=kx7>'] });
  const [b] = registrar.contactsOf('alice', 'example.com');
  assert.equal(b!.contact, 'sip:alice@192.168.1.10:5060;line=kx7');
  assert.deepEqual(deliveryTarget(b!), { transport: 'udp', address: '203.0.113.7', port: 40123, viaSource: true, localAddress: '192.0.2.1', localPort: 5060 });
});

test('handle answers synchronously unless a 200 must wait for its store write; `validated` skips only validateRequest', async () => {
  const { registrar, store } = setup();
  const challenge = registrar.handle(register({ contacts: ['<sip:a@192.0.2.10>'] }), SOURCE);
  assert.ok(!(challenge instanceof Promise));
  assert.equal(challenge.response.status, 401);
  assert.deepEqual(challenge.events, []);
  // a Require the registrar does not support: 420 unless the caller says it validated the request already
  const require = register({ contacts: ['<sip:a@192.0.2.10>'], extra: [['Require', 'gruu']] });
  const refused = registrar.handle(require, SOURCE);
  assert.ok(!(refused instanceof Promise));
  assert.equal(refused.response.status, 420);
  assert.deepEqual(refused.response.headers.getAll('Unsupported'), ['gruu']);
  const trusted = registrar.handle(require, SOURCE, true);
  assert.ok(!(trusted instanceof Promise));
  assert.equal(trusted.response.status, 401);
  // not a REGISTER: validated or not, it is checked (501)
  const options = register({ contacts: ['<sip:a@192.0.2.10>'] });
  options.method = 'OPTIONS';
  const notRegister = registrar.handle(options, SOURCE, true);
  assert.ok(!(notRegister instanceof Promise));
  assert.equal(notRegister.response.status, 501);
  // with credentials: a promise that settles once the binding is stored
  const client = new DigestClient({ username: 'alice', password: 'wonderland' });
  const creds = client.respond(challenges(challenge.response), 'REGISTER', 'sip:example.com');
  assert.ok(creds.ok);
  const pending = registrar.handle(register({ cseq: 2, contacts: ['<sip:a@192.0.2.10>'], authorization: creds.value }), SOURCE, true);
  assert.ok(pending instanceof Promise);
  assert.equal(store.size, 0, 'not written before the batch runs');
  const ok = await pending;
  assert.equal(ok.response.status, 200);
  assert.deepEqual(ok.events.map((e) => e.type), ['registered']);
  assert.equal(store.size, 1);
});
