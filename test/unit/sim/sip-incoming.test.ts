import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from '../../../src/sip/parse.js';
import type { SipRequest } from '../../../src/sip/message.js';
import type { IncomingRequest, RespondOptions } from '../../../src/sip/transaction/endpoint-types.js';
import type { MessageSource } from '../../../src/sip/transport-types.js';
import { PhoneState } from '../../../src/sim/phone-state.js';
import type { SipCalls } from '../../../src/sim/sip-calls.js';
import { createIncomingHandler, mediaType } from '../../../src/sim/sip-incoming.js';
import { FakeTime } from './fake-time.js';

interface Answer {
  readonly status: number;
  readonly reason: string;
  readonly headers: Record<string, string>;
}

function request(method: string, headers: string[] = [], body = ''): SipRequest {
  const text = `${method} sip:2000@127.0.0.9:5062;line=abc SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.8:5060;branch=z9hG4bK1\r\n` +
    `From: <sip:reg@example.com>;tag=f\r\nTo: <sip:2000@example.com>\r\nCall-ID: c1@x\r\nCSeq: 1 ${method}\r\nMax-Forwards: 70\r\n` +
    `${headers.map((h) => `${h}\r\n`).join('')}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const r = parseMessage(Buffer.from(text));
  if (!r.ok || r.value.kind !== 'request') throw new Error('test request does not parse');
  return r.value;
}

function setup(options: { filter?: 'on' | 'off' } = {}) {
  const time = new FakeTime();
  const state = new PhoneState({ clock: time.clock, timers: time.timers, settings: { filter_registrar: options.filter ?? 'on' } });
  const calls: string[] = [];
  const fakeCalls = {
    incomingInvite: () => calls.push('invite'),
    reinvite: () => calls.push('reinvite'),
    cancel: () => calls.push('cancel'),
    bye: () => calls.push('bye'),
  } as unknown as SipCalls;
  let checkSyncs = 0;
  const handle = createIncomingHandler({
    state, calls: fakeCalls, filterOn: () => state.setting('filter_registrar') !== 'off',
    fromRegistrar: (a) => a === '127.0.0.8', onCheckSync: () => checkSyncs++,
  });
  const send = (req: SipRequest, address = '127.0.0.8', family: 4 | 6 = 4): Answer | undefined => {
    let answer: Answer | undefined;
    const source: MessageSource = { transport: 'udp', address, port: 5060, family, localAddress: '127.0.0.9', localPort: 5062 };
    const incoming: IncomingRequest = {
      request: req, source,
      respond: (status: number, reason: string, o?: RespondOptions) => {
        answer = { status, reason, headers: Object.fromEntries([...(o?.headers ?? [])].map(([n, v]) => [n.toLowerCase(), v])) };
        return true;
      },
    };
    handle(incoming);
    return answer;
  };
  return { state, time, send, calls, checkSyncs: () => checkSyncs };
}

test('mediaType: lower case, parameters cut', () => {
  assert.equal(mediaType('Application/X-Buttons ; charset=UTF-8'), 'application/x-buttons');
  assert.equal(mediaType('text/plain'), 'text/plain');
  assert.equal(mediaType(undefined), undefined);
});

test('x-buttons MESSAGE: applied and 200; a bad body 400 with a Warning that cannot break its quotes', () => {
  const s = setup();
  assert.deepEqual(s.send(request('MESSAGE', ['Content-Type: application/x-buttons'], 'k=7\r\nc=on\r\n')), { status: 200, reason: 'OK', headers: {} });
  assert.equal(s.state.keyState('7')!.light, 'on');
  const bad = s.send(request('MESSAGE', ['Content-Type: application/x-buttons'], 'oops "quoted" \\ text\r\n'))!;
  assert.equal(bad.status, 400);
  assert.equal(bad.headers.warning, '399 snom "line 1: line has no  =  (expected name=value, or an empty line between key states)"');
});

test('415 lists what is accepted; text/plain 200', () => {
  const s = setup();
  assert.deepEqual(s.send(request('MESSAGE', ['Content-Type: application/pidf+xml'], '<x/>')), {
    status: 415, reason: 'Unsupported Media Type', headers: { accept: 'application/x-buttons, text/plain' },
  });
  assert.equal(s.send(request('MESSAGE', ['Content-Type: text/plain; charset=utf-8'], 'hi'))!.status, 200);
});

test('filter on: anything not from the registrar gets 403 (the key is untouched); ACK is only recorded; off: accepted', () => {
  const s = setup();
  for (const method of ['MESSAGE', 'OPTIONS', 'INVITE', 'NOTIFY', 'BYE']) {
    assert.equal(s.send(request(method, ['Content-Type: application/x-buttons'], 'k=1\r\nc=on\r\n'), '127.0.0.66')?.status, 403, method);
  }
  assert.equal(s.state.keyState('1'), undefined);
  assert.deepEqual(s.calls, []);
  assert.equal(s.send(request('ACK'), '127.0.0.66'), undefined);
  assert.deepEqual(s.state.snapshot().sipRequests.map((r) => [r.method, r.status ?? '-']), [
    ['MESSAGE', 403], ['OPTIONS', 403], ['INVITE', 403], ['NOTIFY', 403], ['BYE', 403], ['ACK', '-'],
  ]);
  assert.ok(s.state.saveSettings({ filter_registrar: 'off' }).ok);
  assert.equal(s.send(request('MESSAGE', ['Content-Type: application/x-buttons'], 'k=1\r\nc=on\r\n'), '127.0.0.66')?.status, 200);
});

test('INVITE, re-INVITE, CANCEL and BYE go to the calls; OPTIONS answers Allow and Accept', () => {
  const s = setup();
  assert.equal(s.send(request('INVITE')), undefined, 'the calls answer it');
  assert.equal(s.send(reinvite()), undefined);
  s.send(request('CANCEL'));
  s.send(request('BYE'));
  assert.deepEqual(s.calls, ['invite', 'reinvite', 'cancel', 'bye']);
  assert.deepEqual(s.send(request('OPTIONS')), {
    status: 200, reason: 'OK', headers: { allow: 'INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, MESSAGE', accept: 'application/x-buttons, text/plain' },
  });
  assert.equal(s.send(request('SUBSCRIBE'))!.status, 501);
});

function reinvite(): SipRequest {
  const r = request('INVITE');
  r.headers.set('To', '<sip:2000@example.com>;tag=ours');
  return r;
}

test('NOTIFY check-sync reboots unless reboot=false; other events only get 200', () => {
  const s = setup();
  assert.equal(s.send(request('NOTIFY', ['Event: check-sync']))!.status, 200);
  assert.equal(s.send(request('NOTIFY', ['Event: check-sync;reboot=true']))!.status, 200);
  assert.equal(s.send(request('NOTIFY', ['Event: check-sync; reboot=false']))!.status, 200);
  assert.equal(s.send(request('NOTIFY', ['Event: message-summary']))!.status, 200);
  assert.equal(s.checkSyncs(), 2);
});

test('a request record: every field, the body cut to 4 KiB, an IPv6 source in brackets', () => {
  const s = setup({ filter: 'off' });
  s.time.now = 12;
  s.send(request('MESSAGE', ['Content-Type: text/plain'], 'x'.repeat(5000)), '::1', 6);
  const r = s.state.snapshot().sipRequests[0]!;
  assert.deepEqual({ ...r, body: r.body?.length }, {
    at: 12, method: 'MESSAGE', requestUri: 'sip:2000@127.0.0.9:5062;line=abc', from: '<sip:reg@example.com>;tag=f',
    to: '<sip:2000@example.com>', callId: 'c1@x', contentType: 'text/plain', body: 4096, source: '[::1]:5060', status: 200,
  });
});
