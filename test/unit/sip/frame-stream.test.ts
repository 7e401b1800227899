import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frameStreamMessage } from '../../../src/sip/frame-stream.js';
import { parseMessage } from '../../../src/sip/parse.js';

const MSG = Buffer.from('MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nl : \r\n 5\r\nCall-ID: x\r\n\r\nhello');

test('frameStreamMessage: one message, with a folded compact Content-Length', () => {
  assert.deepEqual(frameStreamMessage(MSG), { kind: 'message', length: MSG.length });
  assert.deepEqual(frameStreamMessage(Buffer.concat([MSG, MSG])), { kind: 'message', length: MSG.length });
  assert.ok(parseMessage(MSG, { stream: true }).ok);
});

test('frameStreamMessage: every strict prefix is incomplete', () => {
  for (let i = 0; i < MSG.length; i++) assert.equal(frameStreamMessage(MSG.subarray(0, i)).kind, 'incomplete', `prefix ${i}`);
});

test('frameStreamMessage: CRLF keep-alives (RFC 5626 §3.5.1)', () => {
  assert.deepEqual(frameStreamMessage(Buffer.from('\r\n\r\n')), { kind: 'keepalive', length: 4 });
  assert.deepEqual(frameStreamMessage(Buffer.from('\r\n\r\nINVITE')), { kind: 'keepalive', length: 4 });
  assert.deepEqual(frameStreamMessage(Buffer.from('\r\nINVITE')), { kind: 'keepalive', length: 2 });
  assert.equal(frameStreamMessage(Buffer.from('\r\n')).kind, 'incomplete');
  assert.equal(frameStreamMessage(Buffer.from('\r\n\r')).kind, 'incomplete');
  assert.equal(frameStreamMessage(Buffer.from('\r')).kind, 'incomplete');
  const bad = frameStreamMessage(Buffer.from('\rX'));
  assert.equal(bad.kind, 'error');
});

test('frameStreamMessage: missing, negative or conflicting Content-Length closes the connection', () => {
  const head = 'OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n';
  for (const [extra, reason] of [
    ['', 'Missing Content-Length header'],
    ['Content-Length: -999\r\n', 'Invalid Content-Length header'],
    ['Content-Length: 13\r\nContent-Length: 5\r\n', 'Conflicting Content-Length headers'],
    ['content-length: 1x\r\n', 'Invalid Content-Length header'],
    ['l: 1 2\r\n', 'Invalid Content-Length header'],
    ['Content-Length: 99999999999\r\n', 'Invalid Content-Length header'],
  ] as const) {
    const r = frameStreamMessage(Buffer.from(`${head}${extra}\r\n`));
    assert.equal(r.kind, 'error', extra);
    if (r.kind === 'error') assert.equal(r.error.reason, reason);
  }
  // equal duplicates are tolerated; a header merely starting with "l" or "content-length" is not it
  assert.equal(frameStreamMessage(Buffer.from(`${head}l: 0\r\nContent-Length: 0\r\nLocation: 5\r\nContent-Length-X: 9\r\n\r\n`)).kind, 'message');
});

test('frameStreamMessage: limits are enforced while waiting', () => {
  const huge = Buffer.from(`OPTIONS sip:a@b SIP/2.0\r\nX: ${'a'.repeat(70000)}`);
  const r = frameStreamMessage(huge);
  assert.equal(r.kind, 'error');
  if (r.kind === 'error') assert.equal(r.error.status, 513);
  const longLine = frameStreamMessage(Buffer.from(`OPTIONS sip:${'a'.repeat(200)}`), { maxLineBytes: 100 });
  assert.equal(longLine.kind, 'error');
  const bigBody = frameStreamMessage(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 70000\r\n\r\n'));
  assert.equal(bigBody.kind, 'error');
  if (bigBody.kind === 'error') assert.equal(bigBody.error.status, 513);
  assert.equal(frameStreamMessage(Buffer.from('\x16\x03\x01\x00')).kind, 'error');
});

test('frameStreamMessage: searchFrom keeps byte-by-byte arrival linear and finds the same frames', () => {
  let buf = Buffer.alloc(0);
  let from = 0;
  let frame: ReturnType<typeof frameStreamMessage> = { kind: 'incomplete' };
  const resumes: number[] = [];
  for (let i = 0; i < MSG.length && frame.kind === 'incomplete'; i++) {
    buf = Buffer.concat([buf, MSG.subarray(i, i + 1)]);
    frame = frameStreamMessage(buf, undefined, from);
    if (frame.kind === 'incomplete') from = frame.resumeAt ?? 0;
    resumes.push(from);
  }
  const headEnd = MSG.indexOf('\r\n\r\n');
  assert.equal(resumes.at(-2), headEnd); // waiting for the body: resume at the empty line
  assert.equal(resumes[40], 38); // waiting for the header end: resume 3 bytes before the end
  assert.deepEqual(frame, { kind: 'message', length: MSG.length });
  // a hint beyond the buffer is ignored
  assert.deepEqual(frameStreamMessage(MSG, undefined, MSG.length + 10), { kind: 'message', length: MSG.length });
});
