import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ACTION_URL_EVENTS, ACTION_URL_SETTINGS, expandActionUrl, identityVariables, isActionUrlEvent,
} from '../../../src/sim/action-urls.js';

/** `s` with lone surrogates replaced by U+FFFD, as UTF-8 encoding does. */
const wellFormed = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');

const settings = { mac: '000413ABCDEF', user_name1: '100', macro: 'm' };

test('event settings are the names §4 lists', () => {
  assert.equal(ACTION_URL_SETTINGS.incoming, 'action_incoming_url');
  assert.equal(ACTION_URL_SETTINGS.registration, 'action_log_on_url');
  assert.equal(ACTION_URL_SETTINGS.registration_failed, 'action_reg_failed');
  assert.equal(ACTION_URL_SETTINGS.dnd_on, 'action_dnd_on_url');
  assert.equal(ACTION_URL_SETTINGS.hold, 'action_hold');
  assert.equal(ACTION_URL_EVENTS.length, 18);
  assert.equal(isActionUrlEvent('dnd_off'), true);
  assert.equal(isActionUrlEvent('toString'), false);
});

test('runtime variables, settings and SIP headers expand; values are escaped', () => {
  const r = expandActionUrl(
    'http://127.0.0.1:8080/ev?r=$remote&id=$call-id&m=$mac&mm=$macro&u=$user_name1&h=$sip_header(X-Test)&n=$nr_ongoing_calls',
    { remote: '+49 30&x=1', 'call-id': 'a@b', nr_ongoing_calls: '2' },
    { settings, sipHeaders: { 'x-test': 'v/1?' } },
  );
  assert.deepEqual(r, {
    ok: true,
    value: 'http://127.0.0.1:8080/ev?r=%2B49%2030%26x%3D1&id=a%40b&m=000413ABCDEF&mm=m&u=100&h=v%2F1%3F&n=2',
  });
});

test('unknown names keep their $, known ones without a value give empty text', () => {
  const r = expandActionUrl('http://h/?a=$unknown&b=$remote&c=$&d=$$local', {}, { settings: {} });
  assert.deepEqual(r, { ok: true, value: 'http://h/?a=$unknown&b=&c=$&d=$' });
});

test('the longest name wins; runtime variables win over settings of the same name', () => {
  const r = expandActionUrl('http://h/$mac/$macro/$remote', { remote: 'R' }, { settings: { ...settings, remote: 'S' } });
  assert.deepEqual(r, { ok: true, value: 'http://h/000413ABCDEF/m/R' });
});

test('the result must be an http(s) URL without control characters', () => {
  for (const template of ['ftp://h/x', 'javascript:alert(1)', '/relative', 'http://h/\n', '$remote']) {
    const r = expandActionUrl(template, { remote: 'http://evil/' }, { settings: {} });
    assert.equal(r.ok, false, template);
  }
});

test('no value can change the URL structure (property)', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (remote, header) => {
      const r = expandActionUrl('http://h:1/p/$remote?x=$sip_header(A)&y=1', { remote }, { settings: {}, sipHeaders: { A: header } });
      assert.ok(r.ok);
      const url = new URL(r.value);
      assert.equal(url.host, 'h:1');
      assert.equal(url.pathname.split('/').length, 3);
      assert.deepEqual([...url.searchParams.keys()], ['x', 'y']);
      assert.equal(url.searchParams.get('x'), wellFormed(header));
      assert.equal(decodeURIComponent(url.pathname.split('/')[2]!), wellFormed(remote));
    }),
    { numRuns: 10000 },
  );
});

test('identity variables come from the line settings', () => {
  const get = (name: string): string | undefined => ({ user_name2: '102', user_host2: 'pbx', user_realname2: 'Ann' })[name];
  assert.deepEqual(identityVariables(get, 2), {
    local: '102@pbx', active_url: 'sip:102@pbx', active_user: '102', active_host: 'pbx', display_local: 'Ann',
  });
  assert.deepEqual(identityVariables(get, 1), { local: '', active_url: '', active_user: '', active_host: '', display_local: '' });
});
