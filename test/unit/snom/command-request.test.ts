import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CommandRequestError,
  buildActionRequest,
  buildDialRequest,
  buildDtmfRequest,
  buildKeyRequest,
  buildLineRequest,
  buildLogOffAllRequest,
  buildPlayRingerRequest,
  buildReleaseAllCallsRequest,
  buildScreenshotRequest,
  buildSettingRequest,
  curlEscape,
  parseSnomAction,
  type CommandRequest,
} from '../../../src/snom/command-request.js';
import { formatKeySequence, type KeyEvent } from '../../../src/snom/key-sequence.js';
import { keyEventArb } from './key-arbitraries.js';

function target(r: { ok: true; value: CommandRequest } | { ok: false; error: Error }): string {
  if (!r.ok) throw new Error(`expected a request, got ${r.error.message}`);
  return r.value.pathAndQuery;
}

function errorOf<E extends Error>(r: { ok: true; value: CommandRequest } | { ok: false; error: E }): E {
  if (r.ok) throw new Error(`expected an error, got ${r.value.pathAndQuery}`);
  return r.error;
}

test('curlEscape keeps only ALPHA DIGIT - . _ ~ and writes upper-case hex of UTF-8 bytes', () => {
  let kept = '';
  for (let c = 0; c < 128; c++) {
    const ch = String.fromCharCode(c);
    const escaped = curlEscape(ch);
    if (escaped === ch) kept += ch;
    else assert.equal(escaped, `%${c.toString(16).toUpperCase().padStart(2, '0')}`);
  }
  assert.equal(kept, '-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~');
  assert.equal(curlEscape(";,#*!'()+ /?&=%:"), '%3B%2C%23%2A%21%27%28%29%2B%20%2F%3F%26%3D%25%3A');
  assert.equal(curlEscape('ä€😀'), '%C3%A4%E2%82%AC%F0%9F%98%80');
  assert.equal(curlEscape('\ud800'), '%EF%BF%BD');
  assert.equal(curlEscape(''), '');
});

test('property: curlEscape output is unreserved or %XX and decodes back', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (s) => {
      const e = curlEscape(s);
      assert.match(e, /^(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})*$/);
      assert.equal(decodeURIComponent(e), s);
    }),
    { numRuns: 10000 },
  );
});

test('key requests: the whole sequence escaped like mod_snom, key case as given', () => {
  assert.equal(target(buildKeyRequest('enter')), '/command.htm?key=enter');
  assert.equal(target(buildKeyRequest('ENTER')), '/command.htm?key=ENTER');
  assert.equal(target(buildKeyRequest('#')), '/command.htm?key=%23');
  assert.equal(target(buildKeyRequest('*')), '/command.htm?key=%2A');
  assert.equal(
    target(buildKeyRequest('enter,50,5000;cancel,50,1000')),
    '/command.htm?key=enter%2C50%2C5000%3Bcancel%2C50%2C1000',
  );
  assert.equal(target(buildKeyRequest('VOLUME_UP;f_hold;p12;EK3')), '/command.htm?key=VOLUME_UP%3Bf_hold%3Bp12%3BEK3');
  const events: KeyEvent[] = [{ key: 'F1', holdMs: 100 }, { key: '#' }];
  assert.deepEqual(buildKeyRequest(events), {
    ok: true,
    value: { kind: 'key', path: '/command.htm', query: 'key=F1%2C100%3B%23', pathAndQuery: '/command.htm?key=F1%2C100%3B%23' },
  });
});

test('key requests: injection attempts are refused with the reason', () => {
  for (const [text, reason] of [
    ['enter&reboot=Reboot', 'unknown-key'],
    ['../', 'unknown-key'],
    ['%', 'unknown-key'],
    ['%23', 'unknown-key'],
    ['enter;../advanced_update.htm?reboot=Reboot', 'unknown-key'],
    ['enter\r\nHost: evil', 'unknown-key'],
    ['enter,50&x=1', 'bad-time'],
    ['', 'empty'],
  ] as const) {
    const e = errorOf(buildKeyRequest(text));
    assert.equal(e.code, 'SNOM_ERR_INVALID_KEY_SEQUENCE');
    assert.equal(e.reason, reason, text);
  }
  assert.equal(errorOf(buildKeyRequest([{ key: 'enter&reboot=Reboot' }])).reason, 'unknown-key');
});

test('property: any valid sequence is sent as one key parameter that decodes to the exact text', () => {
  fc.assert(
    fc.property(fc.array(keyEventArb, { minLength: 1, maxLength: 64 }), (events) => {
      const text = formatKeySequence(events);
      if (!text.ok) throw text.error;
      const r = buildKeyRequest(text.value);
      if (!r.ok) throw r.error;
      const { path, query, pathAndQuery } = r.value;
      assert.equal(path, '/command.htm');
      assert.equal(pathAndQuery, `/command.htm?${query}`);
      const params = [...new URLSearchParams(query)];
      assert.deepEqual(params, [['key', text.value]]);
      assert.equal(decodeURIComponent(query.slice('key='.length)), text.value);
      assert.match(query, /^key=[A-Za-z0-9\-._~%]+$/);
      assert.equal(new URL(`http://phone${pathAndQuery}`).pathname, '/command.htm');
      assert.deepEqual(buildKeyRequest(events), r);
    }),
    { numRuns: 10000 },
  );
});

test('actions: mod_snom URLs, case-insensitive names, optional =clear', () => {
  assert.equal(target(buildActionRequest('reboot')), '/advanced_update.htm?reboot=Reboot');
  assert.equal(target(buildActionRequest('REBOOT')), '/advanced_update.htm?reboot=Reboot');
  assert.equal(target(buildActionRequest('reset')), '/advanced_update.htm?reset=Reset');
  assert.equal(target(buildActionRequest('dialeddel')), '/index.htm?dialeddel=0');
  assert.equal(target(buildActionRequest('MissedDel')), '/index.htm?misseddel=0');
  assert.equal(target(buildActionRequest('receiveddel', { listClearValue: 'clear' })), '/index.htm?receiveddel=clear');
  assert.equal(target(buildActionRequest('reboot', { listClearValue: 'clear' })), '/advanced_update.htm?reboot=Reboot');
  const e = errorOf(buildActionRequest('reboot&reset=Reset'));
  assert.ok(e instanceof CommandRequestError);
  assert.equal(e.message, 'action: not supported (supported actions are reboot, reset, dialeddel, misseddel, receiveddel)');
  assert.equal(errorOf(buildActionRequest('reset', { listClearValue: 'x' as '0' })).field, 'listClearValue');
  assert.equal(parseSnomAction('ReSeT'), 'reset');
  assert.equal(parseSnomAction('reboot '), undefined);
});

test('dial: number and outgoing_uri escaped; spaces and controls refused', () => {
  assert.equal(target(buildDialRequest('1234')), '/command.htm?number=1234');
  assert.equal(
    target(buildDialRequest('sip:100@example.com', { outgoingUri: 'sip:200@pbx.example;line=1' })),
    '/command.htm?number=sip%3A100%40example.com&outgoing_uri=sip%3A200%40pbx.example%3Bline%3D1',
  );
  assert.equal(target(buildDialRequest('123&reboot=Reboot')), '/command.htm?number=123%26reboot%3DReboot');
  assert.equal(target(buildDialRequest('../../advanced_update.htm')), '/command.htm?number=..%2F..%2Fadvanced_update.htm');
  assert.equal(target(buildDialRequest('%41#?')), '/command.htm?number=%2541%23%3F');
  for (const [number, field, message] of [
    ['', 'number', 'number: must not be empty'],
    ['100 200', 'number', 'number: must not contain spaces'],
    ['100\r\nX: y', 'number', 'number: contains CR at 3'],
    ['100\u0000', 'number', 'number: contains NUL at 3'],
    ['\ud800', 'number', 'number: contains an unpaired UTF-16 surrogate'],
    ['1'.repeat(257), 'number', 'number: longer than 256 characters'],
  ] as const) {
    const e = errorOf(buildDialRequest(number));
    assert.deepEqual([e.field, e.message], [field, message]);
  }
  assert.equal(errorOf(buildDialRequest('1', { outgoingUri: 'sip:a b' })).field, 'outgoingUri');
  assert.equal(errorOf(buildDialRequest(5 as unknown as string)).message, 'number: must be a string');
});

test('property: a dial request is refused or carries exactly the number as its one parameter', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (number) => {
      const r = buildDialRequest(number);
      if (!r.ok) return;
      assert.deepEqual([...new URLSearchParams(r.value.query)], [['number', number]]);
      assert.equal(r.value.path, '/command.htm');
    }),
    { numRuns: 10000 },
  );
});

test('DTMF: 0-9 * # A-D only', () => {
  assert.equal(target(buildDtmfRequest('123*#ABCD')), '/command.htm?key_dtmf=123%2A%23ABCD');
  for (const digits of ['', 'abcd', '1&2', '1 2', 'E', '1'.repeat(65)]) {
    assert.equal(errorOf(buildDtmfRequest(digits)).field, 'digits', digits);
  }
});

test('fixed commands', () => {
  assert.equal(buildReleaseAllCallsRequest().pathAndQuery, '/command.htm?RELEASE_ALL_CALLS');
  assert.equal(buildLogOffAllRequest().pathAndQuery, '/command.htm?LOGOFFALL');
  assert.deepEqual(buildScreenshotRequest(), { kind: 'screenshot', path: '/screen.bmp', query: '', pathAndQuery: '/screen.bmp' });
});

test('REREGISTER / LOGOFFLINE take a line 1..12', () => {
  assert.equal(target(buildLineRequest('REREGISTER', 1)), '/command.htm?REREGISTER=1');
  assert.equal(target(buildLineRequest('LOGOFFLINE', 12)), '/command.htm?LOGOFFLINE=12');
  for (const line of [0, 13, 1.5, Number.NaN, -1]) {
    assert.equal(errorOf(buildLineRequest('REREGISTER', line)).message, 'line: must be a whole number from 1 to 12');
  }
  assert.equal(errorOf(buildLineRequest('REBOOT' as 'REREGISTER', 1)).field, 'command');
  const logoff = buildLineRequest('LOGOFFLINE', 3);
  assert.equal(logoff.ok && logoff.value.kind, 'log-off-line');
});

test('play ringer: the firmware text literally', () => {
  assert.deepEqual(buildPlayRingerRequest(3), {
    ok: true,
    value: {
      kind: 'play-ringer',
      path: '/line_login.htm',
      query: 'PLAY_RINGER:3=+Ringer',
      pathAndQuery: '/line_login.htm?PLAY_RINGER:3=+Ringer',
    },
  });
  assert.equal(target(buildPlayRingerRequest(99)), '/line_login.htm?PLAY_RINGER:99=+Ringer');
  for (const n of [0, 100, 2.5]) assert.equal(errorOf(buildPlayRingerRequest(n)).field, 'ringer');
  assert.equal(errorOf(buildPlayRingerRequest('3&x=1' as unknown as number)).field, 'ringer');
});

test('settings: identifier names, escaped values, no value in error messages', () => {
  assert.equal(target(buildSettingRequest('user_realname1', 'John Doe')), '/dummy.htm?settings=save&user_realname1=John%20Doe');
  assert.equal(target(buildSettingRequest('fkey0', '')), '/dummy.htm?settings=save&fkey0=');
  assert.equal(
    target(buildSettingRequest('user_pname1', 'a&b=c?d#e/f%g+h"i')),
    '/dummy.htm?settings=save&user_pname1=a%26b%3Dc%3Fd%23e%2Ff%25g%2Bh%22i',
  );
  for (const name of ['', 'User', 'a&b', 'a=b', 'a b', 'x/../y', 'a'.repeat(65)]) {
    assert.equal(errorOf(buildSettingRequest(name, 'v')).message, 'name: must be 1 to 64 of a-z 0-9 _', name);
  }
  const e = errorOf(buildSettingRequest('http_pass', 'secret\r\npw'));
  assert.equal(e.message, 'value: contains CR at 6');
  assert.ok(!e.message.includes('secret'));
  assert.equal(errorOf(buildSettingRequest('x', 'v'.repeat(2049))).field, 'value');
  const r = buildSettingRequest('user_realname1', 'Zoë & Co');
  assert.ok(r.ok);
  assert.deepEqual([...new URLSearchParams(r.value.query)], [['settings', 'save'], ['user_realname1', 'Zoë & Co']]);
});
