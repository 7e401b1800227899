// Concurrency caps over real sockets: 200 commands to 50 phones (50 servers on 127.0.1.x) never exceed
// the per-phone cap at any server, nor the overall cap across all of them; queue waits count against
// the total timeout.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PhoneClient } from '../../src/phone/phone-client.js';
import { PhoneOperations } from '../../src/phone/phone-operations.js';
import { startTestServer, type ConcurrencyTracker, type TestServer } from '../helpers/http-test-server.js';

/** Slack for timer assertions on a loaded 2-core CI machine. */
const MARGIN_MS = 400;

const PHONES = 50;
const shared: ConcurrencyTracker = { current: 0, max: 0 };
let servers: TestServer[] = [];

before(async () => {
  servers = await Promise.all(
    Array.from({ length: PHONES }, (_, i) => startTestServer({ host: `127.0.1.${i + 1}`, delayMs: 15, sharedTracker: shared })),
  );
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

function reset(): void {
  shared.max = 0;
  for (const s of servers) {
    s.concurrency.max = 0;
    s.requests.length = 0;
  }
}

async function run(client: PhoneClient, perPhone: number): Promise<void> {
  const ops = new PhoneOperations({ client });
  const jobs = [];
  for (let round = 0; round < perPhone; round++) {
    for (const s of servers) jobs.push(ops.pressKeys({ host: s.host, port: s.port }, `${round}`));
  }
  const results = await Promise.all(jobs);
  assert.deepEqual(results.filter((r) => !r.ok), []);
}

test('200 commands to 50 phones: per-phone cap 2 at every server, overall cap 16 across all', async () => {
  reset();
  const client = new PhoneClient({ maxPerPhone: 2, maxTotal: 16 });
  try {
    await run(client, 4);
    for (const s of servers) {
      assert.ok(s.concurrency.max <= 2, `${s.host} saw ${s.concurrency.max} at once`);
      assert.deepEqual(s.requests.map((q) => q.url).sort(), ['/command.htm?key=0', '/command.htm?key=1', '/command.htm?key=2', '/command.htm?key=3']);
    }
    assert.ok(shared.max <= 16, `overall ${shared.max}`);
    assert.ok(shared.max >= 12, `the overall cap was barely used: ${shared.max}`);
    assert.deepEqual(client.stats().active, 0);
    assert.deepEqual(client.stats().queued, 0);
  } finally {
    await client.close();
  }
});

test('with the default caps every phone gets exactly 2 at once (4 queued per phone) and all 50 run together', async () => {
  reset();
  const client = new PhoneClient();
  try {
    await run(client, 4);
    assert.deepEqual(new Set(servers.map((s) => s.concurrency.max)), new Set([2]));
    assert.ok(shared.max <= 100 && shared.max >= 50, `overall ${shared.max}`);
  } finally {
    await client.close();
  }
});

test('per-phone cap 1: a slow phone serialises its commands; queue waits count against the total timeout', async () => {
  const slow = await startTestServer({ host: '127.0.1.100', delayMs: 300 });
  const client = new PhoneClient({ maxPerPhone: 1, timeoutMs: 500 });
  try {
    const phone = { host: slow.host, port: slow.port };
    const started = performance.now();
    const results = await Promise.all([1, 2, 3].map((n) => client.request(phone, `/command.htm?key=${n}`)));
    const elapsed = performance.now() - started;
    assert.equal(results[0]!.ok, true);
    assert.deepEqual(results.slice(1).map((r) => (r.ok ? 'ok' : r.code)), ['timeout', 'timeout']);
    assert.ok(elapsed < 500 + MARGIN_MS, `elapsed ${elapsed}`);
    assert.equal(slow.concurrency.max, 1);
    // The third never got a slot before its time ran out.
    assert.deepEqual(slow.requests.map((q) => q.url), ['/command.htm?key=1', '/command.htm?key=2']);
  } finally {
    await client.close();
    await slow.close();
  }
});
