// stampReceived (RFC 3261 §18.2.1, RFC 3581 §4): the stamped top Via, the rest of the message untouched,
// and the request's cached parses agreeing with a fresh parse of the stamped text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getCSeq, getTo, getTopVia, getVias } from '../../../../src/sip/accessors.js';
import { createRequest, type SipRequest } from '../../../../src/sip/message.js';
import { parseMessage } from '../../../../src/sip/parse.js';
import { serializeMessage } from '../../../../src/sip/serialize.js';
import { stampReceived } from '../../../../src/sip/transaction/response-route.js';
import type { MessageSource } from '../../../../src/sip/transport-types.js';

const SOURCE: MessageSource = { transport: 'udp', address: '192.0.2.7', port: 40000, family: 4, localAddress: '127.0.0.1', localPort: 5060 };

function request(via: string, extraVia?: string): SipRequest {
  const r = parseMessage(Buffer.from(
    'REGISTER sip:example.com SIP/2.0\r\n' +
    `Via: ${via}\r\n` +
    (extraVia === undefined ? '' : `Via: ${extraVia}\r\n`) +
    'To: <sip:alice@example.com>\r\nFrom: <sip:alice@example.com>;tag=1\r\nCall-ID: c1\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n',
  ));
  assert.ok(r.ok && r.value.kind === 'request');
  return r.value;
}

/** What parsing the request's current text gives. */
function reparsed(req: SipRequest): SipRequest {
  const r = parseMessage(serializeMessage(req));
  assert.ok(r.ok && r.value.kind === 'request');
  return r.value;
}

test('rport asked for: rport and received filled in place, later via-parms and fields kept, caches agree with a fresh parse', () => {
  const req = request('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa;rport;x=1 , SIP/2.0/TCP proxy.example.com;branch=z9hG4bKb', 'SIP/2.0/UDP p2.example.com;branch=z9hG4bKc');
  const top = getTopVia(req)!;
  const to = getTo(req);
  const stamped = stampReceived(req, top, SOURCE);
  assert.deepEqual(req.headers.getAll('Via'), [
    'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa;rport=40000;x=1;received=192.0.2.7, SIP/2.0/TCP proxy.example.com;branch=z9hG4bKb',
    'SIP/2.0/UDP p2.example.com;branch=z9hG4bKc',
  ]);
  const fresh = reparsed(req);
  assert.deepEqual(stamped, getTopVia(fresh));
  assert.equal(getTopVia(req), stamped);
  assert.deepEqual(getVias(req), getVias(fresh));
  assert.equal(getTo(req), to); // other fields' parses are kept, not recomputed
  assert.deepEqual(getCSeq(req), { seq: 1, method: 'REGISTER' });
});

test('no rport, same host: nothing changes; no rport, other host: received added; a stale received is replaced', () => {
  const same = request('SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bKa');
  const headers = same.headers;
  assert.equal(stampReceived(same, getTopVia(same)!, SOURCE), getTopVia(same));
  assert.equal(same.headers, headers);

  const other = request('SIP/2.0/UDP pc.example.com;branch=z9hG4bKa');
  const s1 = stampReceived(other, getTopVia(other)!, SOURCE);
  assert.equal(other.headers.get('Via'), 'SIP/2.0/UDP pc.example.com;branch=z9hG4bKa;received=192.0.2.7');
  assert.deepEqual(s1, getTopVia(reparsed(other)));

  const stale = request('SIP/2.0/UDP pc.example.com;received=198.51.100.1;branch=z9hG4bKa');
  const s2 = stampReceived(stale, getTopVia(stale)!, SOURCE);
  assert.equal(stale.headers.get('Via'), 'SIP/2.0/UDP pc.example.com;received=192.0.2.7;branch=z9hG4bKa');
  assert.deepEqual(s2, getTopVia(reparsed(stale)));
});

test('a hand-built request (nothing cached) is stamped the same way', () => {
  const req = createRequest({
    method: 'REGISTER', uri: 'sip:example.com',
    headers: [['Via', 'SIP/2.0/UDP [2001:db8::1]:5062;branch=z9hG4bKa;rport'], ['To', '<sip:a@example.com>'], ['From', '<sip:a@example.com>;tag=1'], ['Call-ID', 'c'], ['CSeq', '1 REGISTER']],
  });
  const stamped = stampReceived(req, getTopVia(createRequest({ method: 'REGISTER', uri: 'sip:example.com', headers: [['Via', req.headers.get('Via')!]] }))!, SOURCE);
  assert.equal(req.headers.get('Via'), 'SIP/2.0/UDP [2001:db8::1]:5062;branch=z9hG4bKa;rport=40000;received=192.0.2.7');
  assert.deepEqual(getTopVia(req), stamped);
});
