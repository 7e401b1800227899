// CommandService.bulk against 20 real HTTP servers on 127.0.22.1–20 (one per phone, all registered
// through the Registrar): bounded concurrency observed by the servers, progress, per-phone results.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { PhoneClient } from '../../src/phone/phone-client.js';
import type { Registrar } from '../../src/registrar/registrar.js';
import type { PhoneCommandResult } from '../../src/service/commands/command-result.js';
import { CombinedLocationSource } from '../../src/service/commands/combined-locations.js';
import { CommandService } from '../../src/service/commands/command-service.js';
import { RegistrarLocationSource } from '../../src/service/commands/registrar-locations.js';
import type { ConcurrencyTracker, TestServer } from '../helpers/http-test-server.js';
import { makeRegistrar, registerFrom, startPhonesOnOnePort } from '../unit/service/commands/command-fixtures.js';

const HOSTS = Array.from({ length: 20 }, (_, i) => `127.0.22.${i + 1}`);
const USERS = HOSTS.map((_, i) => String(5000 + i));
const DEAD = '127.0.22.99';
const tracker: ConcurrencyTracker = { current: 0, max: 0 };

let port: number;
let servers: Map<string, TestServer>;
let registrar: Registrar;
let client: PhoneClient;
let service: CommandService;

before(async () => {
  ({ port, servers } = await startPhonesOnOnePort(HOSTS, () => ({ delayMs: 40, sharedTracker: tracker })));
  registrar = makeRegistrar(Object.fromEntries([...USERS, '5099'].map((u) => [u, { trustedNetworks: ['127.0.22.0/24'] }])));
  for (const [i, user] of USERS.entries()) await registerFrom(registrar, { user, address: HOSTS[i]! });
  client = new PhoneClient({ connectTimeoutMs: 1000, timeoutMs: 3000 });
  service = new CommandService({
    client,
    locations: new CombinedLocationSource({ registered: [new RegistrarLocationSource({ registrar, webPort: port })] }),
    direct: { port },
  });
});

after(async () => {
  await client.close();
  await Promise.all([...servers.values()].map((s) => s.close()));
  await registrar.close();
});

beforeEach(() => {
  tracker.max = 0;
  for (const s of servers.values()) s.requests.length = 0;
});

test('20 phones at concurrency 4: at most 4 in flight, 20 progress calls, one result per phone', async () => {
  const progress: [number, number, string][] = [];
  const out = await service.bulk(USERS.map((u) => `*/${u}`), { kind: 'key', sequence: 'enter' }, {
    concurrency: 4,
    onProgress: (done, total, r) => progress.push([done, total, r.phone.host]),
  });
  assert.equal(tracker.max, 4, 'the servers saw exactly 4 requests at once at the peak');
  assert.deepEqual(progress.map(([done, total]) => [done, total]), Array.from({ length: 20 }, (_, i) => [i + 1, 20]));
  assert.deepEqual(progress.map(([, , host]) => host).sort(), [...HOSTS].sort());
  assert.deepEqual([out.ok, out.total, out.succeeded, out.failed, out.unresolved, out.error], [true, 20, 20, 0, [], undefined]);
  assert.deepEqual(out.results.map((r) => [r.phone.host, r.phone.user, r.ok, r.status]), HOSTS.map((h, i) => [h, USERS[i], true, 200]));
  for (const h of HOSTS) assert.deepEqual(servers.get(h)!.requests.map((q) => q.url), ['/command.htm?key=enter'], h);
});

test("'all-registered' reaches every registered phone", async () => {
  let calls = 0;
  const out = await service.bulk('all-registered', { kind: 'action', action: 'misseddel' }, { concurrency: 3, onProgress: () => calls++ });
  assert.ok(tracker.max <= 3 && tracker.max >= 1, `max ${tracker.max}`);
  assert.deepEqual([out.ok, out.total, calls], [true, 20, 20]);
  assert.deepEqual(out.results.map((r) => r.phone.host).sort(), [...HOSTS].sort());
  for (const h of HOSTS) assert.deepEqual(servers.get(h)!.requests.map((q) => q.url), ['/index.htm?misseddel=0'], h);
});

test('unresolved targets, a dead phone, and one phone named twice', async () => {
  await registerFrom(registrar, { user: '5099', address: DEAD });
  const results: PhoneCommandResult[] = [];
  const out = await service.bulk(['*/5000', HOSTS[0]!, '*/7777', 'bad target', '*/5099', '*/5001'], { kind: 'key', sequence: 'cancel' }, {
    onProgress: (_d, _t, r) => results.push(r),
  });
  assert.deepEqual([out.ok, out.total, out.succeeded, out.failed], [false, 3, 2, 1]);
  assert.deepEqual(out.results.map((r) => [r.phone.host, r.ok, r.code]), [[HOSTS[0], true, undefined], [DEAD, false, 'unreachable'], [HOSTS[1], true, undefined]]);
  assert.deepEqual(out.unresolved, [
    { target: '*/7777', error: { code: 'not-found', message: "user '*/7777' not registered" } },
    { target: 'bad target', error: { code: 'bad-target', message: 'target contains white space' } },
  ]);
  assert.equal(results.length, 3);
  assert.deepEqual(servers.get(HOSTS[0]!)!.requests.map((q) => q.url), ['/command.htm?key=cancel'], 'commanded once although named twice');
});

test('aborting a bulk run: phones not yet sent to are reported aborted', async () => {
  const controller = new AbortController();
  const out = await service.bulk(USERS.map((u) => `*/${u}`), { kind: 'key', sequence: 'enter' }, {
    concurrency: 2,
    signal: controller.signal,
    onProgress: (done) => {
      if (done === 4) controller.abort();
    },
  });
  const sent = HOSTS.reduce((n, h) => n + servers.get(h)!.requests.length, 0);
  assert.equal(out.total, 20);
  assert.ok(out.succeeded >= 4 && out.succeeded <= 6, `succeeded ${out.succeeded}`);
  assert.ok(out.results.filter((r) => !r.ok).every((r) => r.code === 'aborted'));
  assert.equal(out.failed, 20 - out.succeeded);
  assert.ok(sent <= 6, `requests sent ${sent}`);
});

test('bulk refuses bad input before doing anything', async () => {
  const none = { ok: false, total: 0, succeeded: 0, failed: 0, results: [], unresolved: [] };
  assert.deepEqual(await service.bulk(['*/5000'], { kind: 'key', sequence: 'nokey' }), {
    ...none, error: { code: 'invalid-argument', field: 'key sequence', message: 'key 1: unknown key "nokey"' },
  });
  assert.deepEqual(await service.bulk(['*/5000'], { kind: 'screenshot' }, { concurrency: 0 }), {
    ...none, error: { code: 'invalid-argument', field: 'concurrency', message: 'must be a whole number from 1 to 1024' },
  });
  assert.equal(HOSTS.reduce((n, h) => n + servers.get(h)!.requests.length, 0), 0);
});
