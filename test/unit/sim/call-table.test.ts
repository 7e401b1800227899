import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallTable, callTransitionEvent } from '../../../src/sim/call-table.js';
import type { CallRecord, CallState } from '../../../src/sim/phone-state-types.js';

const call = (over: Partial<CallRecord>): CallRecord => ({
  id: 1, callId: 'c', direction: 'in', number: '1', origin: 'sip', state: 'ringing', startedAt: 0, dtmf: '', ...over,
});

test('transition events', () => {
  const cases: [Partial<CallRecord>, CallState, string | undefined][] = [
    [{ state: 'connected' }, 'ringing', 'connected'],
    [{ state: 'connected' }, 'dialling', 'connected'],
    [{ state: 'connected' }, 'connected', undefined],
    [{ state: 'connected' }, 'held', 'unhold'],
    [{ state: 'held' }, 'connected', 'hold'],
    [{ state: 'held' }, 'held', undefined],
    [{ state: 'ringing' }, 'dialling', undefined],
    [{ state: 'released', connectedAt: 5 }, 'connected', 'disconnected'],
    [{ state: 'released', connectedAt: 5 }, 'held', 'disconnected'],
    [{ state: 'released' }, 'ringing', 'missed'],
    [{ state: 'released', direction: 'out' }, 'dialling', undefined],
  ];
  for (const [over, previous, expected] of cases) {
    assert.equal(callTransitionEvent(call(over), previous), expected, `${JSON.stringify(over)} from ${previous}`);
  }
});

test('calls, lists and DTMF', () => {
  let now = 0;
  const table = new CallTable(10, () => now);
  const out = table.open({ direction: 'out', number: '100', origin: 'http', outgoingUri: undefined });
  assert.deepEqual(Object.keys(out).sort(), ['callId', 'direction', 'dtmf', 'id', 'number', 'origin', 'startedAt', 'state']);
  now = 10;
  const inc = table.open({ direction: 'in', number: '200', origin: 'sip', callId: 'x@y' });
  assert.equal(table.find('x@y')?.id, inc.id);
  assert.equal(table.setState(inc.id, 'connected')?.previous, 'ringing');
  assert.deepEqual(table.sendDtmf('9', 'http'), {
    record: { at: 10, digits: '9', source: 'http', callId: 'x@y' },
    call: { ...table.find('x@y')! },
  });
  assert.equal(table.find('x@y')?.dtmf, '9');
  now = 20;
  assert.equal(table.release(inc.id, 'bye')?.call.releasedAt, 20);
  assert.equal(table.release(inc.id, 'bye'), undefined);
  assert.equal(table.setState(inc.id, 'held'), undefined);
  assert.deepEqual(table.active().map((c) => c.id), [out.id]);
  const snap = table.snapshot();
  assert.deepEqual(snap.lists, { dialed: [{ at: 0, number: '100' }], missed: [], received: [{ at: 10, number: '200' }] });
  table.clearList('dialed');
  assert.deepEqual(table.snapshot().lists.dialed, []);
});
