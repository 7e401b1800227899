// The users table's lookup cache: every change is seen by the next lookup (and so by the next REGISTER).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registrar } from '../../../src/registrar/registrar.js';
import { openStore } from '../../../src/store/sqlite-store.js';
import { openDatabase } from '../../../src/store/sqlite-driver.js';
import { migrate } from '../../../src/store/migrations.js';
import { UserTable } from '../../../src/store/user-table.js';
import { TestPhone } from '../registrar/register-fixtures.js';

const T0 = 1_700_000_000_000;

function tempFile(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'snomctl-users-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'users.db');
}

test('get sees put and delete at once, unknown users included', (t) => {
  const store = openStore({ path: tempFile(t), now: () => T0 });
  t.after(() => store.close());
  const users = store.users;
  assert.equal(users.get('carol', 'example.com'), undefined);
  users.put({ user: 'carol', domain: 'example.com', password: 'one' });
  assert.equal(users.get('carol', 'EXAMPLE.com')?.password, 'one');
  assert.equal(users.get('carol', 'example.com')?.password, 'one');
  users.put({ user: 'carol', domain: 'example.com', password: 'two' });
  assert.equal(users.get('carol', 'example.com')?.password, 'two');
  users.put({ user: 'carol', domain: 'example.com', trustedNetworks: ['10.0.0.0/8'] });
  assert.deepEqual(users.get('carol', 'example.com'), { user: 'carol', domain: 'example.com', updatedAt: T0, trustedNetworks: ['10.0.0.0/8'] });
  assert.equal(users.delete('carol', 'example.com'), true);
  assert.equal(users.get('carol', 'example.com'), undefined);
});

test('get sees a change committed by another connection to the same file', (t) => {
  const file = tempFile(t);
  const store = openStore({ path: file, now: () => T0 });
  t.after(() => store.close());
  store.users.put({ user: 'dave', domain: 'example.com', password: 'old' });
  assert.equal(store.users.get('dave', 'example.com')?.password, 'old');
  assert.equal(store.users.get('erin', 'example.com'), undefined);
  const other = openDatabase(file);
  t.after(() => other.close());
  other.prepare("UPDATE users SET password = 'new' WHERE user = 'dave'").run();
  other.prepare("INSERT INTO users (user, domain, password, updated_at) VALUES ('erin', 'example.com', 'pw', 1)").run();
  assert.equal(store.users.get('dave', 'example.com')?.password, 'new');
  assert.equal(store.users.get('erin', 'example.com')?.password, 'pw');
  other.prepare("DELETE FROM users WHERE user = 'dave'").run();
  assert.equal(store.users.get('dave', 'example.com'), undefined);
});

test('users read inside a transaction that rolls back are not remembered', (t) => {
  const db = openDatabase(tempFile(t));
  t.after(() => db.close());
  migrate(db, T0);
  const users = new UserTable(db, () => T0);
  assert.throws(() => db.transaction(() => {
    users.put({ user: 'frank', domain: 'example.com', password: 'pw' });
    assert.equal(users.get('frank', 'example.com')?.password, 'pw');
    throw new Error('roll back');
  })(), /roll back/);
  assert.equal(users.get('frank', 'example.com'), undefined);
});

test('cached users cannot be changed by a caller', (t) => {
  const store = openStore({ path: tempFile(t), now: () => T0 });
  t.after(() => store.close());
  store.users.put({ user: 'gina', domain: 'example.com', password: 'pw', trustedNetworks: ['192.0.2.0/24'] });
  const u = store.users.get('gina', 'example.com')!;
  assert.throws(() => {
    (u as { password?: string }).password = 'other';
  }, TypeError);
  assert.throws(() => (u.trustedNetworks as string[]).push('0.0.0.0/0'), TypeError);
  assert.equal(store.users.get('gina', 'example.com')?.password, 'pw');
});

test('a REGISTER after a password change or a removal is judged by the new state', async (t) => {
  const store = openStore({ path: tempFile(t), now: () => T0 });
  t.after(() => store.close());
  store.users.put({ user: 'alice', domain: 'example.com', password: 'wonderland' });
  const registrar = new Registrar({ domains: ['example.com'], users: store.users.directory(), now: () => T0, store: store.registrations });
  t.after(() => registrar.close());
  const old = new TestPhone(registrar, 'alice', 'wonderland');
  assert.equal((await old.register()).response.status, 200);
  assert.equal((await old.register()).response.status, 200);

  store.users.put({ user: 'alice', domain: 'example.com', password: 'looking-glass' });
  assert.equal((await old.register()).response.status, 401);
  const renewed = new TestPhone(registrar, 'alice', 'looking-glass', 'renewed-call@192.0.2.10');
  assert.equal((await renewed.register()).response.status, 200);

  store.users.delete('alice', 'example.com');
  assert.equal((await renewed.register()).response.status, 401);
});
