import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  getCallId, getContacts, getCSeq, getExpires, getFrom, getMaxForwards, getRequestUri, getTo, getTopVia, getVias,
} from '../../../src/sip/accessors.js';
import { createRequest } from '../../../src/sip/message.js';
import { parseMessage } from '../../../src/sip/parse.js';

const wire = Buffer.from([
  'REGISTER sip:example.com SIP/2.0',
  'Via: SIP/2.0/UDP a;branch=z9hG4bK1',
  'Via: SIP/2.0/TCP b;branch=z9hG4bK2, SIP/2.0/TLS c',
  'From: <sip:u@example.com>;tag=f',
  'To: <sip:u@example.com>',
  'Call-ID: id@h',
  'CSeq: 3 REGISTER',
  'Max-Forwards: 69',
  'Expires: 600',
  'Contact: <sip:u@192.0.2.1>;expires=60, <sip:u@192.0.2.2>',
  'm: <sip:u@192.0.2.3>;q=0.5',
  'Content-Length: 0', '', '',
].join('\r\n'));

test('accessors over a parsed message', () => {
  const r = parseMessage(wire);
  assert.ok(r.ok);
  const m = r.value;
  assert.deepEqual(getVias(m)!.map((v) => v.host), ['a', 'b', 'c']);
  assert.equal(getTopVia(m)!.branch, 'z9hG4bK1');
  assert.deepEqual(getCSeq(m), { seq: 3, method: 'REGISTER' });
  assert.equal(getCallId(m), 'id@h');
  assert.equal(getFrom(m)!.params.get('tag'), 'f');
  assert.equal(getTo(m)!.rawUri, 'sip:u@example.com');
  assert.equal(getMaxForwards(m), 69);
  assert.equal(getExpires(m), 600);
  const contacts = getContacts(m);
  assert.ok(Array.isArray(contacts));
  assert.deepEqual(contacts.map((c) => [c.rawUri, c.expires, c.q]), [
    ['sip:u@192.0.2.1', 60, undefined], ['sip:u@192.0.2.2', undefined, undefined], ['sip:u@192.0.2.3', undefined, 0.5],
  ]);
  // cached: the same object each time
  assert.equal(getFrom(m), getFrom(m));
  assert.equal(getVias(m)![1], getVias(m)![1]);
  assert.equal(getRequestUri(m as never), getRequestUri(m as never));
});

test('accessors over a hand-built message: absent, malformed, replaced values', () => {
  const req = createRequest({ method: 'REGISTER', uri: 'sip:example.com', headers: [['Contact', '*'], ['Expires', 'soon'], ['Max-Forwards', '300']] });
  assert.deepEqual(getVias(req), []);
  assert.equal(getTopVia(req), undefined);
  assert.equal(getCSeq(req), undefined);
  assert.equal(getCallId(req), undefined);
  assert.equal(getContacts(req), '*');
  assert.equal(getExpires(req), undefined);
  assert.equal(getMaxForwards(req), undefined);
  req.headers.set('Expires', '30');
  assert.equal(getExpires(req), 30);
  req.headers.append('Contact', '<sip:a@b>');
  assert.equal(getContacts(req), undefined);
  req.headers.set('Contact', '<sip:a@b>');
  assert.equal((getContacts(req) as readonly unknown[]).length, 1);
  req.headers.append('Via', 'SIP/2.0/UDP x');
  req.headers.append('Via', 'junk');
  assert.equal(getVias(req), undefined);
  assert.equal(getRequestUri(req)?.scheme, 'sip');
  req.uri = 'tel:+123';
  assert.equal(getRequestUri(req)?.scheme, 'tel');
  req.uri = 'not a uri';
  assert.equal(getRequestUri(req), undefined);
  req.headers.set('Call-ID', 'a b');
  assert.equal(getCallId(req), undefined);
});
