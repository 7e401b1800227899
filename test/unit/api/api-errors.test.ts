import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, toErrorReply, validationMessage } from '../../../src/api/api-errors.js';
import { ServiceStateError, UnknownProfileError } from '../../../src/service/index.js';

test('statuses come from the code map; 5xx never leak a message', () => {
  assert.deepEqual(toErrorReply(new UnknownProfileError('x')), { status: 404, body: { error: { code: 'SNOM_ERR_UNKNOWN_PROFILE', message: 'unknown profile "x"' } } });
  assert.equal(toErrorReply(new ServiceStateError('closing', 'bind keys')).status, 503);
  assert.equal(toErrorReply(new ApiError('SNOM_ERR_UNAUTHORIZED', 'no')).status, 401);
  assert.deepEqual(toErrorReply(new Error('secret detail')), { status: 500, body: { error: { code: 'SNOM_ERR_INTERNAL', message: 'internal error' } } });
  assert.deepEqual(toErrorReply({ statusCode: 415, message: 'Unsupported Media Type' }), { status: 415, body: { error: { code: 'SNOM_ERR_BAD_REQUEST', message: 'Unsupported Media Type' } } });
});

test('validation messages name the field as a JSON path', () => {
  assert.equal(validationMessage('body', [{ instancePath: '/keys/2/label', keyword: 'type', message: 'must be string' }]), 'keys[2].label must be string');
  assert.equal(validationMessage('body', [{ instancePath: '', keyword: 'required', params: { missingProperty: 'user' } }]), 'user is required');
  assert.equal(validationMessage('querystring', [{ instancePath: '', keyword: 'additionalProperties', params: { additionalProperty: 'x' } }]), 'querystring.x is not allowed here');
  assert.equal(validationMessage('body', [{ instancePath: '/command/kind', keyword: 'enum', params: { allowedValues: ['a', 'b'] } }]), 'command.kind must be one of "a", "b"');
});
