// FreeswitchConnection against the fake FreeSWITCH (real TCP on 127.0.0.1): login, commands, the
// delivery rules (nothing lost, nothing sent twice), timeouts, authentication failure, reconnection.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { FreeswitchConnection, type EslConnectionState } from '../../src/esl/freeswitch-connection.js';
import type { FreeswitchConnectionOptions } from '../../src/esl/connection-options.js';
import type { EslEvent } from '../../src/esl/esl-event.js';
import { FakeFreeswitch } from '../helpers/fake-freeswitch.js';

const open: Array<{ close(): Promise<void> }> = [];
after(async () => {
  for (const o of open.reverse()) await o.close();
});

async function fake(options: ConstructorParameters<typeof Object>[0] = {}): Promise<FakeFreeswitch> {
  const fs = await FakeFreeswitch.start(options as never);
  open.push(fs);
  return fs;
}

function connection(fs: { port: number }, options: FreeswitchConnectionOptions = {}): FreeswitchConnection {
  const c = new FreeswitchConnection({ port: fs.port, reconnectMinMs: 20, reconnectMaxMs: 80, random: () => 0.5, ...options });
  open.push(c);
  return c;
}

async function until(check: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('FreeswitchConnection', () => {
  test('logs in, subscribes, runs api; the server saw exactly our bytes', async () => {
    const fs = await fake();
    const c = connection(fs);
    const states: EslConnectionState[] = [];
    c.onStateChange((s) => states.push(s));
    c.start();
    const r = await c.api('status');
    assert.deepEqual(r, { ok: true, value: 'UP 0 years, 0 days, 0 hours, 1 minute, 0 seconds\nFreeSWITCH (fake) is ready\n' });
    assert.deepEqual(states, ['connecting', 'connected']);
    assert.deepEqual(fs.commands.map((x) => x.raw.toString()), ['auth ClueCon\n\n', 'event plain BACKGROUND_JOB\n\n', 'api status\n\n']);
    const s = c.stats;
    assert.deepEqual([s.state, s.connects, s.commandsSent, s.commandsSucceeded, s.queued, s.inFlight], ['connected', 1, 1, 1, 0, 0]);
    assert.equal(typeof s.connectedSince, 'number');
  });

  test('an unknown API is FreeSWITCH’s text, a refused command a value (-ERR), never an exception', async () => {
    const fs = await fake();
    const c = connection(fs);
    c.start();
    assert.deepEqual(await c.api('nosuch thing'), { ok: true, value: '-ERR nosuch Command not found!\n' });
    const r = await c.command({ line: 'nixevent ALL' });
    assert.ok(!r.ok);
    if (!r.ok) assert.deepEqual([r.error.code, r.error.outcome, r.error.reply], ['SNOM_ERR_ESL_REJECTED', 'failed', '-ERR command not found']);
    assert.equal(c.stats.commandsRejected, 1);
  });

  test('a command with a line break is refused and never reaches the wire', async () => {
    const fs = await fake();
    const c = connection(fs);
    c.start();
    const r = await c.api('status\n\napi hupall');
    assert.ok(!r.ok);
    if (!r.ok) assert.deepEqual([r.error.code, r.error.outcome], ['SNOM_ERR_ESL_INVALID_COMMAND', 'not-sent']);
    assert.deepEqual(await c.api('status').then((x) => x.ok), true);
    assert.equal(fs.commandsStarting('api hupall').length, 0);
  });

  test('connection dropped mid-command: the caller gets a value, nothing is sent twice, later commands go through', async () => {
    const fs = await fake({ registrations: [{ profile: 'internal', user: '2000', host: 'example.com', contact: '<sip:2000@192.0.2.10:5060>', networkIp: '198.51.100.7' }] });
    const c = connection(fs);
    c.start();
    await until(() => c.state === 'connected', 'login');
    fs.dropOn((x) => x.line === 'api sofia_contact */2000@example.com');
    const [first, second, third] = await Promise.all([
      c.api('status'),
      c.api('sofia_contact */2000@example.com'),
      c.api('show registrations as json'),
    ]);
    assert.equal(first.ok, true);
    for (const r of [second, third]) {
      assert.ok(!r.ok);
      if (!r.ok) assert.deepEqual([r.error.code, r.error.outcome], ['SNOM_ERR_ESL_CONNECTION_LOST', 'unknown']);
    }
    // Issued while (re)connecting: sent exactly once on the new connection.
    const later = await c.api('sofia_contact */2000@example.com');
    assert.deepEqual(later, { ok: true, value: 'sofia/internal/sip:2000@192.0.2.10:5060' });
    await new Promise((r) => setTimeout(r, 150));
    const seen = fs.commands.filter((x) => x.line.startsWith('api ')).map((x) => [x.connection, x.line]);
    assert.deepEqual(seen, [
      [1, 'api status'],
      [1, 'api sofia_contact */2000@example.com'],
      [2, 'api sofia_contact */2000@example.com'],
    ]);
    const s = c.stats;
    assert.deepEqual([s.connects, s.disconnects, s.commandsLost, s.state], [2, 1, 2, 'connected']);
  });

  test('a command queued while FreeSWITCH is away is sent once it is back', async () => {
    const fs = await fake();
    const c = connection(fs);
    c.start();
    await until(() => c.state === 'connected', 'login');
    fs.password = 'changed';
    fs.dropAll();
    await until(() => c.state === 'auth-failed', 'auth failure');
    const pending = c.api('status', { timeoutMs: 3000 });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(fs.commandsStarting('api status').length, 0);
    fs.password = 'ClueCon';
    assert.equal((await pending).ok, true);
    assert.equal(fs.commandsStarting('api status').length, 1);
  });

  test('command timeout: outcome unknown, the connection is re-made, the next command works', async () => {
    const fs = await fake();
    const c = connection(fs);
    c.start();
    await until(() => c.state === 'connected', 'login');
    fs.ignore((x) => x.line === 'api slow');
    const started = Date.now();
    const r = await c.api('slow', { timeoutMs: 150 });
    const took = Date.now() - started;
    assert.ok(!r.ok);
    if (!r.ok) assert.deepEqual([r.error.code, r.error.outcome, r.error.message], ['SNOM_ERR_ESL_TIMEOUT', 'unknown', 'api slow: no reply within 150 ms']);
    assert.ok(took >= 140 && took < 1000, `took ${took} ms`);
    assert.deepEqual(await c.api('status').then((x) => x.ok), true);
    assert.equal(fs.commandsStarting('api slow').length, 1);
    assert.deepEqual([c.stats.commandsTimedOut, c.stats.disconnects], [1, 1]);
  });

  test('a command that never found a connection times out as not-sent', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const c = connection({ port });
    c.start();
    const r = await c.api('status', { timeoutMs: 120 });
    assert.ok(!r.ok);
    if (!r.ok) assert.deepEqual([r.error.code, r.error.outcome], ['SNOM_ERR_ESL_TIMEOUT', 'not-sent']);
    assert.ok(c.stats.connectAttempts >= 2);
    assert.match(c.stats.lastError ?? '', /ECONNREFUSED/);
    // between attempts, or (on a loaded machine) in the middle of the next one
    assert.ok(c.state === 'disconnected' || c.state === 'connecting', c.state);
  });

  test('authentication failure: state auth-failed, no secret in the error, recovery once the password matches', async () => {
    const fs = await fake({ password: 'right-one' });
    const c = connection(fs, { password: 'wrong-one' });
    c.start();
    await until(() => c.stats.authFailures >= 2, 'two failed logins');
    assert.equal(c.state, 'auth-failed');
    assert.equal(c.stats.lastError, 'authentication failed: FreeSWITCH rejected the Event Socket password');
    assert.doesNotMatch(JSON.stringify(c.stats), /wrong-one|right-one/);
    assert.deepEqual(fs.commands.slice(0, 1).map((x) => x.raw.toString()), ['auth wrong-one\n\n']);
    fs.password = 'wrong-one';
    await until(() => c.state === 'connected', 'login after the fix');
    assert.equal(c.stats.lastError, undefined);
  });

  test('an ACL refusal (text/rude-rejection) is reported', async () => {
    const fs = await fake({ rudeRejection: true });
    const c = connection(fs);
    c.start();
    await until(() => c.stats.connectAttempts >= 2, 'a retry');
    assert.equal(c.stats.lastError, 'refused by the Event Socket ACL (apply-inbound-acl)');
    assert.notEqual(c.state, 'connected');
  });

  test('a silent server: no login within connectTimeoutMs, then retries', async () => {
    const sockets = new Set<Socket>();
    const server = createServer((s) => sockets.add(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const c = connection({ port: (server.address() as { port: number }).port }, { connectTimeoutMs: 60 });
    c.start();
    await until(() => c.stats.connectAttempts >= 2, 'a retry');
    assert.equal(c.stats.lastError, 'no login within 60 ms');
    assert.equal(c.state, 'connecting');
    await c.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('bgapi: own Job-UUID, result from BACKGROUND_JOB', async () => {
    const fs = await fake();
    const c = connection(fs);
    c.start();
    const r = await c.bgapi('status', { jobUuid: 'job-0001' });
    assert.deepEqual(r, { ok: true, value: { jobUuid: 'job-0001', body: 'UP 0 years, 0 days, 0 hours, 1 minute, 0 seconds\nFreeSWITCH (fake) is ready\n' } });
    assert.equal(fs.commandsStarting('bgapi status')[0]?.raw.toString(), 'bgapi status\nJob-UUID: job-0001\n\n');
  });

  test('bgapi: a job accepted before a drop is still reported after the reconnection', async () => {
    const fs = await fake();
    const c = connection(fs);
    c.start();
    await until(() => c.state === 'connected', 'login');
    fs.jobDelayMs = 250;
    const job = c.bgapi('status', { timeoutMs: 3000 });
    await until(() => fs.commandsStarting('bgapi').length === 1, 'the bgapi');
    await new Promise((r) => setTimeout(r, 30));
    fs.dropAll();
    const r = await job;
    assert.equal(r.ok, true);
    assert.equal(fs.commandsStarting('bgapi').length, 1);
    assert.equal(c.stats.connects, 2);
  });

  test('bgapi: no BACKGROUND_JOB in time gives unknown with the Job-UUID', async () => {
    const fs = await fake();
    const c = connection(fs);
    c.start();
    fs.jobDelayMs = 1000;
    const r = await c.bgapi('status', { timeoutMs: 100, jobUuid: 'job-slow' });
    assert.ok(!r.ok);
    if (!r.ok) assert.deepEqual([r.error.code, r.error.outcome, r.error.jobUuid], ['SNOM_ERR_ESL_TIMEOUT', 'unknown', 'job-slow']);
  });

  test('events in json format; subscriptions are renewed after a reconnection', async () => {
    const fs = await fake();
    const c = connection(fs, { eventFormat: 'json' });
    const events: EslEvent[] = [];
    c.onEvent((e) => events.push(e));
    c.start();
    assert.equal(c.subscribe({ subclasses: ['sofia::register'] }), true);
    assert.equal(c.subscribe({ subclasses: ['bad subclass'] }), false);
    await until(() => c.state === 'connected', 'login');
    await until(() => fs.commandsStarting('event json').length >= 1, 'subscription');
    fs.fire(fs.makeEvent('CUSTOM', 'sofia::register', [['profile-name', 'internal'], ['from-user', '2000']]));
    fs.fire(fs.makeEvent('CUSTOM', 'sofia::gateway_state', [['x', 'y']]));
    await until(() => events.length === 1, 'the register event');
    fs.dropAll();
    await until(() => c.stats.connects === 2, 'reconnection');
    await until(() => fs.commandsStarting('event json').filter((x) => x.connection === 2).length === 1, 'renewed subscription');
    assert.equal(fs.commandsStarting('event json').find((x) => x.connection === 2)?.line, 'event json BACKGROUND_JOB CUSTOM sofia::register');
    fs.fire(fs.makeEvent('CUSTOM', 'sofia::register', [['from-user', '2001']]));
    await until(() => events.length === 2, 'the second event');
    assert.deepEqual(events.map((e) => [e.subclass, e.headers.get('from-user')]), [['sofia::register', '2000'], ['sofia::register', '2001']]);
  });

  test('close(): pending commands end with a value, nothing reconnects, start() stays off', async () => {
    const fs = await fake();
    const c = connection(fs);
    c.start();
    await until(() => c.state === 'connected', 'login');
    fs.ignore((x) => x.line === 'api slow');
    const inFlight = c.api('slow', { timeoutMs: 5000 });
    await until(() => fs.commandsStarting('api slow').length === 1, 'the command');
    await c.close();
    const r = await inFlight;
    assert.ok(!r.ok);
    if (!r.ok) assert.deepEqual([r.error.code, r.error.outcome], ['SNOM_ERR_ESL_CLOSED', 'unknown']);
    assert.equal(c.state, 'closed');
    const after = await c.api('status');
    assert.ok(!after.ok);
    if (!after.ok) assert.deepEqual([after.error.code, after.error.outcome], ['SNOM_ERR_ESL_CLOSED', 'not-sent']);
    c.start();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(fs.acceptedConnections, 1);
  });
});
