import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhoneState } from '../../../src/sim/phone-state.js';
import type { ActionEventRequest, PhoneStateEvents, StateChange } from '../../../src/sim/phone-state-types.js';
import { InvalidOptionError } from '../../../src/util/errors.js';
import { FakeTime } from './fake-time.js';

function phone(options: ConstructorParameters<typeof PhoneState>[0] = {}): { state: PhoneState; time: FakeTime } {
  const time = new FakeTime();
  return { state: new PhoneState({ clock: time.clock, timers: time.timers, ...options }), time };
}

/** Collects the payloads of one event. */
function collect<K extends keyof PhoneStateEvents>(state: PhoneState, event: K): PhoneStateEvents[K][] {
  const out: PhoneStateEvents[K][] = [];
  (state.on as (e: K, l: (...args: PhoneStateEvents[K]) => void) => void)(event, (...args) => out.push(args));
  return out;
}

test('default panel: P1..P12 are button 1..12, stored as fkey settings', () => {
  const { state } = phone();
  const keys = state.functionKeys();
  assert.equal(keys.length, 12);
  assert.deepEqual(keys[0], { name: 'P1', type: 'button', value: '1', k: '1' });
  assert.deepEqual(keys[11], { name: 'P12', type: 'button', value: '12', k: '12' });
  assert.equal(state.setting('fkey0'), 'button 1');
  assert.equal(state.setting('fkey11'), 'button 12');
  assert.equal(state.setting('mac'), '000413000001');
});

test('a multi-block document sets several keys; defaults fill absent fields', () => {
  const { state, time } = phone();
  time.now = 42;
  const body = 'k=2\r\nc=on\r\nl=DND\r\nn=api+uuid_transfer abc 9001\r\na=message\r\n\r\nk=3\r\nc=pickup\r\no=green\r\nx-foo=bar\r\n';
  const r = state.applyXButtonsBody(body);
  assert.deepEqual(r, { ok: true, value: { applied: ['2', '3'], ignored: [] } });
  assert.deepEqual(state.keyState('2'), {
    k: '2', light: 'on', action: 'message', label: 'DND', number: 'api+uuid_transfer abc 9001', updatedAt: 42, updates: 1,
    block: { key: '2', light: 'on', label: 'DND', number: 'api+uuid_transfer abc 9001', action: 'message' },
  });
  assert.deepEqual(state.keyState('3'), {
    k: '3', light: 'pickup', action: 'invite', colour: 'green', updatedAt: 42, updates: 1,
    block: { key: '3', light: 'pickup', colour: 'green', extra: [{ name: 'x-foo', value: 'bar' }] },
  });
  assert.deepEqual(state.functionKeys()[1]?.state, state.keyState('2'));
});

test('absent properties take their defaults, they do not keep previous values (§2.1)', () => {
  const { state, time } = phone();
  state.applyXButtonsBody('k=2\nc=on\nl=DND\nn=100\na=message\no=red\n');
  time.now = 7;
  state.applyXButtonsBody('k=2\nl=Other\n');
  assert.deepEqual(state.keyState('2'), {
    k: '2', light: 'off', action: 'invite', label: 'Other', updatedAt: 7, updates: 2, block: { key: '2', label: 'Other' },
  });
  state.applyXButtonsBody('k=2\n');
  assert.deepEqual(state.keyState('2'), { k: '2', light: 'off', action: 'invite', updatedAt: 7, updates: 3, block: { key: '2' } });
});

test('a block for a key that is not a button is accepted, ignored and recorded', () => {
  const { state, time } = phone({ functionKeys: 6, buttons: '1-4' });
  time.now = 5;
  const r = state.applyXButtons([{ key: '7', light: 'on' }, { key: '2', light: 'hold' }, { key: 'dnd', light: 'on' }]);
  assert.deepEqual(r, {
    applied: ['2'],
    ignored: [
      { k: '7', reason: 'no function key is configured as "button 7"' },
      { k: 'dnd', reason: 'no function key is configured as "button dnd"' },
    ],
  });
  assert.equal(state.keyState('7'), undefined);
  assert.equal(state.keyState('2')?.light, 'hold');
  const snap = state.snapshot();
  assert.deepEqual(snap.ignored, [
    { at: 5, k: '7', reason: 'no function key is configured as "button 7"', block: { key: '7', light: 'on' } },
    { at: 5, k: 'dnd', reason: 'no function key is configured as "button dnd"', block: { key: 'dnd', light: 'on' } },
  ]);
  assert.deepEqual(snap.functionKeys.map((f) => `${f.name}:${f.type}`), ['P1:button', 'P2:button', 'P3:button', 'P4:button', 'P5:none', 'P6:none']);
  // P5 exists but is not a button: it addresses nothing.
  assert.equal(state.applyXButtons([{ key: '5', light: 'on' }]).ignored.length, 1);
});

test('explicit button indexes: k addresses the key configured as that button', () => {
  const { state } = phone({ functionKeys: 3, buttons: { P1: '7', P3: 'dnd' } });
  const r = state.applyXButtons([{ key: '7', light: 'on', label: 'Seven' }, { key: 'dnd', light: 'offline' }, { key: '1' }]);
  assert.deepEqual(r.applied, ['7', 'dnd']);
  assert.deepEqual(r.ignored.map((i) => i.k), ['1']);
  assert.deepEqual(state.functionKeys().map((f) => [f.name, f.k, f.state?.light]), [['P1', '7', 'on'], ['P2', undefined, undefined], ['P3', 'dnd', 'offline']]);
});

test('a bad x-buttons body changes nothing and returns the parse error', () => {
  const { state } = phone();
  state.applyXButtons([{ key: '1', light: 'on' }]);
  const r = state.applyXButtonsBody('c=on\n');
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error.code, 'SNOM_ERR_XBUTTONS_PARSE');
  assert.equal(state.keyState('1')?.light, 'on');
});

test('fkey settings retype function keys live', () => {
  const { state } = phone({ functionKeys: 4 });
  state.applyXButtons([{ key: '2', light: 'on' }]);
  assert.deepEqual(state.saveSettings({ fkey1: 'line' }), { ok: true, value: ['fkey1'] });
  assert.deepEqual(state.bindingOf('p2'), { kind: 'function-key', functionKey: 'P2', type: 'line', value: '' });
  assert.equal(state.applyXButtons([{ key: '2', light: 'hold' }]).ignored.length, 1);
  state.saveSettings({ fkey3: 'button 2' });
  // The state of index 2 is shown on the key now configured for it.
  assert.deepEqual(state.functionKeys()[3], { name: 'P4', type: 'button', value: '2', k: '2', state: state.keyState('2') });
  assert.equal(state.keyState('2')?.light, 'on');
});

test('reboot forgets every key state and registration, keeps settings, emits reboot then setup', () => {
  const { state } = phone();
  state.applyXButtons([{ key: '1', light: 'on' }, { key: '2', light: 'hold' }]);
  state.saveSettings({ user_name1: '100' });
  state.setRegistration(1, { status: 'registered', aor: 'sip:100@pbx' });
  const order: string[] = [];
  state.on('reboot', () => order.push('reboot'));
  state.on('reset', () => order.push('reset'));
  state.on('actionEvent', ({ event }) => order.push(event));
  state.reboot('http');
  assert.deepEqual(order, ['reboot', 'setup']);
  assert.equal(state.keyState('1'), undefined);
  assert.equal(state.keyState('2'), undefined);
  assert.equal(state.functionKeys()[0]?.state, undefined);
  assert.equal(state.boots, 2);
  assert.equal(state.registration(1)?.status, 'unregistered');
  assert.equal(state.setting('user_name1'), '100');
  assert.deepEqual(state.snapshot().commands, [
    { at: 0, source: 'api', command: 'save-settings', detail: 'user_name1' },
    { at: 0, source: 'http', command: 'reboot' },
  ]);
});

test('reset restores the initial settings and empties the call lists, emitting reset then reboot', () => {
  const { state } = phone({ settings: { user_name1: '100' } });
  state.saveSettings({ user_name1: '200', fkey0: 'none' });
  state.dial('300');
  const order: string[] = [];
  state.on('reset', () => order.push('reset'));
  state.on('reboot', () => order.push('reboot'));
  state.reset();
  assert.deepEqual(order, ['reset', 'reboot']);
  assert.equal(state.setting('user_name1'), '100');
  assert.equal(state.setting('fkey0'), 'button 1');
  assert.deepEqual(state.snapshot().lists, { dialed: [], missed: [], received: [] });
  assert.equal(state.activeCalls().length, 0);
});

test('keyPressed carries the binding; a=message asks for a MESSAGE, a=invite dials, no n= does nothing', () => {
  const { state, time } = phone();
  state.applyXButtonsBody('k=2\nc=on\nl=DND\nn=api+uuid_transfer abc 9001\na=message\n\nk=3\nn=**700\n\nk=4\nc=on\n');
  const pressed = collect(state, 'keyPressed');
  const messages = collect(state, 'keyMessage');
  const dials = collect(state, 'dial');
  assert.equal(state.pressKeys('P2;p3;P4;P5').ok, true);
  time.advance(0);
  assert.deepEqual(pressed.map(([p]) => p.binding), [
    { kind: 'button', functionKey: 'P2', k: '2', light: 'on', action: 'message', label: 'DND', number: 'api+uuid_transfer abc 9001' },
    { kind: 'button', functionKey: 'P3', k: '3', light: 'off', action: 'invite', number: '**700' },
    { kind: 'button', functionKey: 'P4', k: '4', light: 'on', action: 'invite' },
    { kind: 'button', functionKey: 'P5', k: '5', light: 'off', action: 'invite' },
  ]);
  assert.equal(messages.length, 1);
  assert.deepEqual({ ...messages[0]![0], press: undefined }, { to: 'api+uuid_transfer abc 9001', functionKey: 'P2', k: '2', press: undefined });
  assert.equal(messages[0]![0].press.name, 'P2');
  assert.equal(dials.length, 1);
  const call = dials[0]![0];
  assert.equal(call.number, '**700');
  assert.equal(call.origin, 'key');
  assert.equal(call.functionKey, 'P3');
  assert.equal(call.state, 'dialling');
  assert.deepEqual(state.snapshot().lists.dialed, [{ at: 0, number: '**700' }]);
});

test('DND and hook keys change the phone and trigger their Action URL events', () => {
  const { state, time } = phone({ settings: { user_name1: '100', user_host1: 'pbx.example', user_realname1: 'Ann' } });
  const events = collect(state, 'actionEvent');
  state.pressKeys('DND;OFFHOOK;OFFHOOK;ONHOOK;SPEAKER;speaker;dnd');
  time.advance(0);
  assert.deepEqual(events.map(([e]) => e.event), ['dnd_on', 'offhook', 'onhook', 'offhook', 'onhook', 'dnd_off']);
  assert.equal(state.dnd, false);
  assert.equal(state.hook, 'onhook');
  assert.deepEqual(events[0]![0].vars, {
    local: '100@pbx.example', active_url: 'sip:100@pbx.example', active_user: '100', active_host: 'pbx.example',
    display_local: 'Ann', phone_ip: '', nr_ongoing_calls: '0',
  });
});

test('sequence timing follows Key,Time,Pause exactly (fake timers)', async () => {
  const { state, time } = phone();
  const r = state.pressKeys('enter,50,5000;cancel,50,1000');
  assert.ok(r.ok);
  const released = collect(state, 'keyReleased');
  assert.equal(state.snapshot().presses.length, 0, 'nothing is pressed before the timers run');
  time.advance(0);
  time.advance(10_000);
  assert.equal(await r.value.done, 'done');
  const presses = state.snapshot().presses.map(({ name, requested, holdMs, pauseMs, downAt, upAt, source }) => ({
    name, requested, holdMs, pauseMs, downAt, upAt, source,
  }));
  assert.deepEqual(presses, [
    { name: 'ENTER', requested: { holdMs: 50, pauseMs: 5000 }, holdMs: 50, pauseMs: 5000, downAt: 0, upAt: 50, source: 'api' },
    { name: 'CANCEL', requested: { holdMs: 50, pauseMs: 1000 }, holdMs: 50, pauseMs: 1000, downAt: 5050, upAt: 5100, source: 'api' },
  ]);
  assert.equal(released.length, 2);
});

test('absent times take the configured defaults; queued sequences run one after the other', () => {
  const { state, time } = phone({ defaultHoldMs: 30, defaultPauseMs: 20 });
  state.pressKeys('1;2,100', 'http');
  state.pressKeys([{ key: '#' }]);
  time.advance(1000);
  assert.deepEqual(state.snapshot().presses.map((p) => [p.name, p.sequenceId, p.requested, p.downAt, p.upAt]), [
    ['1', 1, {}, 0, 30],
    ['2', 1, { holdMs: 100 }, 50, 150],
    ['#', 2, {}, 170, 200],
  ]);
});

test('reboot cancels a running sequence: the held key is marked cancelled and the rest never runs', async () => {
  const { state, time } = phone();
  const first = state.pressKeys('1,500;2');
  const second = state.pressKeys('3');
  assert.ok(first.ok && second.ok);
  time.advance(100);
  state.reboot();
  time.advance(5000);
  assert.equal(await first.value.done, 'cancelled');
  assert.equal(await second.value.done, 'cancelled');
  const presses = state.snapshot().presses;
  assert.equal(presses.length, 1);
  assert.deepEqual([presses[0]!.name, presses[0]!.cancelled, presses[0]!.upAt], ['1', true, undefined]);
  assert.equal(time.pending, 0);
});

test('bad sequences are refused before anything runs', () => {
  const { state, time } = phone();
  const r = state.pressKeys('enter;bogus');
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error.reason, 'unknown-key');
  assert.equal(state.pressKeys([{ key: 'P1', pauseMs: 5 }]).ok, false);
  time.advance(100);
  assert.equal(state.snapshot().presses.length, 0);
});

test('dial, DTMF and RELEASE_ALL_CALLS', () => {
  const { state } = phone();
  assert.equal(state.sendDtmf('12#').ok, true);
  const dials = collect(state, 'dial');
  const actions = collect(state, 'actionEvent');
  const r = state.dial('0301234', { outgoingUri: 'sip:100@pbx', source: 'http' });
  assert.ok(r.ok);
  assert.deepEqual(dials.map(([c]) => c), [r.value]);
  assert.deepEqual({ ...r.value, callId: '' }, {
    id: 1, callId: '', direction: 'out', number: '0301234', outgoingUri: 'sip:100@pbx', origin: 'http', state: 'dialling', startedAt: 0, dtmf: '',
  });
  assert.match(r.value.callId, /^[0-9a-f]{24}@snom-sim$/);
  assert.equal(actions[0]![0].event, 'outgoing');
  assert.equal(actions[0]![0].vars.remote, '0301234');
  assert.equal(actions[0]![0].vars['call-id'], r.value.callId);
  assert.equal(actions[0]![0].vars.nr_ongoing_calls, '1');
  const dtmf = state.sendDtmf('5*');
  assert.deepEqual(dtmf, { ok: true, value: { at: 0, digits: '5*', source: 'api', callId: r.value.callId } });
  assert.equal(state.call(1)?.dtmf, '5*');
  assert.deepEqual(state.snapshot().dtmf.map((d) => d.digits), ['12#', '5*']);
  assert.equal(state.sendDtmf('5x').ok, false);
  assert.equal(state.dial('12 3').ok, false);
  assert.equal(state.dial('1\r\n2').ok, false);
  const released = collect(state, 'releaseAllCalls');
  assert.deepEqual(state.releaseAllCalls('http').map((c) => [c.id, c.state, c.releaseReason]), [[1, 'released', 'release-all-calls']]);
  assert.equal(released[0]![0].calls.length, 1);
  assert.equal(state.activeCalls().length, 0);
});

test('SIP-side call lifecycle triggers incoming, connected, hold, unhold, disconnected and missed', () => {
  const { state } = phone();
  const actions = collect(state, 'actionEvent');
  const a = state.incomingCall({ number: '200', callId: 'abc@host', displayName: 'Bob' });
  assert.equal(a.state, 'ringing');
  assert.equal(state.updateCall('abc@host', 'connected'), true);
  assert.equal(state.updateCall(a.id, 'held'), true);
  assert.equal(state.updateCall(a.id, 'connected'), true);
  assert.equal(state.releaseCall(a.id, 'bye'), true);
  assert.equal(state.releaseCall(a.id), false);
  const b = state.incomingCall({ number: '300' });
  state.releaseCall(b.id, 'cancel');
  assert.deepEqual(actions.map(([e]) => e.event), ['incoming', 'connected', 'hold', 'unhold', 'disconnected', 'incoming', 'missed']);
  assert.deepEqual(
    [actions[0]![0].vars.remote, actions[0]![0].vars.display_remote, actions[0]![0].vars['call-id']],
    ['200', 'Bob', 'abc@host'],
  );
  assert.equal(actions[4]![0].vars.cancel_reason, 'bye');
  const lists = state.snapshot().lists;
  assert.deepEqual(lists.received.map((e) => e.number), ['200']);
  assert.deepEqual(lists.missed.map((e) => e.number), ['300']);
});

test('registration slots: status changes trigger registration events; lines are checked', () => {
  const { state } = phone({ lines: 2, settings: { user_name2: '102', user_host2: 'pbx' } });
  const actions = collect(state, 'actionEvent');
  const r = state.setRegistration(2, { status: 'registered', aor: 'sip:102@pbx', expiresAt: 3600 });
  assert.deepEqual(r, { ok: true, value: { line: 2, status: 'registered', aor: 'sip:102@pbx', expiresAt: 3600, updatedAt: 0 } });
  state.setRegistration(2, { status: 'registered' });
  state.setRegistration(2, { status: 'failed', detail: '403' });
  state.setRegistration(2, { status: 'logged-off' });
  assert.deepEqual(actions.map(([e]) => e.event), ['registration', 'registration_failed', 'log_off']);
  assert.equal(actions[0]![0].vars.active_user, '102');
  assert.equal(state.setRegistration(3, { status: 'registered' }).ok, false);
  assert.equal(state.reregister(0).ok, false);
  const rereg = collect(state, 'reregister');
  const logOff = collect(state, 'logOff');
  assert.equal(state.reregister(2, 'http').ok, true);
  assert.equal(state.logOff('all').ok, true);
  assert.equal(state.logOff(1).ok, true);
  assert.deepEqual([rereg, logOff], [[[{ line: 2 }]], [[{ line: 'all' }], [{ line: 1 }]]]);
});

test('settings are checked, stored all or nothing, and their values never reach the command log', () => {
  const { state } = phone();
  const bad = state.saveSettings({ user_pass1: 'secret', user_name1: 'x\ny' });
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.doesNotMatch(bad.error.message, /secret|x\ny/);
  assert.equal(state.setting('user_pass1'), undefined);
  assert.equal(state.saveSettings({ 'Bad-Name': '1' }).ok, false);
  assert.deepEqual(state.saveSettings({ user_pass1: 'secret', action_dnd_on_url: 'http://x/?a=$mac' }), {
    ok: true, value: ['user_pass1', 'action_dnd_on_url'],
  });
  assert.equal(state.setting('user_pass1'), 'secret');
  assert.doesNotMatch(JSON.stringify(state.snapshot().commands), /secret/);
});

test('ringer, touch and list clearing are recorded', () => {
  const { state } = phone();
  const rings = collect(state, 'playRinger');
  assert.equal(state.playRinger(3, 'http').ok, true);
  assert.equal(state.playRinger(0).ok, false);
  assert.equal(state.touch('10 20 pr').ok, true);
  assert.equal(state.touch('10;20').ok, false);
  state.addCallListEntry('missed', '555');
  state.clearList('missed', 'http');
  assert.deepEqual(rings, [[{ ringer: 3 }]]);
  assert.deepEqual(state.snapshot().commands.map((c) => [c.command, c.detail ?? '', c.source]), [
    ['play-ringer', '3', 'http'],
    ['touch', '10 20 pr', 'api'],
    ['clear-list', 'missed', 'http'],
  ]);
  assert.deepEqual(state.snapshot().lists.missed, []);
});

test('a throwing listener is recorded, never thrown into the caller', () => {
  const { state, time } = phone();
  state.on('dial', () => {
    throw new Error('listener broke\r\nbadly');
  });
  let changedThrows = 0;
  state.on('changed', () => {
    changedThrows++;
    if (changedThrows === 1) throw new Error('changed broke');
  });
  assert.equal(state.dial('100').ok, true);
  time.advance(0);
  const errors = state.snapshot().errors.map((e) => [e.where, e.message]);
  assert.deepEqual(errors, [
    ['listener of changed', 'changed broke'],
    ['listener of dial', '"listener broke\\r\\nbadly"'],
  ]);
});

test('changed counts every change; the snapshot is plain JSON', () => {
  const { state } = phone();
  const changes: StateChange[] = [];
  state.on('changed', (c) => changes.push(c));
  state.applyXButtons([{ key: '1', light: 'on', extra: [{ name: 'x', value: 'y' }] }]);
  state.recordSipRequest({ method: 'MESSAGE', requestUri: 'sip:100@1.2.3.4;line=abc', body: 'k=1\r\n'.repeat(2000) });
  state.recordWebRequest({ method: 'GET', path: '/command.htm', query: 'key=ENTER', status: 200, user: 'admin' });
  state.setNetwork({ ip: '127.0.0.9', sipPort: 5060 });
  assert.deepEqual(changes, [{ seq: 1, what: 'keys' }, { seq: 2, what: 'sip' }, { seq: 3, what: 'web' }, { seq: 4, what: 'phone' }]);
  const snap = state.snapshot();
  assert.deepEqual(JSON.parse(JSON.stringify(snap)), snap);
  assert.equal(snap.seq, 4);
  assert.equal(snap.sipRequests[0]?.body?.length, 4096);
  assert.deepEqual(snap.network, { ip: '127.0.0.9', sipPort: 5060 });
  assert.equal(state.actionUrlVariables().phone_ip, '127.0.0.9');
  // A snapshot is a copy.
  (snap.keys['1'] as { light: string }).light = 'hold';
  assert.equal(state.keyState('1')?.light, 'on');
});

test('logs are bounded', () => {
  const { state } = phone({ maxLogEntries: 3 });
  for (let i = 0; i < 10; i++) state.recordSipRequest({ method: 'OPTIONS', requestUri: `sip:${i}@h` });
  assert.deepEqual(state.snapshot().sipRequests.map((r) => r.requestUri), ['sip:7@h', 'sip:8@h', 'sip:9@h']);
});

test('bad options are refused at construction', () => {
  const bad: ConstructorParameters<typeof PhoneState>[0][] = [
    { functionKeys: 0 }, { functionKeys: 1000 }, { buttons: '1-13' }, { buttons: '3-1' }, { buttons: 'a' },
    { buttons: [0] }, { buttons: { P1: '1', P2: '1' } }, { buttons: { X1: '1' } }, { buttons: { P1: 'a b' } },
    { lines: 13 }, { mac: '00:04:13' }, { settings: { 'A B': '1' } }, { settings: { x: 'a\nb' } },
    { defaultHoldMs: -1 }, { defaultPauseMs: 60_001 }, { maxLogEntries: 0 }, { model: '' },
  ];
  for (const options of bad) assert.throws(() => new PhoneState(options), InvalidOptionError, JSON.stringify(options));
});

test('triggerActionEvent merges the given variables over the state ones', () => {
  const { state } = phone();
  const got: ActionEventRequest[] = [];
  state.on('actionEvent', (e) => got.push(e));
  state.triggerActionEvent('connected', { remote: '9', phone_ip: '10.0.0.1' });
  assert.deepEqual(got, [{
    event: 'connected',
    vars: { local: '', active_url: '', active_user: '', active_host: '', display_local: '', phone_ip: '10.0.0.1', nr_ongoing_calls: '0', remote: '9' },
  }]);
});
