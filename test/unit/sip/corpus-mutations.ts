// Mutation engine over the RFC 4475 corpus, shared by the fuzz property test and scripts/fuzz-sip.ts, and
// the invariant every parse must keep.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseMessage, SipParseError } from '../../../src/sip/parse.js';
import { frameStreamMessage } from '../../../src/sip/frame-stream.js';
import { serializeMessage } from '../../../src/sip/serialize.js';
import type { SipMessage } from '../../../src/sip/message.js';
import { getContacts, getCSeq, getFrom, getMaxForwards, getRequestUri, getTo, getVias } from '../../../src/sip/accessors.js';
import { validateRequest } from '../../../src/sip/validate.js';
import { responseTo } from '../../../src/sip/response-to.js';

/** ../shared/rfc4475 relative to the project root. */
export const CORPUS_DIR = path.resolve(import.meta.dirname, '../../../../shared/rfc4475');

/** The corpus files (name and bytes), or [] when the folder is absent. */
export function loadCorpus(dir = CORPUS_DIR): Array<{ name: string; data: Buffer }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.dat')).sort().map((name) => ({ name, data: readFileSync(path.join(dir, name)) }));
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same mutations. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = Buffer.from('\r\n \t:;,="<>%\\@?&/[]0123456789*\x00\x7f\xff\xc3\xa9-+.', 'latin1');

/** Applies 1–4 random mutations (bit flips, insertions, deletions, truncation, splices, line moves, huge numbers). */
export function mutate(corpus: ReadonlyArray<{ data: Buffer }>, seed: number): { data: Buffer; ops: string[] } {
  const r = rng(seed);
  const pick = (n: number): number => Math.floor(r() * n);
  let data = Buffer.from(corpus[pick(corpus.length)]!.data);
  const ops: string[] = [];
  const count = 1 + pick(4);
  for (let k = 0; k < count; k++) {
    const op = pick(8);
    const at = pick(data.length + 1);
    switch (op) {
      case 0: // bit flip
        if (data.length > 0) {
          const i = Math.min(at, data.length - 1);
          data[i] = data[i]! ^ (1 << pick(8));
          ops.push(`flip@${i}`);
        }
        break;
      case 1: { // insert interesting or random bytes
        const n = 1 + pick(4);
        const ins = Buffer.alloc(n);
        for (let i = 0; i < n; i++) ins[i] = r() < 0.7 ? INTERESTING[pick(INTERESTING.length)]! : pick(256);
        data = Buffer.concat([data.subarray(0, at), ins, data.subarray(at)]);
        ops.push(`insert@${at}x${n}`);
        break;
      }
      case 2: { // delete a range
        const n = 1 + pick(16);
        data = Buffer.concat([data.subarray(0, at), data.subarray(at + n)]);
        ops.push(`delete@${at}x${n}`);
        break;
      }
      case 3: // truncate
        data = data.subarray(0, at);
        ops.push(`truncate@${at}`);
        break;
      case 4: { // splice: a prefix of this one and a suffix of another file
        const other = corpus[pick(corpus.length)]!.data;
        data = Buffer.concat([data.subarray(0, at), other.subarray(pick(other.length + 1))]);
        ops.push(`splice@${at}`);
        break;
      }
      case 5: { // duplicate a line at another place
        const lines = data.toString('latin1').split('\r\n');
        const line = lines[pick(lines.length)]!;
        lines.splice(pick(lines.length + 1), 0, line);
        data = Buffer.from(lines.join('\r\n'), 'latin1');
        ops.push('dupline');
        break;
      }
      case 6: { // replace a run of digits by a huge or negative number
        const s = data.toString('latin1');
        const m = /\d+/g;
        const all = [...s.matchAll(m)];
        if (all.length > 0) {
          const hit = all[pick(all.length)]!;
          const repl = ['99999999999999999999', '-1', '4294967296', '2147483648', '0', ''][pick(6)]!;
          data = Buffer.from(s.slice(0, hit.index) + repl + s.slice(hit.index! + hit[0].length), 'latin1');
          ops.push(`number@${hit.index}`);
        }
        break;
      }
      default: { // swap CRLF for LF, or remove the empty line
        const s = data.toString('latin1');
        data = Buffer.from(r() < 0.5 ? s.replace('\r\n', '\n') : s.replace('\r\n\r\n', '\r\n'), 'latin1');
        ops.push('lineend');
      }
    }
  }
  return { data, ops };
}

const STATUSES = new Set([400, 513]);

/**
 * The invariant for any input: parseMessage returns a message or a SipParseError (400/513, no internal
 * cause) and never throws; the accessors, validateRequest and responseTo work on what it returns; a parsed
 * message serializes and parses again to the same message; framing never throws either.
 */
export function checkAnyInput(data: Buffer): void {
  const r = parseMessage(data);
  const s = parseMessage(data, { stream: true });
  const f = frameStreamMessage(data);
  assert.ok(['incomplete', 'keepalive', 'message', 'error'].includes(f.kind));
  for (const res of [r, s]) {
    if (!res.ok) {
      assert.ok(res.error instanceof SipParseError);
      assert.ok(STATUSES.has(res.error.status), `status ${res.error.status}`);
      assert.equal(res.error.cause, undefined, 'internal error');
      assert.match(res.error.reason, /^[A-Za-z -]+$/);
      const partial = res.error.partial;
      if (partial) serializeMessage(responseTo(res.error, res.error.status, res.error.reason));
    }
  }
  if (!r.ok) return;
  const m = r.value;
  touch(m);
  const again = parseMessage(serializeMessage(m));
  if (!again.ok) throw new Error(`re-parse failed: ${again.error.reason}`);
  const a = again.value;
  assert.equal(a.kind, m.kind);
  if (a.kind === 'request' && m.kind === 'request') {
    assert.deepEqual([a.method, a.uri, a.version], [m.method, m.uri, m.version]);
    validateRequest(m, { methods: ['INVITE', 'REGISTER', 'OPTIONS', 'MESSAGE'], extensions: ['path'] });
    serializeMessage(responseTo(m, 400, 'Bad Request'));
  } else if (a.kind === 'response' && m.kind === 'response') {
    assert.deepEqual([a.status, a.reason], [m.status, m.reason]);
  }
  const strip = (x: SipMessage): string[][] => [...x.headers].filter((h) => h.key !== 'content-length').map((h) => [h.name, h.value]);
  assert.deepEqual(strip(a), strip(m));
  assert.ok(a.body.equals(m.body));
}

function touch(m: SipMessage): void {
  getVias(m);
  getCSeq(m);
  getFrom(m);
  getTo(m);
  getContacts(m);
  getMaxForwards(m);
  if (m.kind === 'request') getRequestUri(m);
}
