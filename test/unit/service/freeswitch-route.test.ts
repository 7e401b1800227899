// FreeswitchRoute over a scripted connection (no sockets): lookups and their reasons, the SEND_MESSAGE it
// fires, how Event Socket failures map to SendOutcome errors, which registration events re-sync, health.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EslCommandReply, EslConnectionState, FreeswitchConnectionStats } from '../../../src/esl/connection-types.js';
import type { EslCommandInput } from '../../../src/esl/esl-command.js';
import { EslCommandError, type EslCommandErrorCode, type EslOutcome } from '../../../src/esl/esl-errors.js';
import type { EslEvent } from '../../../src/esl/esl-event.js';
import { EslHeaders } from '../../../src/esl/esl-headers.js';
import { FreeswitchRoute, type FreeswitchRouteConnection } from '../../../src/service/freeswitch-route.js';
import type { ContactsChange, RouteContact } from '../../../src/service/route.js';
import { InvalidOptionError, err, ok, type Result } from '../../../src/util/errors.js';

const failure = (code: EslCommandErrorCode, outcome: EslOutcome): EslCommandError => new EslCommandError(code, `x: ${code}`, { outcome, command: 'x' });

class Scripted implements FreeswitchRouteConnection {
  readonly address = '127.0.0.1:8021';
  state: EslConnectionState = 'connected';
  readonly sent: string[] = [];
  readonly inputs: EslCommandInput[] = [];
  readonly events: Array<(e: EslEvent) => void> = [];
  readonly states: Array<(s: EslConnectionState, p: EslConnectionState) => void> = [];
  sendevent: Result<EslCommandReply, EslCommandError> = ok({ replyText: '+OK 1234', headers: new EslHeaders([]) });
  stats = { state: 'connected', connects: 3, commandsSucceeded: 10, commandsRejected: 1, commandsTimedOut: 2, commandsLost: 4, connectedSince: 1_700_000_000_000, lastError: undefined } as unknown as FreeswitchConnectionStats;
  constructor(readonly answers: Record<string, Result<string, EslCommandError>> = {}) {}
  api(command: string): Promise<Result<string, EslCommandError>> {
    this.sent.push(`api ${command}`);
    return Promise.resolve(this.answers[command] ?? ok('-ERR unknown\n'));
  }
  command(input: EslCommandInput): Promise<Result<EslCommandReply, EslCommandError>> {
    this.sent.push(String(input.line));
    this.inputs.push(input);
    return Promise.resolve(this.sendevent);
  }
  subscribe(): boolean {
    return true;
  }
  onEvent(listener: (e: EslEvent) => void): () => void {
    this.events.push(listener);
    return () => this.events.splice(this.events.indexOf(listener), 1);
  }
  onStateChange(listener: (s: EslConnectionState, p: EslConnectionState) => void): () => void {
    this.states.push(listener);
    return () => this.states.splice(this.states.indexOf(listener), 1);
  }
  fire(subclass: string, headers: Record<string, string>): void {
    const e: EslEvent = { name: 'CUSTOM', subclass, headers: new EslHeaders(Object.entries(headers).map(([name, value]) => ({ name, value }))), body: undefined };
    for (const l of [...this.events]) l(e);
  }
  become(state: EslConnectionState): void {
    const previous = this.state;
    this.state = state;
    for (const l of [...this.states]) l(state, previous);
  }
}

const TARGET = { profile: 'fs', user: '2000', host: 'example.com' };
const DESK = 'sofia/internal/sip:2000@192.0.2.10:5060;line=ab';
const BODY = { contentType: 'application/x-buttons', body: Buffer.from('k=2\nc=on\nl=DND\n\n') };
const CONTACT: RouteContact = { id: 'freeswitch\ninternal\nsip:2000@example.com', uri: 'sip:2000@example.com', destination: 'esl:127.0.0.1:8021/sofia/internal' };

function route(c: Scripted, sofiaProfile = 'internal'): FreeswitchRoute {
  return new FreeswitchRoute({ profile: 'fs', sofiaProfile, connection: c });
}

describe('FreeswitchRoute.contacts', () => {
  test('registered on the sofia profile: one contact, the AOR, without asking for the profile', async () => {
    const c = new Scripted({ 'sofia_contact internal/2000@example.com': ok(`${DESK},sofia/internal/sip:2000@10.0.0.5:5062`) });
    assert.deepEqual(await route(c).contacts(TARGET), { contacts: [CONTACT] });
    assert.deepEqual(c.sent, ['api sofia_contact internal/2000@example.com']);
  });

  test('the reasons: not registered, registered only elsewhere, unknown sofia profile, lookup failures, bad user', async () => {
    const c = new Scripted({
      'sofia_contact internal/2000@example.com': ok('error/user_not_registered'),
      'sofia_contact internal/2001@example.com': ok('sofia/external/sip:2001@203.0.113.4:5060'),
      'sofia_contact nosuch/2000@example.com': ok(DESK),
      'sofia_contact internal/2002@example.com': err(failure('SNOM_ERR_ESL_CONNECTION_LOST', 'unknown')),
      'sofia_contact internal/2003@example.com': ok('-ERR no sofia\n'),
      'sofia status profile internal': ok('=====\nName\tinternal\n'),
      'sofia status profile nosuch': ok('Invalid Profile!\n'),
    });
    const reason = async (user: string, sofia = 'internal'): Promise<string | undefined> => {
      const r = await route(c, sofia).contacts({ ...TARGET, user });
      assert.deepEqual(r.contacts, []);
      return r.reason;
    };
    assert.equal(await reason('2000'), 'not registered');
    assert.equal(await reason('2001'), 'not registered');
    assert.equal(await reason('2000', 'nosuch'), 'unknown sofia profile nosuch');
    assert.equal(await reason('2002'), 'FreeSWITCH disconnected');
    assert.equal(await reason('2003'), 'FreeSWITCH lookup failed: FreeSWITCH refused sofia_contact: -ERR no sofia');
    assert.match((await reason('a/b'))!, /^not a user FreeSWITCH can look up: ./);
    c.become('disconnected');
    const before = c.sent.length;
    assert.equal(await reason('2000'), 'FreeSWITCH disconnected');
    c.become('auth-failed');
    assert.equal(await reason('2000'), 'FreeSWITCH disconnected (the Event Socket password was refused)');
    assert.equal(c.sent.length, before, 'nothing asked while down');
  });
});

describe('FreeswitchRoute.deliver', () => {
  test('fires mod_snom\'s SEND_MESSAGE with the sofia profile and reports 202 Handed to FreeSWITCH', async () => {
    const c = new Scripted();
    const r = await route(c).deliver(TARGET, CONTACT, BODY, { timeoutMs: 1000 });
    assert.deepEqual({ ...r, latencyMs: 0 }, { ok: true, status: 202, reason: 'Handed to FreeSWITCH', destination: CONTACT.destination, latencyMs: 0 });
    assert.deepEqual(c.inputs, [{
      line: 'sendevent SEND_MESSAGE',
      headers: [{ name: 'user', value: '2000' }, { name: 'host', value: 'example.com' }, { name: 'profile', value: 'internal' }, { name: 'content-type', value: 'application/x-buttons' }],
      body: 'k=2\nc=on\nl=DND\n\n',
    }]);
  });

  test('Event Socket failures become retryable or final SendOutcome errors', async () => {
    const cases: Array<[EslCommandErrorCode, EslOutcome, string]> = [
      ['SNOM_ERR_ESL_TIMEOUT', 'not-sent', 'unavailable'],
      ['SNOM_ERR_ESL_TIMEOUT', 'unknown', 'timeout'],
      ['SNOM_ERR_ESL_CONNECTION_LOST', 'unknown', 'transport'],
      ['SNOM_ERR_ESL_REJECTED', 'failed', 'invalid-request'],
      ['SNOM_ERR_ESL_INVALID_COMMAND', 'not-sent', 'invalid-request'],
      ['SNOM_ERR_ESL_CLOSED', 'not-sent', 'closed'],
    ];
    for (const [code, outcome, expected] of cases) {
      const c = new Scripted();
      c.sendevent = err(failure(code, outcome));
      const r = await route(c).deliver(TARGET, CONTACT, BODY, { timeoutMs: 1000 });
      assert.ok(!r.ok && r.error === expected && r.message === `x: ${code}`, `${code} ${outcome}: ${JSON.stringify(r)}`);
    }
  });

  test('disconnected: unavailable without sending; an aborted signal: aborted; a closed route: closed', async () => {
    const c = new Scripted();
    c.state = 'disconnected';
    const down = await route(c).deliver(TARGET, CONTACT, BODY, { timeoutMs: 1000 });
    assert.ok(!down.ok && down.error === 'unavailable' && down.message === 'FreeSWITCH disconnected');
    c.state = 'connected';
    const aborted = await route(c).deliver(TARGET, CONTACT, BODY, { timeoutMs: 1000, signal: AbortSignal.abort() });
    assert.ok(!aborted.ok && aborted.error === 'aborted');
    const r = route(c);
    await r.close();
    const closed = await r.deliver(TARGET, CONTACT, BODY, { timeoutMs: 1000 });
    assert.ok(!closed.ok && closed.error === 'closed');
    assert.deepEqual(c.sent, []);
    // a body with a NUL never reaches the socket
    const bad = await route(c).deliver(TARGET, CONTACT, { contentType: 'application/x-buttons', body: Buffer.from('k=2\0') }, { timeoutMs: 1000 });
    assert.ok(!bad.ok && bad.error === 'invalid-request');
    assert.deepEqual(c.sent, []);
  });
});

describe('FreeswitchRoute.onContactsChanged', () => {
  const register = (c: Scripted, extra: Record<string, string>): void => c.fire('sofia::register', {
    'profile-name': 'internal', 'from-user': '2000', 'from-host': 'Example.com', contact: '<sip:2000@192.0.2.10:5060;line=ab>', ...extra,
  });

  test('a first registration or a new Call-ID re-syncs; a refresh, a known Call-ID or another profile does not', () => {
    const c = new Scripted();
    const changes: ContactsChange[] = [];
    route(c).onContactsChanged((x) => changes.push(x));
    register(c, { 'call-id': 'a', 'update-reg': 'true' }); // refresh of a binding seen before we started
    register(c, { 'call-id': 'a' }); // the same Call-ID, no update-reg (older FreeSWITCH)
    register(c, { 'call-id': 'o', 'profile-name': 'external' });
    assert.deepEqual(changes, []);
    register(c, { 'call-id': 'b', 'update-reg': 'true' }); // a new Call-ID: the phone rebooted
    register(c, { 'call-id': 'b' });
    assert.deepEqual(changes, [{ user: '2000', host: 'Example.com', cause: 'registered' }]);
    c.fire('sofia::unregister', { 'profile-name': 'internal', 'from-user': '2000', 'from-host': 'example.com', contact: '<sip:2000@192.0.2.10:5060;line=ab>', 'call-id': 'b' });
    register(c, { 'call-id': 'b' }); // registered again after an unregister
    register(c, { 'from-user': '2001' }); // no Call-ID: update-reg decides
    assert.equal(changes.length, 3);
  });

  test('after (re)connecting: every user of the sofia profile in the core table, once each, as reachable', async () => {
    const rows = {
      row_count: 4,
      rows: [
        { reg_user: '2000', realm: 'example.com', url: 'sofia/internal/sip:2000@192.0.2.10:5060', network_ip: '192.0.2.10' },
        { reg_user: '2000', realm: 'example.com', url: 'sofia/internal/sip:2000@10.0.0.5:5062', network_ip: '10.0.0.5' },
        { reg_user: '2001', realm: 'example.com', url: 'sofia/external/sip:2001@203.0.113.4', network_ip: '203.0.113.4' },
        { reg_user: '2002', realm: 'example.com', url: 'sofia/internal/sip:2002@192.0.2.12', network_ip: '192.0.2.12' },
      ],
    };
    const c = new Scripted({ 'show registrations as json': ok(JSON.stringify(rows)) });
    c.state = 'disconnected';
    const changes: ContactsChange[] = [];
    const r = route(c);
    const off = r.onContactsChanged((x) => changes.push(x));
    c.become('connected');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(changes, [{ user: '2000', host: 'example.com', cause: 'reachable', since: 1_700_000_000_000 }, { user: '2002', host: 'example.com', cause: 'reachable', since: 1_700_000_000_000 }]);
    off();
    await r.close();
    assert.deepEqual([c.events.length, c.states.length], [0, 0], 'close() drops the subscriptions');
  });
});

test('health: the connection\'s state and counters, without secrets', () => {
  const c = new Scripted();
  assert.deepEqual(route(c).health(), {
    kind: 'freeswitch', id: 'esl:127.0.0.1:8021', up: true, state: 'connected', since: 1_700_000_000_000, reconnects: 2,
    commands: { ok: 10, rejected: 1, timeout: 2, lost: 4 },
  });
});

test('bad options are refused', () => {
  const c = new Scripted();
  assert.throws(() => new FreeswitchRoute({ profile: 'fs', sofiaProfile: 'in ternal', connection: c }), InvalidOptionError);
  assert.throws(() => new FreeswitchRoute({ profile: '', connection: c }), InvalidOptionError);
  assert.throws(() => new FreeswitchRoute({ profile: 'fs', connection: {} as FreeswitchRouteConnection }), InvalidOptionError);
  assert.throws(() => new FreeswitchRoute({ profile: 'fs', connection: c, lookupTimeoutMs: 0 }), InvalidOptionError);
  assert.equal(new FreeswitchRoute({ profile: 'fs', connection: c }).sofiaProfile, 'fs');
});
