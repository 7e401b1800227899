import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../../src/store/sqlite-driver.js';
import { openStore } from '../../../src/store/sqlite-store.js';
import type { SkippedKeyRow } from '../../../src/store/key-state-table.js';
import { InvalidOptionError } from '../../../src/util/errors.js';

const T0 = 1_700_000_000_000;
const HOST = 'pbx.example.com';

function storeFile(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'snomctl-corrupt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'snomctl.db');
}

/** Owner 200 gets keys 1..5; rows 2..5 are then damaged behind the store's back (another program, a bad restore). */
function damagedStore(file: string): void {
  const store = openStore({ path: file, now: () => T0, checkpoints: 'inline' });
  store.keys.putDesiredKeys('internal', '200', HOST, ['1', '2', '3', '4', '5'].map((key) => ({ key, light: 'on', label: `L${key}` })));
  store.keys.putDesiredKeys('internal', '201', HOST, [{ key: '1', light: 'off', label: 'ok' }]);
  store.keys.markDeliveries(['1', '2', '3'].map((key) => ({
    profile: 'internal', user: '200', host: HOST, key, contact: 'sip:200@192.0.2.5', status: 'pending' as const, version: 1, at: T0,
  })));
  store.close();
  const db = openDatabase(file);
  const set = db.prepare("UPDATE desired_keys SET state = ? WHERE user = '200' AND key = ?");
  set.run('{"key":"2","light":', '2'); // not JSON
  set.run('{"key":"3","light":"on","label":"a\\r\\nX-Injected: 1"}', '3'); // a CR LF in a label
  set.run('{"key":"4","light":"purple"}', '4'); // not a light
  set.run('[1,2]', '5'); // not an object
  db.close();
}

test('corrupt stored key rows are skipped on every read and reported, the valid ones are kept', (t) => {
  const file = storeFile(t);
  damagedStore(file);
  const skipped: SkippedKeyRow[] = [];
  const store = openStore({ path: file, now: () => T0, onSkippedRow: (row) => skipped.push(row) });
  t.after(() => store.close());

  assert.deepEqual(store.keys.desiredKeys('internal', '200', HOST).map((k) => [k.key, k.state]), [['1', { key: '1', light: 'on', label: 'L1' }]]);
  assert.deepEqual(skipped.map((s) => [s.user, s.key]), [['200', '2'], ['200', '3'], ['200', '4'], ['200', '5']]);
  assert.equal(skipped[0]!.problem, 'not valid JSON');
  assert.match(skipped[1]!.problem, /control character \(CR at position 1\)/);
  assert.match(skipped[2]!.problem, /"purple" is not one of/);
  assert.match(skipped[3]!.problem, /must be an object/);

  skipped.length = 0;
  const sets = store.keys.ownerKeySets('internal', undefined, 10);
  assert.deepEqual(sets.map((s) => [s.user, s.keys.map((k) => k.key)]), [['200', ['1']], ['201', ['1']]]);
  assert.deepEqual(skipped.map((s) => s.key).sort(), ['2', '3', '4', '5']);
  assert.deepEqual(skipped.map((s) => [s.profile, s.user, s.host]).filter(([, u]) => u !== '200'), []);

  skipped.length = 0;
  assert.deepEqual(store.keys.pendingKeys().map((p) => p.key), ['1']);
  assert.deepEqual(skipped.map((s) => s.key).sort(), ['2', '3']);
});

test('a throwing or absent skip listener does not stop a read; the option must be a function', (t) => {
  const file = storeFile(t);
  damagedStore(file);
  const throwing = openStore({ path: file, now: () => T0, onSkippedRow: () => {
    throw new Error('listener bug');
  } });
  assert.deepEqual(throwing.keys.ownerKeySets('internal', undefined, 10).map((s) => s.keys.length), [1, 1]);
  throwing.close();
  const silent = openStore({ path: file, now: () => T0 });
  assert.deepEqual(silent.keys.desiredKeys('internal', '200', HOST).map((k) => k.key), ['1']);
  silent.close();
  assert.throws(() => openStore({ path: file, onSkippedRow: 'log' as never }), InvalidOptionError);
});
