import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SseParser, type SseEvent } from '../../../src/cli/sse-parser.js';

function parseAll(chunks: readonly string[]): SseEvent[] {
  const p = new SseParser();
  return chunks.flatMap((c) => p.push(c));
}

describe('SseParser', () => {
  it('parses events, default type, multi-line data, comments, ids and every line ending', () => {
    const text = ': keep-alive\n\nevent: registered\ndata: {"user":"2000"}\n\ndata:a\r\ndata: b\r\nid: 7\r\n\revent: x\rdata\r\r\n';
    assert.deepEqual(parseAll([text]), [
      { event: 'registered', data: '{"user":"2000"}' },
      { event: 'message', data: 'a\nb', id: '7' },
      { event: 'x', data: '', id: '7' },
    ]);
  });
  it('does not dispatch an event without data or an unfinished one', () => {
    assert.deepEqual(parseAll(['event: a\n\n', 'event: b\ndata: 1\n']), []);
  });
  it('a CRLF split between chunks is one line end', () => {
    assert.deepEqual(parseAll(['data: 1\r', '\n\r', '\n']), [{ event: 'message', data: '1' }]);
  });
  it('drops a line longer than the limit', () => {
    const p = new SseParser(10);
    assert.deepEqual(p.push('data: 01234567890123'), []);
    assert.deepEqual(p.push('\n\ndata: ok\n\n'), [{ event: 'message', data: 'ok' }]);
  });
  it('gives the same events however the stream is cut into chunks', () => {
    const line = fc.oneof(
      fc.constantFrom('', ': c', 'event: delivery', 'event:keys', 'id: 9', 'retry: 5'),
      fc.string({ maxLength: 12 }).filter((s) => !/[\r\n]/.test(s)).map((s) => `data: ${s}`),
    );
    const ending = fc.constantFrom('\n', '\r\n', '\r');
    fc.assert(fc.property(fc.array(fc.tuple(line, ending), { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 6 }), (lines, cuts) => {
      const text = lines.map(([l, e]) => l + e).join('');
      const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
      const chunks: string[] = [];
      let last = 0;
      for (const p of points) {
        chunks.push(text.slice(last, p));
        last = p;
      }
      chunks.push(text.slice(last));
      assert.deepEqual(parseAll(chunks), parseAll([text]));
    }), { numRuns: 10000 });
  });
});
