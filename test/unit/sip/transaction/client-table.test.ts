import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientTable } from '../../../../src/sip/transaction/client-table.js';

interface Tx { readonly key: string }

test('branches carry a slot: add, get, delete and slot reuse', () => {
  const table = new ClientTable<Tx>();
  const b1 = table.newBranch();
  const b2 = table.newBranch();
  assert.match(b1, /^z9hG4bK[A-Za-z0-9_-]{22}\.0$/);
  assert.match(b2, /^z9hG4bK[A-Za-z0-9_-]{22}\.1$/);
  const t1 = { key: b1 };
  const t2 = { key: b2 };
  table.add(t1);
  table.add(t2);
  assert.equal(table.size, 2);
  assert.equal(table.get(b1), t1);
  assert.equal(table.get(b2), t2);
  assert.equal(table.get(`${b1.slice(0, -2)}x.0`), undefined, 'same slot, other branch');
  table.delete(t1);
  assert.equal(table.get(b1), undefined);
  assert.equal(table.size, 1);
  const b3 = table.newBranch();
  assert.ok(b3.endsWith('.0'), 'the freed slot is reused');
  assert.notEqual(b3, b1);
  table.add({ key: b3 });
  assert.equal(table.get(b1), undefined, 'an old branch does not match the slot’s new owner');
  table.delete(t1); // not there any more: no effect
  assert.equal(table.size, 2);
});

test('other branches go to a map; release gives a reserved slot back', () => {
  const table = new ClientTable<Tx>();
  const foreign = [{ key: 'z9hG4bKhand-made' }, { key: 'z9hG4bKdots.0' }, { key: 'x.zzzzzzzzzz' }];
  for (const t of foreign) table.add(t);
  for (const t of foreign) assert.equal(table.get(t.key), t);
  const b = table.newBranch();
  assert.ok(b.endsWith('.0'));
  table.release(b);
  assert.ok(table.newBranch().endsWith('.0'), 'released slot handed out again');
  assert.equal(table.size, 3);
  assert.deepEqual(new Set(table.values()), new Set(foreign));
  for (const t of foreign) table.delete(t);
  assert.equal(table.size, 0);
  assert.deepEqual(table.values(), []);
});
