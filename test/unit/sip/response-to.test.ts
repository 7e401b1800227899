import { test } from 'node:test';
import assert from 'node:assert/strict';
import { responseTo } from '../../../src/sip/response-to.js';
import { parseMessage } from '../../../src/sip/parse.js';
import { serializeMessage } from '../../../src/sip/serialize.js';
import { InvalidHeaderError } from '../../../src/sip/headers.js';
import type { SipRequest } from '../../../src/sip/message.js';
import { getTo, getVias } from '../../../src/sip/accessors.js';

const REQUEST = Buffer.from([
  'INVITE sip:bob@example.com SIP/2.0',
  'Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK1, SIP/2.0/UDP p2.example.com;branch=z9hG4bK2',
  'v: SIP/2.0/UDP pc.example.com;branch=z9hG4bK3;received=192.0.2.9',
  'Record-Route: <sip:p1.example.com;lr>',
  'From: "A" <sip:alice@example.com>;tag=a1',
  't: <sip:bob@example.com>',
  'Call-ID: c@h',
  'CSeq: 7 INVITE',
  'Timestamp: 54',
  'Max-Forwards: 70',
  'Subject: hi',
  'Content-Length: 0',
  '', '',
].join('\r\n'));

function request(data = REQUEST): SipRequest {
  const r = parseMessage(data);
  assert.ok(r.ok);
  return r.value as SipRequest;
}

test('responseTo: copies Via values in order, From, To, Call-ID, CSeq (§8.2.6.2)', () => {
  const res = responseTo(request(), 486, 'Busy Here', { toTag: 'b2' });
  assert.equal(res.status, 486);
  assert.equal(res.reason, 'Busy Here');
  assert.deepEqual([...res.headers].map((f) => [f.name, f.value]), [
    ['Via', 'SIP/2.0/UDP p1.example.com;branch=z9hG4bK1, SIP/2.0/UDP p2.example.com;branch=z9hG4bK2'],
    ['v', 'SIP/2.0/UDP pc.example.com;branch=z9hG4bK3;received=192.0.2.9'],
    ['From', '"A" <sip:alice@example.com>;tag=a1'],
    ['t', '<sip:bob@example.com>;tag=b2'],
    ['Call-ID', 'c@h'],
    ['CSeq', '7 INVITE'],
  ]);
  assert.deepEqual(getVias(res)!.map((v) => v.branch), ['z9hG4bK1', 'z9hG4bK2', 'z9hG4bK3']);
  assert.equal(getTo(res)!.params.get('tag'), 'b2');
});

test('responseTo: 100 gets no To tag but the Timestamp; an existing tag is kept; a random tag otherwise', () => {
  const trying = responseTo(request(), 100, 'Trying');
  assert.equal(trying.headers.get('To'), '<sip:bob@example.com>');
  assert.equal(trying.headers.get('Timestamp'), '54');
  const ok = responseTo(request(), 200, 'OK');
  assert.match(ok.headers.get('To')!, /^<sip:bob@example\.com>;tag=[A-Za-z0-9_-]{16}$/);
  assert.equal(ok.headers.get('Timestamp'), undefined);
  const tagged = request(Buffer.from(REQUEST.toString().replace('t: <sip:bob@example.com>', 't: <sip:bob@example.com>;tag=x')));
  assert.equal(responseTo(tagged, 200, 'OK', { toTag: 'y' }).headers.get('To'), '<sip:bob@example.com>;tag=x');
});

test('responseTo: extra headers, Record-Route on request, body; serializes', () => {
  const res = responseTo(request(), 200, 'OK', {
    toTag: 't', copyRecordRoute: true, headers: [['Contact', '<sip:bob@192.0.2.4>']], body: 'v=0\r\n',
  });
  assert.equal(res.headers.get('Record-Route'), '<sip:p1.example.com;lr>');
  assert.equal(res.headers.get('Contact'), '<sip:bob@192.0.2.4>');
  const wire = serializeMessage(res).toString();
  assert.ok(wire.startsWith('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP p1.example.com;branch=z9hG4bK1, '));
  assert.ok(wire.endsWith('Content-Length: 5\r\n\r\nv=0\r\n'));
  assert.throws(() => responseTo(request(), 200, 'OK', { headers: [['X', 'a\r\nb']] }), InvalidHeaderError);
  assert.throws(() => responseTo(request(), 200, 'OK', { toTag: 'a;b' }), InvalidHeaderError);
});

test('responseTo: from a parse error partial, copying what exists', () => {
  const broken = Buffer.from(REQUEST.toString().replace('CSeq: 7 INVITE', 'CSeq: 99999999999 INVITE'));
  const r = parseMessage(broken);
  assert.ok(!r.ok);
  const res = responseTo(r.error, r.error.status, r.error.reason, { toTag: 'z' });
  assert.equal(res.status, 400);
  assert.equal(res.reason, 'Invalid CSeq header');
  assert.deepEqual([...res.headers].map((f) => f.key), ['via', 'via', 'from', 'to', 'call-id', 'cseq']);
  assert.equal(res.headers.get('CSeq'), '99999999999 INVITE');
  // an unparseable To is copied unchanged
  const badTo = parseMessage(Buffer.from(REQUEST.toString().replace('t: <sip:bob@example.com>', 't: "open <sip:bob@example.com>')));
  assert.ok(!badTo.ok);
  assert.equal(responseTo(badTo.error.partial!, 400, 'Bad Request').headers.get('To'), '"open <sip:bob@example.com>');
  // intmeth-style quoted-pairs of control characters survive the copy (they were legal in the request)
  const ctl = request(Buffer.from(REQUEST.toString().replace('t: <sip:bob@example.com>', 't: "a\\\x00" <sip:bob@example.com>')));
  assert.equal(responseTo(ctl, 501, 'Not Implemented', { toTag: 'q' }).headers.get('To'), '"a\\\x00" <sip:bob@example.com>;tag=q');
  // no partial: nothing to copy
  const garbage = parseMessage(Buffer.from('garbage'));
  assert.ok(!garbage.ok);
  assert.equal(responseTo(garbage.error, 400, 'Bad Request').headers.size, 0);
});
