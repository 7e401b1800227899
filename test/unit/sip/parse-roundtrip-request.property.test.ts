// serialize → parse round trip for generated valid requests (fast-check; with the responses file: 20000 runs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseMessage } from '../../../src/sip/parse.js';
import { serializeMessage } from '../../../src/sip/serialize.js';
import { createRequest, type SipRequest } from '../../../src/sip/message.js';
import { formatUri } from '../../../src/sip/uri.js';
import { getRequestUri } from '../../../src/sip/accessors.js';
import { sipUri, token } from './arbitraries.js';
import { checkCommon, common, headersOf } from './roundtrip-common.js';

test('property: generated requests survive serialize → parse', () => {
  fc.assert(fc.property(token(16), sipUri(false), common, (method, ruri, c) => {
    const uri = formatUri(ruri);
    const sent = headersOf(c, method);
    const req = createRequest({ method, uri, headers: sent, body: c.body });
    const r = parseMessage(serializeMessage(req));
    if (!r.ok) throw new Error(`${r.error.status} ${r.error.reason}`);
    const m = r.value as SipRequest;
    assert.equal(m.kind, 'request');
    assert.equal(m.method, method);
    assert.equal(m.uri, uri);
    assert.equal(m.version, 'SIP/2.0');
    assert.deepEqual(getRequestUri(m), ruri);
    checkCommon(m, c, method, sent);
  }), { numRuns: 12000 });
});

