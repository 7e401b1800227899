import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors } from 'undici';
import { classifyNetworkError } from '../../../src/phone/network-error.js';
import { phoneFailure, scrubSecrets } from '../../../src/phone/phone-result.js';

function coded(code: string, message = `boom ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

test('classifies connect timeouts, timeouts, TLS, invalid arguments and unreachable', () => {
  const cases: [unknown, string, RegExp][] = [
    [new errors.ConnectTimeoutError(), 'connect-timeout', /no connection within 3000 ms/],
    [coded('ETIMEDOUT'), 'connect-timeout', /3000 ms/],
    [new errors.HeadersTimeoutError(), 'timeout', /stopped answering/],
    [new errors.BodyTimeoutError(), 'timeout', /stopped answering/],
    [coded('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), 'tls', /TLS failed \(DEPTH_ZERO_SELF_SIGNED_CERT\): self-signed certificate/],
    [coded('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls', /ERR_TLS_CERT_ALTNAME_INVALID/],
    [coded('ERR_SSL_WRONG_VERSION_NUMBER'), 'tls', /ERR_SSL_WRONG_VERSION_NUMBER/],
    [coded('EPROTO'), 'tls', /EPROTO/],
    [new errors.InvalidArgumentError('bad'), 'invalid-request', /UND_ERR_INVALID_ARG/],
    [coded('ECONNREFUSED'), 'unreachable', /^connection refused \(ECONNREFUSED\)$/],
    [coded('ENOTFOUND'), 'unreachable', /host name not found/],
    [new errors.SocketError('other side closed'), 'unreachable', /the phone closed the connection \(UND_ERR_SOCKET\)/],
    [coded('HPE_INVALID_CONSTANT'), 'unreachable', /malformed HTTP answer/],
    [new AggregateError([coded('ECONNREFUSED'), coded('EHOSTUNREACH')]), 'unreachable', /ECONNREFUSED/],
    [coded('EWHATEVER', 'line1\nline2'), 'unreachable', /^line1 line2 \(EWHATEVER\)$/],
    ['a string', 'unreachable', /^a string$/],
    [undefined, 'unreachable', /^undefined$/],
  ];
  for (const [e, code, message] of cases) {
    const r = classifyNetworkError(e, 3000);
    assert.equal(r.code, code, String(e));
    assert.match(r.message, message);
  }
});

test('scrubSecrets replaces every occurrence of each non-empty secret', () => {
  assert.equal(scrubSecrets('pw=hunter2, again hunter2; q=a=b', ['hunter2', '', undefined, 'a=b']), 'pw=***, again ***; q=***');
  assert.equal(scrubSecrets('nothing here', ['x.y']), 'nothing here');
});

test('phoneFailure builds a failure value', () => {
  assert.deepEqual(phoneFailure('http-status', 404, 'HTTP 404', 12), { ok: false, code: 'http-status', status: 404, message: 'HTTP 404', latencyMs: 12 });
});
