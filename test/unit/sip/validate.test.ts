import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkMaxForwards, checkResponse, validateRequest } from '../../../src/sip/validate.js';
import { createRequest, createResponse, type SipRequest } from '../../../src/sip/message.js';

const METHODS = ['INVITE', 'ACK', 'CANCEL', 'OPTIONS', 'REGISTER', 'MESSAGE'];
const BASE: Array<[string, string]> = [
  ['Via', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa1'],
  ['From', '<sip:a@example.com>;tag=1'],
  ['To', '<sip:b@example.com>'],
  ['Call-ID', 'x@y'],
  ['CSeq', '1 OPTIONS'],
  ['Max-Forwards', '70'],
];

function make(method = 'OPTIONS', uri = 'sip:b@example.com', headers = BASE): SipRequest {
  return createRequest({ method, uri, headers });
}

function without(name: string): Array<[string, string]> {
  return BASE.filter(([n]) => n !== name);
}

function withHeader(name: string, value: string): Array<[string, string]> {
  return [...without(name), [name, value]];
}

test('validateRequest: an acceptable request', () => {
  assert.equal(validateRequest(make(), { methods: METHODS }), undefined);
  assert.equal(validateRequest(make('OPTIONS', 'tel:+1234', BASE), { methods: METHODS }), undefined);
  // Max-Forwards may be absent (RFC 2543 peers)
  assert.equal(validateRequest(make('OPTIONS', 'sip:b@example.com', without('Max-Forwards')), { methods: METHODS }), undefined);
});

test('validateRequest: 505 for another version, before anything else', () => {
  const r = { ...make('NOPE', 'x', []), version: 'SIP/3.0' };
  assert.deepEqual(validateRequest(r, { methods: METHODS }), { status: 505, reason: 'Version Not Supported' });
});

test('validateRequest: 400 for missing or repeated mandatory headers, naming the header', () => {
  for (const name of ['Via', 'To', 'From', 'CSeq', 'Call-ID']) {
    assert.deepEqual(validateRequest(make('OPTIONS', 'sip:b@example.com', without(name)), { methods: METHODS }),
      { status: 400, reason: `Missing ${name} header` });
  }
  for (const [name, value] of [['To', '<sip:c@d>'], ['From', '<sip:c@d>;tag=2'], ['CSeq', '2 OPTIONS'], ['Call-ID', 'z'], ['Max-Forwards', '5']]) {
    assert.deepEqual(validateRequest(make('OPTIONS', 'sip:b@example.com', [...BASE, [name!, value!]]), { methods: METHODS }),
      { status: 400, reason: `Multiple ${name} headers` });
  }
});

test('validateRequest: malformed values in a hand-built request are 400', () => {
  assert.equal(validateRequest(make('OPTIONS', 'sip:b@example.com', withHeader('CSeq', 'x')), { methods: METHODS })?.reason, 'Invalid CSeq header');
  assert.equal(validateRequest(make('OPTIONS', 'sip:b@example.com', withHeader('Via', 'bad')), { methods: METHODS })?.reason, 'Invalid Via header');
  assert.equal(validateRequest(make('OPTIONS', 'sip:b c'), { methods: METHODS })?.reason, 'Invalid Request-URI');
  assert.equal(validateRequest(make('OPTIONS', 'sip:b@example.com', withHeader('Max-Forwards', '999')), { methods: METHODS })?.reason,
    'Invalid Max-Forwards header');
});

test('validateRequest: branch that is only the magic cookie, and URI headers in the Request-URI, are 400', () => {
  assert.deepEqual(validateRequest(make('OPTIONS', 'sip:b@example.com', withHeader('Via', 'SIP/2.0/UDP h;branch=z9hG4bK')), { methods: METHODS }),
    { status: 400, reason: 'Invalid Via branch' });
  assert.deepEqual(validateRequest(make('OPTIONS', 'sip:b@example.com?Route=%3Csip:x%3E'), { methods: METHODS }),
    { status: 400, reason: 'Headers in Request-URI' });
});

test('validateRequest: CSeq method mismatch is 400, or 501 for a method we do not implement', () => {
  assert.deepEqual(validateRequest(make('OPTIONS', 'sip:b@example.com', withHeader('CSeq', '8 INVITE')), { methods: METHODS }),
    { status: 400, reason: 'CSeq method does not match' });
  assert.deepEqual(validateRequest(make('NEWMETHOD', 'sip:b@example.com', withHeader('CSeq', '8 INVITE')), { methods: METHODS }),
    { status: 501, reason: 'Not Implemented' });
  // methods are case-sensitive
  assert.equal(validateRequest(make('options', 'sip:b@example.com', withHeader('CSeq', '1 options')), { methods: METHODS })?.status, 501);
});

test('validateRequest: 416 for schemes not accepted', () => {
  assert.deepEqual(validateRequest(make('OPTIONS', 'http://example.com/'), { methods: METHODS }), { status: 416, reason: 'Unsupported URI Scheme' });
  assert.equal(validateRequest(make('OPTIONS', 'tel:+1'), { methods: METHODS, schemes: ['sip'] })?.status, 416);
  assert.equal(validateRequest(make('OPTIONS', 'urn:x'), { methods: METHODS, schemes: ['urn'] }), undefined);
});

test('validateRequest: 420 lists unknown Require tags; ACK/CANCEL and Proxy-Require are exempt', () => {
  const h = [...BASE, ['Require', 'path, foo'], ['Require', 'Bar,foo'], ['Proxy-Require', 'baz']] as Array<[string, string]>;
  assert.deepEqual(validateRequest(make('OPTIONS', 'sip:b@example.com', h), { methods: METHODS, extensions: ['PATH'] }),
    { status: 420, reason: 'Bad Extension', headers: [['Unsupported', 'foo, Bar']] });
  assert.equal(validateRequest(make('OPTIONS', 'sip:b@example.com', h), { methods: METHODS, extensions: ['path', 'foo', 'bar'] }), undefined);
  const cancel = [...BASE.filter(([n]) => n !== 'CSeq'), ['CSeq', '1 CANCEL'], ['Require', 'foo']] as Array<[string, string]>;
  assert.equal(validateRequest(make('CANCEL', 'sip:b@example.com', cancel), { methods: METHODS }), undefined);
  assert.equal(validateRequest(make('OPTIONS', 'sip:b@example.com', [...BASE, ['Require', 'a,,b']]), { methods: METHODS })?.reason,
    'Invalid Require header');
});

test('validateRequest: 501 for methods not implemented', () => {
  const h = withHeader('CSeq', '1 SUBSCRIBE');
  assert.deepEqual(validateRequest(make('SUBSCRIBE', 'sip:b@example.com', h), { methods: METHODS }), { status: 501, reason: 'Not Implemented' });
});

test('checkMaxForwards: 483 only at zero', () => {
  assert.deepEqual(checkMaxForwards(make('OPTIONS', 'sip:b@example.com', withHeader('Max-Forwards', '0'))), { status: 483, reason: 'Too Many Hops' });
  assert.equal(checkMaxForwards(make()), undefined);
  assert.equal(checkMaxForwards(make('OPTIONS', 'sip:b@example.com', without('Max-Forwards'))), undefined);
});

test('checkResponse: drops responses without what a client needs', () => {
  const headers = BASE.filter(([n]) => n !== 'Max-Forwards');
  assert.equal(checkResponse(createResponse({ status: 200, reason: 'OK', headers })), undefined);
  assert.equal(checkResponse(createResponse({ status: 200, reason: 'OK', headers: headers.filter(([n]) => n !== 'Call-ID') })), 'Missing Call-ID header');
  assert.equal(checkResponse(createResponse({ status: 200, reason: 'OK', headers: [...headers, ['To', '<sip:x@y>']] })), 'Multiple To headers');
  assert.equal(checkResponse({ ...createResponse({ status: 200, reason: 'OK', headers }), version: 'SIP/1.0' }), 'Version Not Supported');
});
