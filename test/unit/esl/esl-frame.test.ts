import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EslFrameParser, parseHeaderLines, type EslFrame } from '../../../src/esl/esl-frame.js';

function frames(parser: EslFrameParser, input: string | Buffer): EslFrame[] {
  const r = parser.push(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

const GREETING = 'Content-Type: auth/request\n\n';
const ACCEPTED = 'Content-Type: command/reply\nReply-Text: +OK accepted\n\n';
const API = 'Content-Type: api/response\nContent-Length: 25\n\nerror/user_not_registered';

describe('EslFrameParser', () => {
  test('auth/request, command/reply and api/response as mod_event_socket writes them', () => {
    const p = new EslFrameParser();
    const out = frames(p, GREETING + ACCEPTED + API);
    assert.equal(out.length, 3);
    assert.equal(out[0]?.headers.get('Content-Type'), 'auth/request');
    assert.equal(out[0]?.body.length, 0);
    assert.equal(out[1]?.headers.get('reply-text'), '+OK accepted');
    assert.equal(out[2]?.headers.get('Content-Type'), 'api/response');
    assert.equal(out[2]?.body.toString(), 'error/user_not_registered');
    assert.equal(p.bufferedBytes, 0);
  });

  test('a body is taken by byte count, multi-byte UTF-8 and blank lines included', () => {
    const body = 'k=2\n\nl=Tür\n';
    const text = `Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`;
    const out = frames(new EslFrameParser(), text);
    assert.equal(out[0]?.body.toString('utf8'), body);
  });

  test('one byte at a time gives the same frames', () => {
    const p = new EslFrameParser();
    const all: EslFrame[] = [];
    for (const b of Buffer.from(GREETING + API + ACCEPTED)) all.push(...frames(p, Buffer.from([b])));
    assert.deepEqual(all.map((f) => f.headers.get('Content-Type')), ['auth/request', 'api/response', 'command/reply']);
    assert.equal(all[1]?.body.toString(), 'error/user_not_registered');
  });

  test('stray CR/LF between frames and CRLF line ends are accepted', () => {
    const out = frames(new EslFrameParser(), '\n\r\nContent-Type: auth/request\r\n\r\n\nContent-Type: command/reply\r\nReply-Text: +OK\r\n\r\n');
    assert.deepEqual(out.map((f) => [f.headers.get('Content-Type'), f.headers.get('Reply-Text') ?? null]), [['auth/request', null], ['command/reply', '+OK']]);
  });

  test('Content-Length: 0 gives an empty body', () => {
    const out = frames(new EslFrameParser(), 'Content-Type: text/disconnect-notice\nContent-Length: 0\n\n');
    assert.equal(out.length, 1);
    assert.equal(out[0]?.body.length, 0);
  });

  test('a bad Content-Length is a protocol error, and stays one', () => {
    const p = new EslFrameParser();
    const r = p.push(Buffer.from('Content-Type: api/response\nContent-Length: 12abc\n\n'));
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, 'SNOM_ERR_ESL_PROTOCOL');
    assert.equal(p.push(Buffer.from(GREETING)).ok, false);
  });

  test('limits: a body or header block beyond them is refused, never buffered', () => {
    const p = new EslFrameParser({ maxBodyBytes: 10 });
    const r = p.push(Buffer.from('Content-Type: api/response\nContent-Length: 11\n\n'));
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error.message, /exceeds the limit of 10 bytes/);
    const q = new EslFrameParser({ maxHeaderBytes: 32 });
    const s = q.push(Buffer.from(`X-Long: ${'a'.repeat(40)}`));
    assert.equal(s.ok, false);
  });

  test('property: any split of a frame sequence parses identically', () => {
    const frame = fc.oneof(
      fc.constant(GREETING),
      fc.constant(ACCEPTED),
      fc.string({ maxLength: 40 }).map((b) => `Content-Type: api/response\nContent-Length: ${Buffer.byteLength(b)}\n\n${b}`),
    );
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 6 }), fc.array(fc.nat(200), { maxLength: 8 }), (list, cuts) => {
        const bytes = Buffer.from(list.join(''), 'utf8');
        const whole = frames(new EslFrameParser(), bytes).map((f) => [f.headers.toArray(), f.body.toString('hex')]);
        const p = new EslFrameParser();
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const pieces: Array<[unknown, string]> = [];
        let last = 0;
        for (const c of [...points, bytes.length]) {
          pieces.push(...frames(p, bytes.subarray(last, c)).map((f) => [f.headers.toArray(), f.body.toString('hex')] as [unknown, string]));
          last = c;
        }
        assert.deepEqual(pieces, whole);
        assert.equal(whole.length, list.length);
      }),
      { numRuns: 10000 },
    );
  });

  test('property: arbitrary bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const r = new EslFrameParser({ maxBodyBytes: 1000 }).push(bytes);
        assert.equal(typeof r.ok, 'boolean');
      }),
      { numRuns: 10000 },
    );
  });
});

describe('parseHeaderLines', () => {
  test('value after the first colon, leading spaces skipped; lines without a colon ignored', () => {
    assert.deepEqual(parseHeaderLines('Reply-Text: +OK Job-UUID: 7f\nJob-UUID:7f\ngarbage\nX:   a: b '), [
      { name: 'Reply-Text', value: '+OK Job-UUID: 7f' },
      { name: 'Job-UUID', value: '7f' },
      { name: 'X', value: 'a: b ' },
    ]);
  });
});
