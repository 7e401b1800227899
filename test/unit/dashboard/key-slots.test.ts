import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KeyStatusView } from '../../../dashboard/api-types.js';
import { deliverySummary, functionKeyOf, keySlots } from '../../../dashboard/key-slots.js';

type Record_ = KeyStatusView['deliveries'][number];
const rec = (contact: string, status: Record_['status'], version: number, current = true, reason?: string): Record_ => ({
  profile: 'internal', user: '1', host: 'h', key: '2', contact, status, version, at: 1, current, ...(reason === undefined ? {} : { reason }),
});
const status = (key: string, version: number, deliveries: Record_[] = []): KeyStatusView => ({
  desired: { key, version, state: { key, light: 'on' }, updatedAt: 1 }, deliveries,
});

test('keySlots: 1..12 always, up to the highest numeric key, then named keys sorted', () => {
  assert.deepEqual(keySlots([]).map((s) => s.key), ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']);
  const slots = keySlots([status('blf', 1), status('14', 2), status('2', 3), status('apple', 4)]);
  assert.deepEqual(slots.map((s) => s.key), ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13', '14', 'apple', 'blf']);
  assert.equal(slots[1]!.status!.desired.version, 3);
  assert.equal(slots[0]!.status, undefined);
  assert.equal(keySlots([status('02', 1), status('5000', 1)]).length, 14, 'keys that are no plain 1..999 number are named keys');
});

test('deliverySummary: delivered only when every contact has the desired version', () => {
  assert.deepEqual(deliverySummary(status('2', 5)), { state: 'none', text: 'not sent yet: no registered contact' });
  assert.deepEqual(deliverySummary(status('2', 5, [rec('a', 'delivered', 5)])), { state: 'delivered', text: 'delivered to the contact (v5)' });
  assert.deepEqual(deliverySummary(status('2', 5, [rec('a', 'delivered', 5), rec('b', 'delivered', 6)])), { state: 'delivered', text: 'delivered to all 2 contacts (v5)' });
  assert.deepEqual(deliverySummary(status('2', 5, [rec('a', 'delivered', 5), rec('b', 'pending', 4, false)])), { state: 'pending', text: 'pending: delivered to 1 of 2 contacts (v5)' });
  assert.deepEqual(deliverySummary(status('2', 5, [rec('a', 'failed', 5, true, '408 Request Timeout'), rec('b', 'delivered', 5)])),
    { state: 'failed', text: 'failed on 1 of 2 contacts: 408 Request Timeout' });
});

test('functionKeyOf: button <k> shows on P<k> by default', () => {
  assert.deepEqual(['1', '12', '999', '0', '1000', 'blf', '01'].map(functionKeyOf), ['P1', 'P12', 'P999', undefined, undefined, undefined, undefined]);
});
