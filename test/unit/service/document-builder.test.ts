import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildDocuments } from '../../../src/service/document-builder.js';
import { decodeXButtons } from '../../../src/snom/x-buttons.js';
import type { KeyState } from '../../../src/snom/key-state.js';

const x = (state: KeyState): { state: KeyState; format: 'x-buttons' } => ({ state, format: 'x-buttons' });

test('one key: a CRLF block; mod_snom format: mod_snom\'s exact LF bytes, with and without an action', () => {
  const [doc] = buildDocuments([x({ key: '2', light: 'on', label: 'DND' })], 1300);
  assert.equal(doc!.body.contentType, 'application/x-buttons');
  assert.equal(doc!.body.body.toString('latin1'), 'k=2\r\nc=on\r\nl=DND\r\n');
  const m = (state: KeyState): string => buildDocuments([{ state, format: 'mod_snom' }], 1300)[0]!.body.body.toString('utf8');
  assert.equal(m({ key: '2', light: 'on', label: 'DND', action: 'message', number: 'api+x 1' }), 'k=2\nc=on\nl=DND\nn=api+x 1\na=message\n');
  assert.equal(m({ key: '2', light: 'off', label: 'Ä' }), 'k=2\nc=off\nl=Ä\n\n');
  // what mod_snom could not express falls back to the Snom format
  assert.equal(m({ key: '2', light: 'on' }), 'k=2\r\nc=on\r\n');
  assert.equal(m({ key: '2', light: 'on', label: 'x', colour: 'red' }), 'k=2\r\nc=on\r\nl=x\r\no=red\r\n');
  assert.equal(m({ key: '2', light: 'on', label: 'x', action: 'invite' }), 'k=2\r\nc=on\r\nl=x\r\na=invite\r\n');
});

test('several keys: one multi-block document in order, split only where the size limit is reached', () => {
  const states = Array.from({ length: 5 }, (_, i) => x({ key: String(i + 1), light: 'on', label: `Key ${i + 1}` }));
  const block = 'k=1\r\nc=on\r\nl=Key 1\r\n'.length; // 20 bytes each
  const [one] = buildDocuments(states, 1300);
  assert.deepEqual(one!.indexes, [0, 1, 2, 3, 4]);
  assert.equal(one!.body.body.toString(), states.map((s) => `k=${s.state.key}\r\nc=on\r\nl=Key ${s.state.key}\r\n`).join('\r\n'));
  // two blocks + separator = 42 bytes: a limit of 42 holds two, 41 only one
  assert.deepEqual(buildDocuments(states, 2 * block + 2).map((d) => d.indexes), [[0, 1], [2, 3], [4]]);
  assert.deepEqual(buildDocuments(states, 2 * block + 1).map((d) => d.indexes), [[0], [1], [2], [3], [4]]);
  // a block larger than the limit travels alone
  const big = x({ key: '9', label: 'L'.repeat(200) });
  assert.deepEqual(buildDocuments([states[0]!, big, states[1]!], 100).map((d) => d.indexes), [[0], [1], [2]]);
  // mod_snom format never applies to several keys
  assert.match(buildDocuments(states.map((s) => ({ ...s, format: 'mod_snom' as const })), 1300)[0]!.body.body.toString(), /\r\n\r\nk=2/);
});

test('sizes are counted in UTF-8 bytes: a limit the UTF-16 bound exceeds still holds what fits exactly', () => {
  const states = [x({ key: '1', label: '€€' }), x({ key: '2', label: '€€' })];
  const block = Buffer.byteLength('k=1\r\nl=€€\r\n'); // 17 bytes, 13 UTF-16 units
  assert.deepEqual(buildDocuments(states, 2 * block + 2).map((d) => d.indexes), [[0, 1]]);
  assert.deepEqual(buildDocuments(states, 2 * block + 1).map((d) => d.indexes), [[0], [1]]);
  assert.equal(buildDocuments(states, 3 * 2 * 13 + 2)[0]!.body.body.toString(), 'k=1\r\nl=€€\r\n\r\nk=2\r\nl=€€\r\n');
  assert.deepEqual(buildDocuments([], 1300), []);
});

test('property: every document decodes back to its states and stays within the limit unless one block is larger', () => {
  const state = fc.record({
    key: fc.stringMatching(/^[A-Za-z0-9]{1,4}$/),
    light: fc.constantFrom('on', 'off', 'hold'),
    label: fc.string({ maxLength: 40 }).filter((s) => !/[\u0000-\u001f\u007f-\u009f]/.test(s) && !/[\ud800-\udfff]/.test(s)),
  });
  fc.assert(fc.property(fc.array(state, { minLength: 1, maxLength: 30 }), fc.integer({ min: 64, max: 600 }), (states, limit) => {
    const plain = states.map((s) => ({ ...s }) as KeyState);
    const docs = buildDocuments(plain.map(x), limit);
    const indexes = docs.flatMap((d) => d.indexes);
    assert.deepEqual(indexes, states.map((_, i) => i));
    for (const d of docs) {
      if (d.indexes.length > 1) assert.ok(d.body.body.length <= limit);
      const decoded = decodeXButtons(d.body.body);
      assert.ok(decoded.ok);
      assert.deepEqual(decoded.value, d.indexes.map((i) => plain[i]));
    }
  }), { numRuns: 10000 });
});

test('a control character that got past validation still never reaches a body', () => {
  assert.throws(() => buildDocuments([x({ key: '2', label: 'a\r\nEvil: 1' } as KeyState)], 1300), /l= value holds a control character/);
  assert.throws(() => buildDocuments([x({ key: '2', extra: [{ name: 'z', value: '\t' }] } as KeyState), x({ key: '3' })], 1300), /z= value/);
});

test('stored blocks (start-up re-sync) go as they are, mixed with states; a lone mod_snom one gets mod_snom\'s body', () => {
  const stored = (key: string, block: string) => ({ state: { key, block }, format: 'x-buttons' as const });
  const [doc] = buildDocuments([stored('1', 'k=1\r\nc=on\r\nl=A\r\n'), x({ key: '2', label: 'B' }), stored('3', 'k=3\r\nx-a=b\r\n')], 1300);
  assert.deepEqual(doc!.indexes, [0, 1, 2]);
  assert.equal(doc!.body.body.toString(), 'k=1\r\nc=on\r\nl=A\r\n\r\nk=2\r\nl=B\r\n\r\nk=3\r\nx-a=b\r\n');
  // sizes count the blocks' bytes
  assert.deepEqual(buildDocuments([stored('1', 'k=1\r\nl=€€€€\r\n'), stored('2', 'k=2\r\nl=€€€€\r\n')], 20).map((d) => d.indexes), [[0], [1]]);
  const mod = (block: string): string => buildDocuments([{ state: { key: '2', block }, format: 'mod_snom' }], 1300)[0]!.body.body.toString();
  assert.equal(mod('k=2\r\nc=on\r\nl=DND\r\na=message\r\nn=api+x 1\r\n'), 'k=2\nc=on\nl=DND\nn=api+x 1\na=message\n');
  assert.equal(mod('k=2\r\nc=on\r\n'), 'k=2\r\nc=on\r\n');
});
