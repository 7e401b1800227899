import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createServeLogger, redactLogObject } from '../../../src/serve.js';

test('redactLogObject replaces secrets at any depth and the password of a snom_command line', () => {
  assert.deepEqual(redactLogObject({
    user: '2000', password: 'p1', nested: { deeper: [{ Password: 'p2', token: 't', keep: 'v' }] },
    headers: { authorization: 'Bearer x', host: 'h' }, line: 'snom_command 10.0.0.9 key enter admin pw', tokens: ['a'],
  }), {
    user: '2000', password: '[redacted]', nested: { deeper: [{ Password: '[redacted]', token: '[redacted]', keep: 'v' }] },
    headers: { authorization: '[redacted]', host: 'h' }, line: 'snom_command 10.0.0.9 key enter admin ***', tokens: '[redacted]',
  });
  assert.equal(redactLogObject('plain'), 'plain');
  assert.equal(redactLogObject(null), null);
});

test('the serve logger writes JSON lines without the secrets', async () => {
  const sink = new PassThrough();
  let text = '';
  sink.setEncoding('utf8').on('data', (c: string) => (text += c));
  const log = createServeLogger('debug', sink);
  log.info({ body: { phones: [{ password: 'hunter2-secret' }] }, line: 'snom_command 1.2.3.4 key enter admin sesame-open' }, 'x');
  log.child({ reqId: 1 }).debug({ authorization: 'Bearer tok-tok-tok' }, 'y');
  await new Promise((r) => setImmediate(r));
  assert.ok(!text.includes('hunter2-secret'), text);
  assert.ok(!text.includes('sesame-open'), text);
  assert.ok(!text.includes('tok-tok-tok'), text);
  const first = JSON.parse(text.split('\n')[0]!) as { body: { phones: { password: string }[] }; line: string; msg: string };
  assert.equal(first.body.phones[0]!.password, '[redacted]');
  assert.equal(first.line, 'snom_command 1.2.3.4 key enter admin ***');
  assert.equal(first.msg, 'x');
});
