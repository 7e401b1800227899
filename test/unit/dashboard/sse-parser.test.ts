import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { reconnectDelay, SseParser } from '../../../dashboard/sse-parser.js';

const STREAM = ': connected\n\nevent: keys\ndata: {"a":1}\n\n: heartbeat\n\nevent: delivery\r\ndata: line1\r\ndata: line2\r\n\r\ndata: plain\n\n';
const EVENTS = [{ type: 'keys', data: '{"a":1}', id: '' }, { type: 'delivery', data: 'line1\nline2', id: '' }, { type: 'message', data: 'plain', id: '' }];

test('SseParser: events with types, multi-line data, CRLF, comments skipped', () => {
  assert.deepEqual(new SseParser().feed(STREAM), EVENTS);
});

test('SseParser: the same events however the stream is cut into chunks', () => {
  fc.assert(fc.property(fc.array(fc.nat(STREAM.length), { maxLength: 12 }), (cuts) => {
    const at = [...new Set(cuts)].sort((a, b) => a - b);
    const parser = new SseParser();
    const out = [];
    let from = 0;
    for (const c of [...at, STREAM.length]) {
      out.push(...parser.feed(STREAM.slice(from, c)));
      from = c;
    }
    assert.deepEqual(out, EVENTS);
  }), { numRuns: 10000 });
});

test('SseParser: a CR at a chunk end followed by LF is one line end; a field without colon; no space after colon', () => {
  const p = new SseParser();
  assert.deepEqual(p.feed('event:x\r'), []);
  assert.deepEqual(p.feed('\ndata:1\r'), []);
  assert.deepEqual(p.feed('\n\r\n'), [{ type: 'x', data: '1', id: '' }]);
  assert.deepEqual(p.feed('data\n\n'), [{ type: 'message', data: '', id: '' }]);
  assert.deepEqual(p.feed('event: only\n\n'), [], 'an event without data is not dispatched');
  assert.deepEqual(p.feed('data: next\n\n'), [{ type: 'message', data: 'next', id: '' }], 'the type was reset');
});

test('SseParser: an over-long unfinished line is dropped with its event', () => {
  const p = new SseParser(16);
  assert.deepEqual(p.feed('event: big\ndata: ' + 'x'.repeat(40)), []);
  assert.deepEqual(p.feed('\n\ndata: ok\n\n'), [{ type: 'message', data: 'ok', id: '' }]);
});

test('SseParser: id: sets the last event ID, which lasts until the next id (also across events without one)', () => {
  const p = new SseParser();
  assert.equal(p.lastEventId, '');
  assert.deepEqual(p.feed('id: r-1\nevent: keys\ndata: 1\n\nevent: replayed\ndata: 2\n\n'), [{ type: 'keys', data: '1', id: 'r-1' }, { type: 'replayed', data: '2', id: 'r-1' }]);
  assert.deepEqual(p.feed('id:r-2\n\n'), [], 'an id alone dispatches nothing');
  assert.equal(p.lastEventId, 'r-2', 'but sets the last event ID');
  assert.deepEqual(p.feed('id: bad\0id\ndata: 3\n\nid\ndata: 4\n\n'), [{ type: 'message', data: '3', id: 'r-2' }, { type: 'message', data: '4', id: '' }], 'an id with NUL is ignored; an empty id clears it');
  assert.equal(p.lastEventId, '');
});

test('reconnectDelay: doubles from 500 ms to 30 s with ±20 % jitter', () => {
  assert.deepEqual([0, 1, 2, 3, 6, 7, 100].map((n) => reconnectDelay(n, 0.5)), [500, 1000, 2000, 4000, 30_000, 30_000, 30_000]);
  assert.equal(reconnectDelay(0, 0), 400);
  assert.equal(reconnectDelay(0, 1), 600);
  assert.equal(reconnectDelay(10, 1), 30_000, 'never above the maximum');
  assert.equal(reconnectDelay(-3, 0.5), 500);
});
