import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhoneState } from '../../../../src/sim/phone-state.js';
import { SNOM_PAGES, escapeHtml, type PageResponse } from '../../../../src/sim/web/snom-pages.js';
import { parseQuery } from '../../../../src/sim/web/query.js';
import { FakeTime } from '../fake-time.js';

function call(state: PhoneState, path: string, query: string): PageResponse {
  const params = parseQuery(query);
  assert.ok(params.ok, query);
  return SNOM_PAGES.get(path)!(params.value, state);
}

function phone(): { state: PhoneState; time: FakeTime } {
  const time = new FakeTime();
  return { state: new PhoneState({ clock: time.clock, timers: time.timers }), time };
}

test('command.htm key= queues the sequence; it runs only after the answer', () => {
  const { state, time } = phone();
  const r = call(state, '/command.htm', 'key=ENTER%2C10%3B%23%3B%2A');
  assert.equal(r.status, 200);
  assert.equal(state.snapshot().presses.length, 0);
  time.advance(100);
  assert.deepEqual(state.snapshot().presses.map((p) => [p.name, p.source]), [['ENTER', 'http'], ['#', 'http'], ['*', 'http']]);
});

test('command.htm: unknown keys answer 400 naming the key, escaped', () => {
  const { state } = phone();
  const r = call(state, '/command.htm', 'key=ENTER%3B%3Cb%3E');
  assert.equal(r.status, 400);
  assert.match(String(r.body), /key 2: unknown key &quot;&lt;b&gt;&quot;/);
});

test('command.htm number= dials and redirects to /index.htm', () => {
  const { state } = phone();
  const r = call(state, '/command.htm', 'number=0301234&outgoing_uri=sip%3A100%40pbx');
  assert.equal(r.status, 302);
  assert.equal(r.headers?.Location, '/index.htm');
  assert.deepEqual(state.activeCalls().map((c) => [c.number, c.outgoingUri, c.origin]), [['0301234', 'sip:100@pbx', 'http']]);
  assert.equal(call(state, '/command.htm', 'number=').status, 400);
  assert.equal(call(state, '/command.htm', 'number=1%0D%0A2').status, 400);
});

test('command.htm other commands', () => {
  const { state } = phone();
  const seen: string[] = [];
  state.on('dtmf', ({ digits }) => seen.push(`dtmf ${digits}`));
  state.on('releaseAllCalls', () => seen.push('release'));
  state.on('reregister', ({ line }) => seen.push(`rereg ${line}`));
  state.on('logOff', ({ line }) => seen.push(`logoff ${line}`));
  for (const q of ['key_dtmf=12%23', 'RELEASE_ALL_CALLS', 'REREGISTER=2', 'LOGOFFLINE=12', 'LOGOFFALL', 'touch=10+20+p', '', 'unknown=1']) {
    assert.equal(call(state, '/command.htm', q).status, 200, q);
  }
  assert.deepEqual(seen, ['dtmf 12#', 'release', 'rereg 2', 'logoff 12', 'logoff all']);
  for (const q of ['key_dtmf=x', 'REREGISTER=13', 'REREGISTER=', 'LOGOFFLINE=1.5', 'touch=a', 'key=']) {
    assert.equal(call(state, '/command.htm', q).status, 400, q);
  }
});

test('advanced_update.htm answers first and reboots or resets afterwards', () => {
  const { state } = phone();
  state.applyXButtons([{ key: '1', light: 'on' }]);
  const r = call(state, '/advanced_update.htm', 'reboot=Reboot');
  assert.equal(r.status, 200);
  assert.equal(state.boots, 1);
  r.after?.();
  assert.equal(state.boots, 2);
  assert.equal(state.keyState('1'), undefined);
  const events: string[] = [];
  state.on('reset', () => events.push('reset'));
  call(state, '/advanced_update.htm', 'reset=Reset').after?.();
  assert.deepEqual(events, ['reset']);
  assert.equal(call(state, '/advanced_update.htm', '').after, undefined);
});

test('index.htm clears lists with 0 or clear', () => {
  const { state } = phone();
  state.dial('1');
  state.addCallListEntry('missed', '2');
  state.addCallListEntry('received', '3');
  assert.equal(call(state, '/index.htm', 'dialeddel=0').status, 200);
  assert.equal(call(state, '/index.htm', 'misseddel=clear&receiveddel=0').status, 200);
  assert.deepEqual(state.snapshot().lists, { dialed: [], missed: [], received: [] });
  assert.equal(call(state, '/index.htm', 'dialeddel=1').status, 400);
  assert.equal(call(state, '/index.htm', '').status, 200);
});

test('dummy.htm saves settings only with settings=save', () => {
  const { state } = phone();
  assert.equal(call(state, '/dummy.htm', 'user_realname1=Ann').status, 200);
  assert.equal(state.setting('user_realname1'), undefined);
  assert.equal(call(state, '/dummy.htm', 'settings=save&user_realname1=Ann+Lee&action_dnd_on_url=http%3A%2F%2Fx%2F%3Fm%3D%24mac&empty').status, 200);
  assert.deepEqual([state.setting('user_realname1'), state.setting('action_dnd_on_url'), state.setting('empty')], ['Ann Lee', 'http://x/?m=$mac', '']);
  assert.equal(call(state, '/dummy.htm', 'settings=save&a=1&Bad=2').status, 400);
  assert.equal(state.setting('a'), undefined);
  assert.equal(call(state, '/dummy.htm', 'settings=save&a=x%0Ay').status, 400);
});

test('line_login.htm plays ringers', () => {
  const { state } = phone();
  const rings: number[] = [];
  state.on('playRinger', ({ ringer }) => rings.push(ringer));
  assert.equal(call(state, '/line_login.htm', 'PLAY_RINGER:3=+Ringer').status, 200);
  assert.equal(call(state, '/line_login.htm', 'PLAY_RINGER:0=+Ringer').status, 400);
  assert.equal(call(state, '/line_login.htm', 'PLAY_RINGER:x=+Ringer').status, 400);
  assert.deepEqual(rings, [3]);
});

test('screen.bmp is an image/bmp', () => {
  const { state } = phone();
  const r = call(state, '/screen.bmp', '');
  assert.equal(r.headers?.['Content-Type'], 'image/bmp');
  assert.ok(Buffer.isBuffer(r.body));
  assert.equal((r.body as Buffer).toString('latin1', 0, 2), 'BM');
});

test('escapeHtml', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});
