import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openStore, type SqliteStore } from '../../../src/store/sqlite-store.js';
import { MIGRATIONS, migrate, schemaVersion } from '../../../src/store/migrations.js';
import { openDatabase } from '../../../src/store/sqlite-driver.js';
import { StoreError } from '../../../src/store/store-error.js';
import { InvalidOptionError } from '../../../src/util/errors.js';
import type { Binding } from '../../../src/registrar/binding.js';

const T0 = 1_700_000_000_000;

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'snomctl-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function binding(contact: string, expiresAt: number, extra: Partial<Binding> = {}): Binding {
  return {
    aor: 'alice@example.com', user: 'alice', domain: 'example.com', contact, callId: 'call-1@192.0.2.10', cseq: 7, expiresAt,
    q: undefined, transport: 'udp', address: '203.0.113.7', port: 40123, localAddress: '192.0.2.1', localPort: 5060,
    userAgent: 'snom D785', instance: undefined, regId: undefined, firstRegistered: T0, lastRefreshed: T0, ...extra,
  };
}

test('a new store is migrated to the latest version once; WAL for files; reopening does not migrate again', (t) => {
  const file = path.join(tempDir(t), 'snomctl.db');
  const store = openStore({ path: file, now: () => T0 });
  assert.equal(store.schemaVersion, MIGRATIONS.length);
  assert.equal(store.journalMode, 'wal');
  store.close();
  assert.equal(store.open, false);
  store.close(); // twice is fine
  const db = openDatabase(file);
  assert.deepEqual(db.prepare('SELECT version, name, applied_at FROM schema_migrations').all(), MIGRATIONS.map((m) => ({ version: m.version, name: m.name, applied_at: T0 })));
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((r) => r.name);
  assert.deepEqual(tables, ['counters', 'desired_keys', 'key_deliveries', 'phones', 'registrations', 'schema_migrations', 'users']);
  db.close();
  const again = openStore({ path: file, now: () => T0 + 1 });
  again.close();
  const db2 = openDatabase(file);
  assert.equal(db2.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()!.n, MIGRATIONS.length);
  db2.close();
});

test('migrations apply in order, each atomically; a newer schema than the code knows is refused', (t) => {
  const file = path.join(tempDir(t), 'm.db');
  const db = openDatabase(file);
  const n = MIGRATIONS.length;
  assert.equal(migrate(db, T0), n);
  const next = { version: n + 1, name: 'add notes', sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);' };
  const broken = { version: n + 2, name: 'broken', sql: 'CREATE TABLE half (id INTEGER); INSERT INTO nowhere VALUES (1);' };
  assert.throws(() => migrate(db, T0, [...MIGRATIONS, next, broken]), /no such table: nowhere/);
  assert.equal(schemaVersion(db), n + 1, 'the next one applied, the broken one rolled back');
  assert.equal(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get(), undefined);
  assert.throws(() => migrate(db, T0, MIGRATIONS), (e: unknown) => e instanceof StoreError && e.reason === 'schema');
  db.close();
  assert.throws(() => openStore({ path: file }), (e: unknown) => e instanceof StoreError && e.reason === 'schema' && new RegExp(`schema version ${n + 1}`).test(e.message));
});

test('openStore refuses bad options and unopenable paths', (t) => {
  assert.throws(() => openStore({ path: '' }), InvalidOptionError);
  assert.throws(() => openStore({ path: ':memory:', synchronous: 'off' as 'full' }), InvalidOptionError);
  const missing = path.join(tempDir(t), 'no', 'such', 'dir', 'x.db');
  assert.throws(() => openStore({ path: missing }), (e: unknown) => e instanceof StoreError && e.reason === 'io');
});

test('bindings persist across close and reopen; expired ones are not loaded and are deleted by deleteExpiredBindings', (t) => {
  const file = path.join(tempDir(t), 'reg.db');
  const store = openStore({ path: file });
  const live = binding('sip:alice@192.168.1.10;line=kx7', T0 + 600_000, { q: 0.5, instance: '<urn:uuid:1>', regId: 1 });
  const other = binding('sip:alice@192.168.1.11', T0 + 600_000, { localAddress: undefined, localPort: undefined, userAgent: undefined, transport: 'tcp' });
  const dead = binding('sip:alice@192.168.1.12', T0 - 1);
  store.registrations.applyBindingChanges([{ kind: 'put', binding: live }, { kind: 'put', binding: other }, { kind: 'put', binding: dead }]);
  // the same contact with and without an instance are two rows
  const twin = binding('sip:alice@192.168.1.10;line=kx7', T0 + 1000);
  store.registrations.applyBindingChanges([{ kind: 'put', binding: twin }, { kind: 'delete', binding: twin }]);
  store.close();
  const reopened = openStore({ path: file });
  t.after(() => reopened.close());
  assert.equal(reopened.registrations.count(), 3);
  const loaded = reopened.registrations.loadBindings(T0);
  const byContact = (a: Binding, b: Binding): number => a.contact.localeCompare(b.contact);
  assert.deepEqual(loaded.sort(byContact), [live, other].sort(byContact));
  assert.equal(reopened.registrations.deleteExpiredBindings(T0), 1);
  assert.equal(reopened.registrations.count(), 2);
  // an updated binding replaces its row
  const refreshed = { ...live, cseq: 8, expiresAt: T0 + 900_000 };
  reopened.registrations.applyBindingChanges([{ kind: 'put', binding: refreshed }]);
  assert.deepEqual(reopened.registrations.loadBindings(T0).sort(byContact), [refreshed, other].sort(byContact));
});

test('applyBindingChanges is one transaction: a failing change undoes the ones before it', () => {
  const store = openStore({ path: ':memory:' });
  const a = binding('sip:a@192.0.2.1', T0 + 1000);
  const bad = { ...binding('sip:b@192.0.2.1', T0 + 1000), callId: null as unknown as string };
  assert.throws(() => store.registrations.applyBindingChanges([{ kind: 'put', binding: a }, { kind: 'put', binding: bad }]), /NOT NULL/);
  assert.equal(store.registrations.count(), 0);
  store.close();
});

test('applyBindingChanges: puts and deletes of one batch apply in order, the later change of a binding winning', () => {
  const store = openStore({ path: ':memory:' });
  const changes: Array<{ kind: 'put' | 'delete'; binding: Binding }> = [];
  for (let i = 0; i < 40; i++) changes.push({ kind: 'put', binding: binding(`sip:a${i}@192.0.2.1`, T0 + 1000 + i) });
  changes.push({ kind: 'delete', binding: binding('sip:a3@192.0.2.1', 0) });
  // the same binding twice in one run of puts: the later one wins
  for (let i = 0; i < 20; i++) changes.push({ kind: 'put', binding: binding(`sip:a${i % 10}@192.0.2.1`, T0 + 5000 + i, { cseq: 100 + i }) });
  changes.push({ kind: 'delete', binding: binding('sip:a39@192.0.2.1', 0) });
  store.registrations.applyBindingChanges(changes);
  const got = new Map(store.registrations.loadBindings(T0).map((b) => [b.contact, b]));
  assert.equal(got.size, 39);
  assert.deepEqual([got.get('sip:a3@192.0.2.1')?.cseq, got.get('sip:a3@192.0.2.1')?.expiresAt], [113, T0 + 5013]);
  assert.deepEqual([got.get('sip:a0@192.0.2.1')?.cseq, got.get('sip:a9@192.0.2.1')?.cseq], [110, 119]);
  assert.deepEqual(got.get('sip:a25@192.0.2.1'), binding('sip:a25@192.0.2.1', T0 + 1025));
  assert.equal(got.has('sip:a39@192.0.2.1'), false);
  store.close();
});

test('desired keys: one transaction per put, increasing versions, natural key order, JSON round trip', () => {
  let now = T0;
  const store = openStore({ path: ':memory:', now: () => now });
  const keys = store.keys;
  const v1 = keys.putDesiredKeys('internal', '200', 'PBX.example.com', [
    { key: '10', light: 'on', label: 'Queue', action: 'invite', number: 'sip:3000@pbx' },
    { key: '2', light: 'hold', label: 'DND', extra: [{ name: 'x-note', value: 'keep' }] },
  ]);
  assert.deepEqual(v1, [1, 2]);
  now += 5;
  const v2 = keys.putDesiredKeys('internal', '200', 'pbx.example.com', [{ key: '2', light: 'off' }]);
  assert.deepEqual(v2, [3]);
  assert.deepEqual(keys.desiredKeys('internal', '200', 'pbx.example.com'), [
    { profile: 'internal', user: '200', host: 'pbx.example.com', key: '2', version: 3, state: { key: '2', light: 'off' }, updatedAt: T0 + 5 },
    { profile: 'internal', user: '200', host: 'pbx.example.com', key: '10', version: 1, state: { key: '10', light: 'on', label: 'Queue', action: 'invite', number: 'sip:3000@pbx' }, updatedAt: T0 },
  ]);
  assert.deepEqual(keys.desiredKeys('internal', '201', 'pbx.example.com'), []);
  // a bad state anywhere in the set: nothing is written, no version is used
  assert.throws(() => keys.putDesiredKeys('internal', '200', 'pbx.example.com', [{ key: '3' }, { key: '4', label: 'a\nb' }]),
    (e: unknown) => e instanceof StoreError && e.reason === 'invalid' && /states\[1\]/.test(e.message));
  assert.throws(() => keys.putDesiredKeys('internal', '200', 'pbx.example.com', [{ key: '3' }, { key: '3' }]), StoreError);
  assert.throws(() => keys.putDesiredKeys('', '200', 'pbx.example.com', [{ key: '3' }]), StoreError);
  assert.deepEqual(keys.desiredKeys('internal', '200', 'pbx.example.com').map((k) => k.key), ['2', '10']);
  assert.deepEqual(keys.putDesiredKeys('internal', '200', 'pbx.example.com', [{ key: '3' }]), [4]);
  assert.equal(keys.deleteDesiredKeys('internal', '200', 'pbx.example.com', ['3', 'nope']), 1);
  assert.deepEqual(keys.putDesiredKeys('internal', '200', 'pbx.example.com', [{ key: '3' }]), [5], 'versions never repeat, even after a delete');
  store.close();
});

test('delivery state: pending, delivered, failed per contact; an older version never overwrites a newer one', () => {
  const store = openStore({ path: ':memory:' });
  const keys = store.keys;
  const owner = { profile: 'internal', user: '200', host: 'pbx.example.com' };
  const [v] = keys.putDesiredKeys(owner.profile, owner.user, owner.host, [{ key: '2', light: 'on' }]);
  const contactA = 'sip:200@192.0.2.10;line=a';
  const contactB = 'sip:200@192.0.2.11;line=b';
  assert.deepEqual(keys.markDeliveries([
    { ...owner, key: '2', contact: contactA, status: 'pending', version: v!, at: T0 },
    { ...owner, key: '2', contact: contactB, status: 'pending', version: v!, at: T0 + 1 },
  ]), [true, true]);
  assert.deepEqual(keys.pendingKeys(), [
    { ...owner, key: '2', contact: contactA, status: 'pending', version: 1, at: T0, desiredVersion: 1, state: { key: '2', light: 'on' } },
    { ...owner, key: '2', contact: contactB, status: 'pending', version: 1, at: T0 + 1, desiredVersion: 1, state: { key: '2', light: 'on' } },
  ]);
  assert.equal(keys.markDelivery({ ...owner, key: '2', contact: contactA, status: 'delivered', version: 1, at: T0 + 10 }), true);
  assert.equal(keys.markDelivery({ ...owner, key: '2', contact: contactB, status: 'failed', version: 1, at: T0 + 11, reason: '408 Request Timeout' }), true);
  const [v2] = keys.putDesiredKeys(owner.profile, owner.user, owner.host, [{ key: '2', light: 'off' }]);
  assert.equal(keys.markDelivery({ ...owner, key: '2', contact: contactA, status: 'pending', version: v2!, at: T0 + 20 }), true);
  // a late outcome of version 1 does not overwrite the pending version 2
  assert.equal(keys.markDelivery({ ...owner, key: '2', contact: contactA, status: 'delivered', version: 1, at: T0 + 21 }), false);
  assert.deepEqual(keys.deliveries(owner.profile, owner.user, 'PBX.example.com').sort((a, b) => a.contact.localeCompare(b.contact)), [
    { ...owner, key: '2', contact: contactA, status: 'pending', version: 2, at: T0 + 20 },
    { ...owner, key: '2', contact: contactB, status: 'failed', version: 1, at: T0 + 11, reason: '408 Request Timeout' },
  ]);
  assert.deepEqual(keys.pendingKeys().map((p) => [p.contact, p.version, p.desiredVersion, p.state]), [[contactA, 2, 2, { key: '2', light: 'off' }]]);
  // a bad record anywhere: nothing is written
  assert.throws(() => keys.markDeliveries([
    { ...owner, key: '2', contact: contactB, status: 'delivered', version: 2, at: T0 + 30 },
    { ...owner, key: '2', contact: contactB, status: 'failed', version: 2, at: T0 + 30 } as never,
  ]), StoreError);
  assert.equal(keys.deliveries(owner.profile, owner.user, owner.host).find((d) => d.contact === contactB)?.status, 'failed');
  assert.equal(keys.deleteDeliveries(owner.profile, owner.user, owner.host, contactB), 1);
  // deleting the desired key forgets its deliveries
  assert.equal(keys.deleteDesiredKeys(owner.profile, owner.user, owner.host), 1);
  assert.deepEqual(keys.deliveries(owner.profile, owner.user, owner.host), []);
  assert.deepEqual(keys.pendingKeys(), []);
  store.close();
});

test('recordDeliveries: many records per statement, same never-older rule and validation as markDeliveries', () => {
  const store = openStore({ path: ':memory:' });
  const keys = store.keys;
  const owner = { profile: 'internal', user: '200', host: 'pbx.example.com' };
  // 75 records: two full statements of 32 rows and a remainder of 11; the same key twice in one batch
  const marks = Array.from({ length: 75 }, (_, i) => ({
    ...owner, host: i === 0 ? 'PBX.Example.com' : owner.host, key: String(i % 70), contact: 'sip:200@192.0.2.10;line=a',
    status: (i % 3 === 0 ? 'failed' : 'delivered') as 'failed' | 'delivered', version: 10 + i, at: T0 + i,
    ...(i % 3 === 0 ? { reason: `408 Request Timeout ${i}` } : {}),
  }));
  keys.recordDeliveries(marks);
  const got = new Map(keys.deliveries(owner.profile, owner.user, owner.host).map((d) => [d.key, d]));
  assert.equal(got.size, 70);
  // key 0 was written twice (i = 0 and i = 70): the newer version stays
  assert.deepEqual(got.get('0'), { ...owner, key: '0', contact: 'sip:200@192.0.2.10;line=a', status: 'delivered', version: 80, at: T0 + 70 });
  assert.deepEqual(got.get('9'), { ...owner, key: '9', contact: 'sip:200@192.0.2.10;line=a', status: 'failed', version: 19, at: T0 + 9, reason: '408 Request Timeout 9' });
  assert.deepEqual(got.get('69'), { ...owner, key: '69', contact: 'sip:200@192.0.2.10;line=a', status: 'failed', version: 79, at: T0 + 69, reason: '408 Request Timeout 69' });
  // an older version does not overwrite; an equal one does
  keys.recordDeliveries([
    { ...owner, key: '5', contact: 'sip:200@192.0.2.10;line=a', status: 'pending', version: 1, at: T0 + 100 },
    { ...owner, key: '6', contact: 'sip:200@192.0.2.10;line=a', status: 'pending', version: 16, at: T0 + 100 },
  ]);
  const after = new Map(keys.deliveries(owner.profile, owner.user, owner.host).map((d) => [d.key, d]));
  assert.equal(after.get('5')?.status, 'delivered');
  assert.deepEqual([after.get('6')?.status, after.get('6')?.version], ['pending', 16]);
  // a bad record anywhere: nothing is written
  assert.throws(() => keys.recordDeliveries([
    { ...owner, key: '7', contact: 'sip:200@192.0.2.10;line=a', status: 'pending', version: 99, at: T0 },
    { ...owner, key: '8', contact: 'sip:x\r\n@192.0.2.10', status: 'pending', version: 99, at: T0 },
  ]), (e: unknown) => e instanceof StoreError && /marks\[1\]\.contact/.test(e.message));
  assert.equal(new Map(keys.deliveries(owner.profile, owner.user, owner.host).map((d) => [d.key, d])).get('7')?.version, 17);
  keys.recordDeliveries([]);
  store.close();
});

test('ownerKeySets: owners in (user, host) pages with their keys in natural order and their delivered versions', () => {
  const store = openStore({ path: ':memory:', now: () => T0 });
  const keys = store.keys;
  keys.putDesiredKeys('internal', 'b', 'pbx.example.com', [{ key: '10', light: 'on' }, { key: '2', label: 'two' }, { key: 'P1', light: 'off' }]);
  keys.putDesiredKeys('internal', 'a', 'pbx.example.com', [{ key: '1', light: 'on' }]);
  keys.putDesiredKeys('internal', 'a', 'other.example.com', [{ key: '1', light: 'off' }]);
  keys.putDesiredKeys('external', 'a', 'pbx.example.com', [{ key: '9', light: 'on' }]);
  keys.recordDeliveries([
    { profile: 'internal', user: 'b', host: 'pbx.example.com', key: '2', contact: 'sip:b@192.0.2.1', status: 'delivered', version: 2, at: T0 },
    { profile: 'internal', user: 'b', host: 'pbx.example.com', key: '10', contact: 'sip:b@192.0.2.1', status: 'failed', version: 1, at: T0, reason: 'x' },
    { profile: 'internal', user: 'b', host: 'pbx.example.com', key: '10', contact: 'sip:b@192.0.2.2', status: 'delivered', version: 1, at: T0 },
  ]);
  const first = keys.ownerKeySets('internal', undefined, 2);
  assert.deepEqual(first.map((o) => [o.user, o.host, o.keys.map((k) => k.key), [...o.delivered]]), [
    ['a', 'other.example.com', ['1'], []],
    ['a', 'pbx.example.com', ['1'], []],
  ]);
  assert.deepEqual(first[1]!.keys[0], { profile: 'internal', user: 'a', host: 'pbx.example.com', key: '1', version: 4, state: { key: '1', light: 'on' }, updatedAt: T0 });
  const second = keys.ownerKeySets('internal', first[1], 2);
  assert.equal(second.length, 1);
  assert.deepEqual(second[0]!.keys.map((k) => [k.key, k.version, k.state]), [
    ['2', 2, { key: '2', label: 'two' }], ['10', 1, { key: '10', light: 'on' }], ['P1', 3, { key: 'P1', light: 'off' }],
  ]);
  assert.deepEqual([...second[0]!.delivered].map(([c, m]) => [c, [...m]]).sort((x, y) => String(x[0]).localeCompare(String(y[0]))), [['sip:b@192.0.2.1', [['2', 2]]], ['sip:b@192.0.2.2', [['10', 1]]]]);
  assert.deepEqual(keys.ownerKeySets('internal', second[0], 2), []);
  assert.deepEqual(keys.ownerKeySets('nobody', undefined, 10), []);
  store.close();
});

test('users: CRUD, validation without leaking the password, and a directory for the registrar', () => {
  const store: SqliteStore = openStore({ path: ':memory:', now: () => T0 });
  const users = store.users;
  assert.deepEqual(users.put({ user: 'alice', domain: 'Example.COM', password: 's3cret' }), { user: 'alice', domain: 'example.com', password: 's3cret', updatedAt: T0 });
  users.put({ user: 'door', domain: 'example.com', trustedNetworks: ['192.0.2.0/24'] });
  users.put({ user: 'bob', domain: 'example.com', ha1: { MD5: 'A'.repeat(32), 'SHA-256': 'b'.repeat(64) } });
  assert.deepEqual(users.list().map((u) => u.user), ['alice', 'bob', 'door']);
  assert.deepEqual(users.get('bob', 'EXAMPLE.com')?.ha1, { MD5: 'a'.repeat(32), 'SHA-256': 'b'.repeat(64) });
  const dir = users.directory();
  assert.deepEqual(dir('door', 'example.com')?.trustedNetworks, ['192.0.2.0/24']);
  assert.equal(dir('carol', 'example.com'), undefined);
  const refusals: Array<[Parameters<typeof users.put>[0], RegExp]> = [
    [{ user: 'x', domain: 'example.com' }, /needs a password/],
    [{ user: 'x', domain: 'example.com', trustedNetworks: ['10.1.2.3/8'] }, /trustedNetworks/],
    [{ user: 'x', domain: 'example.com', ha1: { MD5: 'zz' } }, /ha1\.MD5/],
    [{ user: 'x\r\n', domain: 'example.com', password: 'leak-me-not' }, /user must not contain control characters/],
    [{ user: '', domain: 'example.com', password: 'leak-me-not' }, /user must be a string/],
  ];
  for (const [u, message] of refusals) {
    assert.throws(() => users.put(u), (e: unknown) => e instanceof StoreError && message.test(e.message) && !e.message.includes('leak-me-not'));
  }
  assert.equal(users.delete('alice', 'example.com'), true);
  assert.equal(users.delete('alice', 'example.com'), false);
  assert.equal(users.get('alice', 'example.com'), undefined);
  store.close();
});

test('phones: CRUD and validation of the web address', () => {
  const store = openStore({ path: ':memory:', now: () => T0 });
  const phones = store.phones;
  const p = { user: '200', domain: 'example.com', webAddress: '192.0.2.45:8080', scheme: 'https' as const, username: 'admin', password: 'pw', insecureTls: true };
  assert.deepEqual(phones.put(p), { ...p, updatedAt: T0 });
  phones.put({ user: '201', domain: 'example.com', webAddress: '[2001:db8::45]', scheme: 'http', insecureTls: false });
  assert.deepEqual(phones.get('201', 'Example.com'), { user: '201', domain: 'example.com', webAddress: '[2001:db8::45]', scheme: 'http', insecureTls: false, updatedAt: T0 });
  assert.deepEqual(phones.list().map((x) => x.user), ['200', '201']);
  for (const webAddress of ['192.0.2.45/cmd', 'a@b', 'host:0', 'host:70000', 'a b', 'h?x', '']) {
    assert.throws(() => phones.put({ ...p, webAddress }), (e: unknown) => e instanceof StoreError && /webAddress/.test(e.message), webAddress);
  }
  assert.throws(() => phones.put({ ...p, scheme: 'ftp' as 'http' }), StoreError);
  assert.equal(phones.delete('200', 'example.com'), true);
  assert.deepEqual(phones.list().map((x) => x.user), ['201']);
  store.close();
});

test('checkpoints: a worker thread moves committed WAL frames into the database file; inline leaves them to SQLite', async (t) => {
  const dir = tempDir(t);
  const sizes: Record<string, [number, number]> = {};
  for (const mode of ['background', 'inline'] as const) {
    const file = path.join(dir, `${mode}.db`);
    const store = openStore({ path: file, checkpoints: mode });
    assert.equal(store.backgroundCheckpoints, mode === 'background');
    const before = statSync(file).size;
    for (let i = 0; i < 200; i++) store.keys.putDesiredKeys('internal', `u${i}`, 'pbx.example.com', [{ key: '1', label: 'x'.repeat(200) }]);
    // a few checkpoint intervals (200 ms); the WAL stays far below SQLite's own thresholds
    await new Promise((r) => setTimeout(r, 800));
    sizes[mode] = [before, statSync(file).size];
    store.close();
    store.close();
    // everything is there after a reopen either way
    const again = openStore({ path: file, checkpoints: 'inline' });
    assert.equal(again.keys.desiredKeys('internal', 'u199', 'pbx.example.com').length, 1);
    again.close();
  }
  assert.ok(sizes.background![1] > sizes.background![0] + 50_000, JSON.stringify(sizes));
  assert.equal(sizes.inline![1], sizes.inline![0], JSON.stringify(sizes));
  assert.equal(openStore({ path: ':memory:' }).backgroundCheckpoints, false);
  assert.throws(() => openStore({ path: path.join(dir, 'x.db'), checkpoints: 'never' as never }), InvalidOptionError);
});
