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

test('retire keeps a compact Completed record: it matches its branch and method until its deadline, then expire frees the slot', () => {
  const table = new ClientTable<Tx>();
  const b0 = table.newBranch();
  const b1 = table.newBranch();
  const t0 = { key: b0 };
  const t1 = { key: b1 };
  table.add(t0);
  table.add(t1);
  assert.equal(table.retire(t0, 'MESSAGE', 5000), true);
  assert.equal(table.retire(t1, 'OPTIONS', 5100), true);
  assert.equal(table.size, 2, 'retired records still count');
  assert.equal(table.get(b0), undefined, 'a record is not a transaction');
  assert.deepEqual(table.values(), []);
  assert.equal(table.isRetired(b0, 'MESSAGE', 4999), true);
  assert.equal(table.isRetired(b0, 'MESSAGE', 5000), false, 'not at or after its deadline');
  assert.equal(table.isRetired(b0, 'OPTIONS', 0), false, 'the CSeq method must match');
  assert.equal(table.isRetired(b1, 'OPTIONS', 5099), true);
  // the same slot with another random part, another length or a non-canonical slot number
  const other = b0.slice(0, 7) + (b0[7] === 'A' ? 'B' : 'A') + b0.slice(8);
  assert.equal(table.isRetired(other, 'MESSAGE', 0), false);
  assert.equal(table.isRetired(b0.slice(0, -1) + '00', 'MESSAGE', 0), false);
  assert.equal(table.isRetired(b0.replace('z9hG4bK', 'z9hG4bk'), 'MESSAGE', 0), false);
  assert.equal(table.isRetired(`${b0.slice(0, 28)}..0`, 'MESSAGE', 0), false);
  assert.equal(table.expire(4999), 5000, 'the earliest deadline left');
  assert.equal(table.size, 2);
  assert.equal(table.expire(5000), 5100);
  assert.equal(table.size, 1);
  assert.equal(table.isRetired(b0, 'MESSAGE', 0), false, 'swept');
  assert.ok(table.newBranch().endsWith('.0'), 'the swept slot is reused');
  table.clearRetired();
  assert.equal(table.size, 0);
  assert.equal(table.isRetired(b1, 'OPTIONS', 0), false);
  assert.equal(table.expire(Infinity), Infinity);
});

test('retire refuses transactions without a slot of their own, and the record ring grows past its first size', () => {
  const table = new ClientTable<Tx>();
  const foreign = { key: 'z9hG4bKhand-made' };
  table.add(foreign);
  assert.equal(table.retire(foreign, 'MESSAGE', 1), false);
  assert.equal(table.get(foreign.key), foreign, 'left as it was');
  const branches: string[] = [];
  for (let i = 0; i < 300; i++) {
    const b = table.newBranch();
    const t = { key: b };
    table.add(t);
    assert.equal(table.retire(t, 'MESSAGE', 1000 + i), true);
    assert.equal(table.retire(t, 'MESSAGE', 1000 + i), false, 'once only');
    branches.push(b);
  }
  assert.equal(table.size, 301);
  assert.ok(branches.every((b, i) => table.isRetired(b, 'MESSAGE', 1000 + i - 1)));
  assert.equal(table.expire(1149), 1150);
  assert.equal(table.size, 151);
  assert.ok(branches.every((b, i) => table.isRetired(b, 'MESSAGE', 0) === i >= 150));
  assert.equal(table.expire(2000), Infinity);
  assert.equal(table.size, 1);
});

test('only the transaction of the branch made for a slot is retired: a hand-made key that lands in a reserved slot keeps its own timer', () => {
  const table = new ClientTable<Tx>();
  const made = table.newBranch();
  assert.ok(made.endsWith('.0'));
  // same shape and slot, another random part: it takes the reserved slot but is not the branch made for it
  const lookalike = { key: made.slice(0, 7) + (made[7] === 'A' ? 'B' : 'A') + made.slice(8) };
  table.add(lookalike);
  assert.equal(table.get(lookalike.key), lookalike);
  assert.equal(table.retire(lookalike, 'MESSAGE', 10), false);
  assert.equal(table.get(lookalike.key), lookalike, 'left as it was');
  table.delete(lookalike);
  // the slot is free again; the next branch made for it retires normally
  const again = table.newBranch();
  assert.ok(again.endsWith('.0'));
  const t = { key: again };
  table.add(t);
  assert.equal(table.retire(t, 'MESSAGE', 10), true);
  assert.equal(table.isRetired(again, 'MESSAGE', 9), true);
  assert.equal(table.isRetired(made, 'MESSAGE', 9), false, 'the first branch made for the slot is not the record');
});

test('get matches a branch made here exactly (also as another string object, e.g. sliced from a received message), and no variant of it', () => {
  const table = new ClientTable<Tx>();
  for (let i = 0; i < 40; i++) table.add({ key: table.newBranch() });
  const branch = table.newBranch();
  const tx = { key: branch };
  table.add(tx);
  assert.ok(branch.endsWith('.14'), 'slot 40 in base 36');
  const text = `SIP/2.0/UDP h;branch=${branch};rport`;
  const received = text.slice(text.indexOf('=') + 1, text.indexOf(';rport'));
  assert.equal(received, branch);
  assert.equal(table.get(received), tx);
  assert.equal(table.get(Buffer.from(branch, 'latin1').toString('latin1')), tx);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~Z';
  let variants = 0;
  for (let i = 0; i < branch.length; i++) {
    for (const c of alphabet) {
      if (c === branch[i]) continue;
      const v = branch.slice(0, i) + c + branch.slice(i + 1);
      assert.equal(table.get(v), undefined, v);
      variants++;
    }
  }
  assert.ok(variants > 2000);
  for (const v of [branch.slice(0, -1), `${branch}0`, branch.toUpperCase(), `${branch.slice(0, -3)}.014`, `x${branch.slice(1)}`]) {
    assert.equal(table.get(v), undefined, v);
  }
  table.delete(tx);
  assert.equal(table.get(branch), undefined);
});
