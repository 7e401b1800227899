import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aorUri, buttonsMessage, destinationText, requestUriOf, textMessage, toSendOutcome } from '../../../src/service/message-request.js';
import { serializeMessage } from '../../../src/sip/serialize.js';
import { createResponse } from '../../../src/sip/message.js';

test('aorUri escapes the user as RFC 3261 requires and brackets IPv6 hosts; a bad host throws', () => {
  assert.equal(aorUri('200', 'pbx.test'), 'sip:200@pbx.test');
  assert.equal(aorUri('a b<c>', 'pbx.test'), 'sip:a%20b%3Cc%3E@pbx.test');
  assert.equal(aorUri('200', '2001:db8::1'), 'sip:200@[2001:db8::1]');
  assert.throws(() => aorUri('200', 'bad host'));
  assert.equal(destinationText('udp', '2001:db8::1', 5060), 'udp:[2001:db8::1]:5060');
});

test('requestUriOf keeps the registered text (;line=, ;transport=) but drops URI headers and method', () => {
  assert.equal(requestUriOf('sip:200@192.0.2.5:5060;line=abc;transport=tcp'), 'sip:200@192.0.2.5:5060;line=abc;transport=tcp');
  assert.equal(requestUriOf('sip:200@192.0.2.5;line=abc?Subject=x'), 'sip:200@192.0.2.5;line=abc');
  assert.equal(requestUriOf('sip:200@192.0.2.5;method=INVITE;line=abc'), 'sip:200@192.0.2.5;line=abc');
  assert.equal(requestUriOf('tel:+123'), undefined);
  assert.equal(requestUriOf('not a uri'), undefined);
});

test('buttonsMessage: From = To = the AOR, our Contact, the content type; no Subject, no Event', () => {
  const req = buttonsMessage('sip:200@192.0.2.5;line=x', 'sip:200@pbx.test', 'sip:snomctl@192.0.2.1:5060', {
    contentType: 'application/x-buttons', body: Buffer.from('k=2\r\n'),
  });
  assert.equal(serializeMessage(req).toString(),
    'MESSAGE sip:200@192.0.2.5;line=x SIP/2.0\r\nFrom: <sip:200@pbx.test>\r\nTo: <sip:200@pbx.test>\r\n' +
    'Contact: <sip:snomctl@192.0.2.1:5060>\r\nContent-Type: application/x-buttons\r\nContent-Length: 5\r\n\r\nk=2\r\n');
  const text = textMessage('sip:200@192.0.2.5', 'sip:api+x@pbx.test', 'sip:200@pbx.test', undefined, '+OK x\n');
  assert.equal(text.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(text.headers.get('from'), '<sip:api+x@pbx.test>');
  assert.equal(text.body.toString(), '+OK x\n');
});

test('toSendOutcome maps responses and failures', () => {
  const response = createResponse({ status: 486, reason: 'Busy Here' });
  assert.deepEqual(toSendOutcome({ ok: true, response, latencyMs: 1.23456 }, 'udp:a:1'), { ok: true, status: 486, reason: 'Busy Here', destination: 'udp:a:1', latencyMs: 1.235 });
  assert.deepEqual(toSendOutcome({ ok: false, error: 'timeout', message: 'm', latencyMs: 2 }, 'd'), { ok: false, error: 'timeout', message: 'm', destination: 'd', latencyMs: 2 });
});
