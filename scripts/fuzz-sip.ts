// Long mutation-fuzz run of the SIP parser: `npm run fuzz:sip -- [count] [seed]` (defaults 1000000, random).
// Each case mutates an RFC 4475 corpus message (bit flips, insertions, deletions, truncations, splices …)
// or is random bytes, and checks the invariant of test/unit/sip/corpus-mutations.ts: a message or a
// SipParseError, never an exception; a parsed message re-serializes and re-parses to itself. Cases that
// take over 500 ms (far beyond any GC pause seen) count as hangs. Prints cases/s and, for a failure, the seed that reproduces it.
import { checkAnyInput, CORPUS_DIR, loadCorpus, mutate, rng } from '../test/unit/sip/corpus-mutations.js';

const count = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? Math.floor(Math.random() * 2 ** 31));
if (!Number.isInteger(count) || count <= 0 || !Number.isInteger(seed)) {
  console.error('usage: fuzz-sip [count > 0] [integer seed]');
  process.exit(2);
}
const corpus = loadCorpus();
if (corpus.length === 0) {
  console.error(`corpus not found at ${CORPUS_DIR}`);
  process.exit(2);
}

console.log(`fuzz-sip: ${count} cases, seed ${seed}, corpus of ${corpus.length} files`);
let failures = 0;
let slowest = 0;
const start = process.hrtime.bigint();
let lastReport = start;
for (let i = 0; i < count; i++) {
  // every case depends only on its own seed: `fuzz-sip 1 <case seed>` replays it
  const caseSeed = (seed + i) | 0;
  let data: Buffer;
  let path: string;
  const r = rng(caseSeed ^ 0x5bd1e995);
  if (r() < 0.1) {
    data = Buffer.alloc(Math.floor(r() * 512));
    for (let j = 0; j < data.length; j++) data[j] = Math.floor(r() * 256);
    path = 'random bytes';
  } else {
    const m = mutate(corpus, caseSeed);
    data = m.data;
    path = m.ops.join(',');
  }
  const t0 = process.hrtime.bigint();
  try {
    checkAnyInput(data);
  } catch (e) {
    failures++;
    console.log(`FAIL case ${i} seed ${caseSeed} (${path}): ${(e as Error).message.split('\n')[0]}`);
    console.log(`  input (base64): ${data.toString('base64')}`);
    if (failures >= 20) break;
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (ms > slowest) slowest = ms;
  if (ms > 500) {
    failures++;
    console.log(`HANG? case ${i} seed ${caseSeed} (${path}) took ${ms.toFixed(1)} ms`);
  }
  const now = process.hrtime.bigint();
  if (now - lastReport > 10_000_000_000n) {
    lastReport = now;
    console.log(`  ${i + 1} cases, ${Math.round((i + 1) / (Number(now - start) / 1e9))} cases/s`);
  }
}
const secs = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`fuzz-sip: ${count} cases in ${secs.toFixed(1)} s = ${Math.round(count / secs)} cases/s, slowest ${slowest.toFixed(2)} ms, ${failures} failures`);
process.exit(failures > 0 ? 1 : 0);
