// The x-buttons block stored beside each desired key's JSON state (migration 2), and encodedKeySets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeXButtonsBlock } from '../../../src/snom/x-buttons.js';
import type { SkippedKeyRow } from '../../../src/store/key-state-table.js';
import { MIGRATIONS, migrate } from '../../../src/store/migrations.js';
import { openDatabase } from '../../../src/store/sqlite-driver.js';
import { openStore } from '../../../src/store/sqlite-store.js';

const T0 = 1_700_000_000_000;
const HOST = 'pbx.example.com';

function storeFile(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'snomctl-blocks-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'snomctl.db');
}

function blocks(file: string): Array<[string, string, string | null]> {
  const db = openDatabase(file);
  const rows = db.prepare<{ user: string; key: string; block: string | null }>('SELECT user, key, block FROM desired_keys ORDER BY user, key').all();
  db.close();
  return rows.map((r) => [r.user, r.key, r.block]);
}

test('putDesiredKeys stores each key\'s block; encodedKeySets pages owners in order with blocks in natural key order', (t) => {
  const file = storeFile(t);
  const store = openStore({ path: file, now: () => T0, checkpoints: 'inline' });
  t.after(() => store.close());
  const states = [{ key: '10', light: 'on' as const, label: 'Ten' }, { key: '2', label: 'Two' }, { key: '1', light: 'off' as const }];
  store.keys.putDesiredKeys('internal', '200', HOST, states);
  store.keys.putDesiredKeys('internal', '201', HOST, [{ key: 'P1', label: 'x' }]);
  store.keys.putDesiredKeys('other', '200', HOST, [{ key: '5', label: 'elsewhere' }]);
  store.keys.recordDeliveries([{ profile: 'internal', user: '200', host: HOST, key: '2', contact: 'sip:200@192.0.2.5', status: 'delivered', version: 2, at: T0 }]);
  assert.deepEqual(blocks(file).filter(([u]) => u === '200').map(([, k, b]) => [k, b]).sort(), [
    ['1', 'k=1\r\nc=off\r\n'], ['10', 'k=10\r\nc=on\r\nl=Ten\r\n'], ['2', 'k=2\r\nl=Two\r\n'], ['5', 'k=5\r\nl=elsewhere\r\n'],
  ]);

  const first = store.keys.encodedKeySets('internal', undefined, 1);
  assert.equal(first.length, 1);
  assert.deepEqual({ ...first[0]!, delivered: [...first[0]!.delivered].map(([c, m]) => [c, [...m]]) }, {
    profile: 'internal', user: '200', host: HOST,
    keys: [
      { key: '1', version: 3, block: 'k=1\r\nc=off\r\n' },
      { key: '2', version: 2, block: 'k=2\r\nl=Two\r\n' },
      { key: '10', version: 1, block: 'k=10\r\nc=on\r\nl=Ten\r\n' },
    ],
    delivered: [['sip:200@192.0.2.5', [['2', 2]]]],
  });
  const next = store.keys.encodedKeySets('internal', first[0], 10);
  assert.deepEqual(next.map((s) => [s.user, s.keys, s.delivered.size]), [['201', [{ key: 'P1', version: 4, block: 'k=P1\r\nl=x\r\n' }], 0]]);
  // the same owners and versions as ownerKeySets, whose states encode to the same blocks
  const plain = store.keys.ownerKeySets('internal', undefined, 10);
  assert.deepEqual(plain.map((s) => s.keys.map((k) => ({ key: k.key, version: k.version, block: encodeXButtonsBlock(k.state) }))), [...first, ...next].map((s) => s.keys));
});

test('a state written without its block (another program) is read from the state; corrupt states and blocks are skipped and reported', (t) => {
  const file = storeFile(t);
  const store = openStore({ path: file, now: () => T0, checkpoints: 'inline' });
  store.keys.putDesiredKeys('internal', '200', HOST, ['1', '2', '3', '4', '5', '6', '7'].map((key) => ({ key, light: 'on' as const, label: `L${key}` })));
  store.close();
  const db = openDatabase(file);
  const setState = db.prepare("UPDATE desired_keys SET state = ? WHERE user = '200' AND key = ?");
  setState.run('{"key":"2","light":"off","label":"changed"}', '2'); // valid, but the block no longer matches: cleared
  setState.run('{"key":"3","light":', '3'); // not JSON
  setState.run('{"key":"4","light":"on","label":"a\\r\\nX-Injected: 1"}', '4');
  const setBlock = db.prepare("UPDATE desired_keys SET block = ? WHERE user = '200' AND key = ?");
  setBlock.run('k=5\r\nl=a\r\nX-Injected: 1\r\n\r\nk=9\r\n', '5'); // an empty line inside
  setBlock.run('k=1\r\nc=on\r\n', '6'); // another key's block
  setBlock.run('k=7\r\nl=a\tb\r\n', '7'); // a TAB
  db.close();
  assert.deepEqual(blocks(file).map(([, k, b]) => [k, b === null]), [['1', false], ['2', true], ['3', true], ['4', true], ['5', false], ['6', false], ['7', false]]);

  const skipped: SkippedKeyRow[] = [];
  const again = openStore({ path: file, now: () => T0, onSkippedRow: (row) => skipped.push(row) });
  t.after(() => again.close());
  const [set] = again.keys.encodedKeySets('internal', undefined, 10);
  assert.deepEqual(set!.keys, [
    { key: '1', version: 1, block: 'k=1\r\nc=on\r\nl=L1\r\n' },
    { key: '2', version: 2, block: 'k=2\r\nc=off\r\nl=changed\r\n' },
  ]);
  assert.deepEqual(skipped.map((s) => [s.profile, s.user, s.host, s.key]).sort(), ['3', '4', '5', '6', '7'].map((k) => ['internal', '200', HOST, k]));
  const problem = new Map(skipped.map((s) => [s.key, s.problem]));
  assert.equal(problem.get('3'), 'not valid JSON');
  assert.match(problem.get('4')!, /control character \(CR at position 1\)/);
  for (const k of ['5', '6', '7']) assert.equal(problem.get(k), 'the stored x-buttons block is not well formed');
  // a throwing listener does not stop the read
  const throwing = openStore({ path: file, onSkippedRow: () => {
    throw new Error('listener bug');
  } });
  assert.equal(throwing.keys.encodedKeySets('internal', undefined, 10)[0]!.keys.length, 2);
  throwing.close();
});

test('upgrade: a version-1 store gets the blocks of its valid states; an invalid one keeps none and is skipped on read', (t) => {
  const file = storeFile(t);
  const db = openDatabase(file);
  assert.equal(migrate(db, T0, MIGRATIONS.slice(0, 1)), 1);
  const put = db.prepare("INSERT INTO desired_keys (profile, user, host, key, version, state, updated_at) VALUES ('internal', ?, ?, ?, ?, ?, ?)");
  put.run('200', HOST, '1', 1, JSON.stringify({ key: '1', light: 'on', label: 'Old' }), T0);
  put.run('200', HOST, '2', 2, JSON.stringify({ key: '2', label: 'x', extra: [{ name: 'x-a', value: 'b' }] }), T0);
  put.run('201', HOST, '1', 3, '{"key":"1","light":"purple"}', T0);
  db.prepare("UPDATE counters SET value = 3 WHERE name = 'key_version'").run();
  db.close();

  const skipped: SkippedKeyRow[] = [];
  const store = openStore({ path: file, now: () => T0 + 1, checkpoints: 'inline', onSkippedRow: (row) => skipped.push(row) });
  t.after(() => store.close());
  assert.equal(store.schemaVersion, MIGRATIONS.length);
  assert.deepEqual(blocks(file), [
    ['200', '1', 'k=1\r\nc=on\r\nl=Old\r\n'],
    ['200', '2', 'k=2\r\nl=x\r\nx-a=b\r\n'],
    ['201', '1', null],
  ]);
  const sets = store.keys.encodedKeySets('internal', undefined, 10);
  assert.deepEqual(sets.map((s) => [s.user, s.keys.map((k) => k.key)]), [['200', ['1', '2']], ['201', []]]);
  assert.deepEqual(skipped.map((s) => [s.user, s.key]), [['201', '1']]);
  assert.match(skipped[0]!.problem, /"purple" is not one of/);
  // a new write of the key stores its block again
  store.keys.putDesiredKeys('internal', '201', HOST, [{ key: '1', light: 'off' }]);
  assert.deepEqual(store.keys.encodedKeySets('internal', { user: '200', host: HOST }, 10)[0]!.keys, [{ key: '1', version: 4, block: 'k=1\r\nc=off\r\n' }]);
});

test('natural key order for few and many keys: plain numbers by value, then the numeric collator', (t) => {
  const store = openStore({ path: ':memory:', now: () => T0 });
  t.after(() => store.close());
  const reference = (keys: string[]): string[] => {
    const plain = /^(?:0|[1-9][0-9]{0,14})$/u;
    const collator = new Intl.Collator('en', { numeric: true });
    // the rows come in the primary key's (binary) order; the natural sort is stable
    return [...keys].sort().sort((x, y) => (plain.test(x) && plain.test(y) ? x.length - y.length || (x < y ? -1 : x > y ? 1 : 0) : collator.compare(x, y)));
  };
  const few = ['10', '2', '010', '0', '1', 'P1', 'p10', 'P2', 'a', '999999999999999', '1000000000000000', '00', 'x-1'];
  const many = [...few, ...Array.from({ length: 30 }, (_, i) => String((i * 7919) % 1000)).filter((k) => !few.includes(k))];
  for (const [user, keys] of [['few', few], ['many', many]] as const) {
    store.keys.putDesiredKeys('internal', user, HOST, [...new Set(keys)].map((key) => ({ key })));
    const expected = reference([...new Set(keys)]);
    assert.deepEqual(store.keys.desiredKeys('internal', user, HOST).map((k) => k.key), expected);
    const set = store.keys.encodedKeySets('internal', undefined, 10).find((s) => s.user === user)!;
    assert.deepEqual(set.keys.map((k) => k.key), expected);
  }
});
