// EventSubscriptions and ListenerSet: the parts split out of FreeswitchConnection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSubscriptions, isEventName, subscriptionCommand } from '../../../src/esl/event-subscriptions.js';
import { ListenerSet } from '../../../src/esl/listener-set.js';

test('subscriptions: only new names are returned, malformed ones refuse the whole call, BACKGROUND_JOB always', () => {
  const s = new EventSubscriptions();
  assert.deepEqual(s.add({ events: ['CHANNEL_CREATE', 'BACKGROUND_JOB'], subclasses: ['sofia::register'] }), { events: ['CHANNEL_CREATE'], subclasses: ['sofia::register'] });
  assert.deepEqual(s.add({ subclasses: ['sofia::register', 'snom::api'] }), { events: [], subclasses: ['snom::api'] });
  for (const bad of [{ events: ['CUSTOM'] }, { events: ['channel_create'] }, { events: ['X Y'] }, { subclasses: ['a b'] }, { subclasses: ['x\r\nauth y'] }, { subclasses: [''] }]) {
    assert.equal(s.add(bad), undefined, JSON.stringify(bad));
  }
  assert.deepEqual(s.all(), { events: ['BACKGROUND_JOB', 'CHANNEL_CREATE'], subclasses: ['sofia::register', 'snom::api'] });
  assert.equal(subscriptionCommand('plain', s.all())?.toString(), 'event plain BACKGROUND_JOB CHANNEL_CREATE CUSTOM sofia::register snom::api\n\n');
  assert.equal(subscriptionCommand('json', { events: ['HEARTBEAT'], subclasses: [] })?.toString(), 'event json HEARTBEAT\n\n');
  assert.equal(subscriptionCommand('plain', { events: [], subclasses: [] }), undefined);
  assert.deepEqual(['SEND_MESSAGE', 'CUSTOM', 'send_message', '1X', ''].map(isEventName), [true, true, false, false, false]);
});

test('listener set: every listener runs even when one throws; removal works', () => {
  const errors: unknown[] = [];
  const set = new ListenerSet<[number]>((e) => errors.push(e));
  const seen: string[] = [];
  const offA = set.add((n) => seen.push(`a${n}`));
  set.add(() => {
    throw new Error('boom');
  });
  set.add((n) => seen.push(`c${n}`));
  set.emit(1);
  offA();
  set.emit(2);
  assert.deepEqual(seen, ['a1', 'c1', 'c2']);
  assert.deepEqual(errors.map((e) => (e as Error).message), ['boom', 'boom']);
});
