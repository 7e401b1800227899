import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequest, createResponse } from '../../../src/sip/message.js';
import { InvalidMessageError, serializeMessage } from '../../../src/sip/serialize.js';

test('a request with a body: start line, headers in order, Content-Length from the body, then the body bytes', () => {
  const req = createRequest({
    method: 'MESSAGE',
    uri: 'sip:200@192.0.2.45',
    headers: [['From', '"Jürgen Ω" <sip:a@b>;tag=1'], ['Content-Length', '999'], ['Content-Type', 'text/plain']],
    body: 'Grüße €\r\n',
  });
  const wire = serializeMessage(req);
  const head =
    'MESSAGE sip:200@192.0.2.45 SIP/2.0\r\nFrom: "Jürgen Ω" <sip:a@b>;tag=1\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\n';
  assert.deepEqual(wire, Buffer.concat([Buffer.from(head, 'utf8'), Buffer.from('Grüße €\r\n', 'utf8')]));
  assert.equal(Buffer.byteLength('Grüße €\r\n'), 13);
});

test('a response without a body ends with Content-Length: 0 and the empty line', () => {
  const res = createResponse({ status: 200, reason: 'OK ✓', headers: [['Server', 'snömctl']] });
  assert.equal(serializeMessage(res).toString('utf8'), 'SIP/2.0 200 OK ✓\r\nServer: snömctl\r\nContent-Length: 0\r\n\r\n');
});

test('a start line that would be malformed on the wire throws InvalidMessageError', () => {
  assert.throws(() => serializeMessage(createRequest({ method: 'BAD METHOD', uri: 'sip:a@b' })), InvalidMessageError);
  assert.throws(() => serializeMessage(createRequest({ method: 'MESSAGE', uri: 'sip:a b' })), InvalidMessageError);
  assert.throws(() => serializeMessage(createResponse({ status: 700, reason: 'x' })), InvalidMessageError);
  assert.throws(() => serializeMessage(createResponse({ status: 200, reason: 'O\r\nK' })), InvalidMessageError);
});
