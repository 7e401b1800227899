import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newBranch, newCallId, newTag, randomToken } from '../../../src/sip/ids.js';
import { isToken } from '../../../src/sip/chars.js';
import { isCallId } from '../../../src/sip/header-values.js';
import { InvalidHeaderError } from '../../../src/sip/headers.js';
import { withCSeqRandom } from '../../helpers/spelled-random.js';

test('newBranch: magic cookie plus 22 token characters, unique', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 20000; i++) {
    const b = newBranch();
    assert.match(b, /^z9hG4bK[A-Za-z0-9_-]{22}$/);
    seen.add(b);
  }
  assert.equal(seen.size, 20000);
});

test('newTag and newCallId: token-safe, Call-ID grammar, unique', () => {
  const tags = new Set(Array.from({ length: 5000 }, () => newTag()));
  assert.equal(tags.size, 5000);
  for (const t of tags) assert.ok(isToken(t) && t.length === 16);
  assert.match(newCallId(), /^[A-Za-z0-9_-]{22}$/);
  const c = newCallId('192.0.2.1');
  assert.match(c, /^[A-Za-z0-9_-]{22}@192\.0\.2\.1$/);
  assert.ok(isCallId(c));
  assert.ok(isCallId(newCallId('[::1]')));
  assert.throws(() => newCallId('a b'), InvalidHeaderError);
  assert.throws(() => newCallId(''), InvalidHeaderError);
});

test('randomToken: uses all 64 symbols with roughly even frequency', () => {
  const counts = new Map<string, number>();
  const text = Array.from({ length: 4000 }, () => randomToken(16)).join('');
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  assert.equal(counts.size, 64);
  for (const n of counts.values()) assert.ok(n > 700 && n < 1300, `count ${n}`);
});

test('random identifiers never spell "CSeq" (SIPp takes it for its CSeq header and drops the call): cSeq instead', () => {
  // 16,384 characters: the whole pool, from a fresh fill that spells CSeqCSeq…
  const text = withCSeqRandom(() => randomToken(16384));
  assert.equal(text.length, 16384);
  assert.equal(text.slice(0, 12), 'cSeqcSeqcSeq');
  assert.equal(text.includes('CSeq'), false);
  assert.ok(isToken(text));
});
