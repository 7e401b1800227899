// serialize → parse round trip for generated valid responses, and formatUri → parseUri (fast-check).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseMessage } from '../../../src/sip/parse.js';
import { serializeMessage } from '../../../src/sip/serialize.js';
import { createResponse, type SipResponse } from '../../../src/sip/message.js';
import { formatUri, parseUri } from '../../../src/sip/uri.js';
import { printable, sipUri, token } from './arbitraries.js';
import { checkCommon, common, headersOf } from './roundtrip-common.js';

test('property: generated responses survive serialize → parse', () => {
  fc.assert(fc.property(fc.integer({ min: 100, max: 699 }), printable(0, 20), token(10), common, (status, reason, method, c) => {
    const sent = headersOf(c, method);
    const res = createResponse({ status, reason, headers: sent, body: c.body });
    const r = parseMessage(serializeMessage(res));
    if (!r.ok) throw new Error(`${r.error.status} ${r.error.reason}`);
    const m = r.value as SipResponse;
    assert.equal(m.kind, 'response');
    assert.equal(m.status, status);
    assert.equal(m.reason, reason);
    checkCommon(m, c, method, sent);
  }), { numRuns: 8000 });
});

test('property: formatUri → parseUri is the identity on SIP URIs with headers', () => {
  fc.assert(fc.property(sipUri(true), (u) => {
    const r = parseUri(formatUri(u));
    assert.ok(r.ok);
    assert.deepEqual(r.value, u);
  }), { numRuns: 10000 });
});
