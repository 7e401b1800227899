// The registrar over the SQLite store: what was answered 200 survives a restart and a kill -9.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registrar } from '../../../src/registrar/registrar.js';
import { openStore } from '../../../src/store/sqlite-store.js';
import type { Binding } from '../../../src/registrar/binding.js';
import { TestPhone } from '../registrar/register-fixtures.js';

const T0 = 1_700_000_000_000;

function tempFile(t: { after: (fn: () => void) => void }, name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'snomctl-persist-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, name);
}

const byContact = (a: Binding, b: Binding): number => a.contact.localeCompare(b.contact);

test('bindings answered 200 are back after the registrar and the store are closed and reopened; expired ones are not', async (t) => {
  const file = tempFile(t, 'reg.db');
  const clock = { t: T0 };
  const store = openStore({ path: file, now: () => clock.t });
  const options = { domains: ['example.com'], users: store.users.directory(), now: () => clock.t };
  store.users.put({ user: 'alice', domain: 'example.com', password: 'wonderland' });
  store.users.put({ user: 'bob', domain: 'example.com', password: 'builder' });
  const registrar = new Registrar({ ...options, store: store.registrations });
  const alice = new TestPhone(registrar, 'alice', 'wonderland');
  const bob = new TestPhone(registrar, 'bob', 'builder', 'bob-call@192.0.2.20', { transport: 'tcp', address: '203.0.113.9', port: 41000 });
  assert.equal((await alice.register({ contacts: ['<sip:alice@192.168.1.10;line=a>;+sip.instance="<urn:uuid:a>";reg-id=1', '<sip:alice@192.168.1.10;line=b>;expires=60;q=0.7'], userAgent: 'snom D785' })).response.status, 200);
  assert.equal((await bob.register({ contacts: ['<sip:bob@192.168.1.20;transport=tcp>'], expires: 3600 })).response.status, 200);
  const before = [...registrar.bindings()].sort(byContact);
  assert.equal(before.length, 3);
  await registrar.close();
  store.close();

  clock.t += 61_000; // alice's line=b has expired
  const reopened = openStore({ path: file, now: () => clock.t });
  t.after(() => reopened.close());
  const restarted = new Registrar({ ...options, users: reopened.users.directory(), store: reopened.registrations });
  assert.equal(await restarted.load(), 2);
  assert.deepEqual([...restarted.bindings()].sort(byContact), before.filter((b) => b.expiresAt > clock.t));
  assert.equal(reopened.registrations.count(), 2, 'load() deleted the expired row');
  // and the reloaded registrar carries on: a refresh with the stored Call-ID and a higher CSeq
  const again = new TestPhone(restarted, 'alice', 'wonderland');
  again.cseq = alice.cseq;
  const refresh = await again.register({ contacts: ['<sip:alice@192.168.1.10;line=a>;+sip.instance="<urn:uuid:a>";reg-id=1'] });
  assert.deepEqual(refresh.events.map((e) => e.type), ['refreshed']);
  await restarted.close();
});

test('kill -9 in the middle of a write burst loses nothing that was acknowledged', async (t) => {
  const file = tempFile(t, 'crash.db');
  openStore({ path: file }).close(); // migrate first, so the child starts writing at once
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'crash-writer.ts'), file], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let acked = -1;
  let buffer = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buffer += d;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      if (lines.length > 0) acked = Number(lines.at(-1));
      if (acked >= 300) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.once('exit', () => resolve());
  });
  await exited;
  assert.ok(acked >= 300, `the writer acknowledged ${acked + 1} steps before it died`);
  const store = openStore({ path: file });
  t.after(() => store.close());
  const contacts = new Set(store.registrations.loadBindings(0).map((b) => b.contact));
  const keys = new Set(store.keys.desiredKeys('internal', 'crash', 'example.com').map((k) => k.key));
  for (let i = 0; i <= acked; i++) {
    assert.ok(contacts.has(`sip:crash@192.0.2.1;n=${i}`), `binding ${i}`);
    assert.ok(keys.has(`k${i}`), `key ${i}`);
  }
});
