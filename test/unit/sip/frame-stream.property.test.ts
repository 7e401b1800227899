// frameStreamMessage on random chunkings of a stream of valid messages and keep-alives reassembles exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { frameStreamMessage } from '../../../src/sip/frame-stream.js';
import { parseMessage } from '../../../src/sip/parse.js';
import { serializeMessage } from '../../../src/sip/serialize.js';
import { loadCorpus } from './corpus-mutations.js';

// every corpus message that parses, re-serialized (so it carries a Content-Length), plus a generated one
const MESSAGES: Buffer[] = loadCorpus().flatMap(({ data }) => {
  const r = parseMessage(data);
  return r.ok ? [serializeMessage(r.value)] : [];
});
MESSAGES.push(Buffer.from('MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nContent-Length: 8\r\n\r\n\r\n\r\nab\r\n'));

test('property: random chunkings of messages and keep-alives reassemble exactly', () => {
  const item = fc.record({ msg: fc.integer({ min: 0, max: MESSAGES.length - 1 }), ka: fc.constantFrom('', '', '\r\n', '\r\n\r\n') });
  fc.assert(fc.property(fc.array(item, { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 30 }),
    (items, cuts) => {
      const stream = Buffer.concat(items.flatMap(({ msg, ka }) => [Buffer.from(ka), MESSAGES[msg]!]));
      const got: Buffer[] = [];
      let keepalive = 0;
      let buf = Buffer.alloc(0);
      let resume = 0;
      let pos = 0;
      let cut = 0;
      while (pos < stream.length) {
        const n = cuts[cut++ % cuts.length]!;
        buf = Buffer.concat([buf, stream.subarray(pos, pos + n)]);
        pos += n;
        for (;;) {
          const f = frameStreamMessage(buf, undefined, resume);
          if (f.kind === 'incomplete') {
            resume = f.resumeAt ?? 0;
            break;
          }
          resume = 0;
          assert.notEqual(f.kind, 'error');
          if (f.kind === 'keepalive') keepalive += f.length;
          if (f.kind === 'message') {
            const m = buf.subarray(0, f.length);
            assert.ok(parseMessage(m, { stream: true }).ok);
            got.push(Buffer.from(m));
          }
          if (f.kind === 'keepalive' || f.kind === 'message') buf = buf.subarray(f.length);
        }
      }
      assert.equal(buf.length, 0);
      assert.equal(keepalive, items.reduce((a, { ka }) => a + ka.length, 0));
      assert.deepEqual(got, items.map(({ msg }) => MESSAGES[msg]));
    }), { numRuns: 10000 });
});
