// Issue 7's durability test: `snomctl serve` is killed with SIGKILL during a burst of 1,000 bind-key
// requests (POST /v1/keys, 32 in flight); after a restart on the same data directory every request that had
// been answered 200 is in the desired state (GET /v1/phones/:aor/keys). No phone is registered: the desired
// state is persisted before anything is sent, so the answers come as soon as it is written.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Pool } from 'undici';
import { serveReady, spawnServe, stopServe, tempDirs } from '../helpers/serve-process.js';

const DOMAIN = 'kill.test';
const REQUESTS = 1000;
const IN_FLIGHT = 32;
const KILL_AFTER = 400;
const USERS = 10;
const temp = tempDirs('snomctl-kill9-');

after(() => temp.cleanup());

/** Request i sets one key of its own: user `u<i mod 10>`, key `<i div 10 + 1>`, label `r<i>`. */
function requestBody(i: number): { profile: string; user: string; host: string; keys: { key: string; light: string; label: string }[] } {
  return { profile: 'internal', user: `u${i % USERS}`, host: DOMAIN, keys: [{ key: String(Math.floor(i / USERS) + 1), light: 'on', label: `r${i}` }] };
}

test('kill -9 during 1,000 bind-key requests: every request answered 200 is in the desired state after a restart', { timeout: 60_000 }, async () => {
  const dataDir = join(temp.make(), 'data');
  const args = ['--data-dir', dataDir, '--sip-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0', '--domain', DOMAIN, '--log-level', 'warn'];
  const first = spawnServe(args);
  const answered: number[] = [];
  let failed = 0;
  let killedAt = -1;
  try {
    const at = await serveReady(first);
    const pool = new Pool(at.api, { connections: IN_FLIGHT, pipelining: 1 });
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < REQUESTS) {
        const i = next++;
        try {
          const res = await pool.request({
            path: '/v1/keys', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(requestBody(i)),
            headersTimeout: 10_000, bodyTimeout: 10_000,
          });
          const body = await res.body.json() as { pending?: boolean; keys?: { key: string; version: number }[] };
          if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${JSON.stringify(body)}`);
          assert.equal(body.pending, true);
          answered.push(i);
          if (answered.length === KILL_AFTER) {
            killedAt = next;
            first.child.kill('SIGKILL');
          }
        } catch (error) {
          // only after the kill may a request fail (reset, refused, or its answer cut off)
          if (killedAt < 0) throw error;
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    await pool.destroy();
  } finally {
    if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL');
  }
  assert.deepEqual(await first.exited, { code: null, signal: 'SIGKILL' });
  assert.ok(killedAt > 0, 'the service was killed during the burst');
  assert.ok(answered.length >= KILL_AFTER && answered.length < REQUESTS, `answered ${answered.length}`);
  assert.equal(answered.length + failed, REQUESTS);

  const second = spawnServe(args);
  try {
    const at = await serveReady(second);
    const health = await (await fetch(`${at.api}/healthz`)).json() as { store: string };
    assert.equal(health.store, 'ok');
    const labels = new Map<string, string>(); // `user key` → label
    for (let u = 0; u < USERS; u++) {
      const res = await fetch(`${at.api}/v1/phones/u${u}@${DOMAIN}/keys?profile=internal`);
      if (res.status === 404) continue; // none of this user's requests was written
      assert.equal(res.status, 200);
      const { keys } = await res.json() as { keys: { desired: { user: string; key: string; state: { label: string } } }[] };
      for (const k of keys) labels.set(`${k.desired.user} ${k.desired.key}`, k.desired.state.label);
    }
    const missing = answered.filter((i) => {
      const b = requestBody(i);
      return labels.get(`${b.user} ${b.keys[0]!.key}`) !== `r${i}`;
    });
    assert.deepEqual(missing, [], `${missing.length} of ${answered.length} answered requests are missing after the restart`);
    // nothing beyond what was asked: at most every request, each key with its own request's label
    assert.ok(labels.size >= answered.length && labels.size <= REQUESTS, `${labels.size} keys stored`);
    console.log(`${answered.length} answered before SIGKILL, ${failed} cut off, ${labels.size} keys stored after the restart`);
  } finally {
    const exit = await stopServe(second);
    assert.deepEqual(exit, { code: 0, signal: null }, second.stderr());
  }
});
