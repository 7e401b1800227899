// FreeswitchAdapter over a scripted command channel (no sockets): the failure paths.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BackgroundJobs } from '../../../src/esl/background-jobs.js';
import type { EslCommandReply } from '../../../src/esl/connection-types.js';
import type { EslCommandInput } from '../../../src/esl/esl-command.js';
import { EslCommandError } from '../../../src/esl/esl-errors.js';
import type { EslEvent } from '../../../src/esl/esl-event.js';
import { EslHeaders } from '../../../src/esl/esl-headers.js';
import { FreeswitchAdapter, type EslCommandChannel } from '../../../src/esl/freeswitch-adapter.js';
import { err, ok, type Result } from '../../../src/util/errors.js';

const lost = (command: string): EslCommandError =>
  new EslCommandError('SNOM_ERR_ESL_CONNECTION_LOST', `${command}: dropped`, { outcome: 'unknown', command });

class Scripted implements EslCommandChannel {
  readonly sent: string[] = [];
  readonly listeners: Array<(e: EslEvent) => void> = [];
  constructor(readonly answers: Record<string, Result<string, EslCommandError>>) {}
  api(command: string): Promise<Result<string, EslCommandError>> {
    this.sent.push(`api ${command}`);
    return Promise.resolve(this.answers[command] ?? ok(`-ERR ${command.split(' ')[0]} Command not found!\n`));
  }
  command(input: EslCommandInput): Promise<Result<EslCommandReply, EslCommandError>> {
    this.sent.push(input.line);
    return Promise.resolve(err(lost(input.line)));
  }
  subscribe(): boolean {
    return true;
  }
  onEvent(listener: (e: EslEvent) => void): () => void {
    this.listeners.push(listener);
    return () => undefined;
  }
}

describe('FreeswitchAdapter failure paths', () => {
  test('sofia_contact lost on the way: command-failed, the ESL error as cause', async () => {
    const channel = new Scripted({ 'sofia_contact */2000': err(lost('api sofia_contact')) });
    const r = await new FreeswitchAdapter({ connection: channel }).sofiaContact('*/2000');
    assert.ok(!r.ok);
    if (!r.ok) {
      assert.equal(r.error.reason, 'command-failed');
      assert.ok(r.error.cause instanceof EslCommandError);
    }
  });

  test('show registrations failing leaves every address unknown', async () => {
    const channel = new Scripted({
      'sofia_contact */2000': ok('sofia/internal/sip:2000@192.0.2.10:5060'),
      'show registrations as json': err(lost('api show')),
    });
    const r = await new FreeswitchAdapter({ connection: channel }).lookupRegistrations('*/2000');
    assert.deepEqual(r, {
      ok: true,
      value: { registered: true, registrations: [{ profile: 'internal', uri: 'sip:2000@192.0.2.10:5060', dialString: 'sofia/internal/sip:2000@192.0.2.10:5060', networkIp: undefined, networkPort: undefined, networkProto: undefined, expires: undefined, realm: undefined }] },
    });
  });

  test('a bad spec never reaches FreeSWITCH; a lost sendevent is reported as such', async () => {
    const channel = new Scripted({});
    const adapter = new FreeswitchAdapter({ connection: channel });
    const spec = await adapter.sofiaContact('*/2000 x');
    assert.equal(!spec.ok && spec.error.reason, 'bad-spec');
    const sent = await adapter.sendButtons({ profile: 'internal', user: '2000', host: 'example.com', body: 'k=1\n' });
    assert.equal(!sent.ok && sent.error.outcome, 'unknown');
    assert.deepEqual(channel.sent, ['sendevent SEND_MESSAGE']);
  });

  test('onDialplanRequest passes refusals that can be answered, ignores other events', () => {
    const channel = new Scripted({});
    const seen: string[] = [];
    new FreeswitchAdapter({ connection: channel }).onDialplanRequest((r) => seen.push(r.ok ? r.value.commandLine : r.error.code));
    const event = (subclass: string, headers: Array<[string, string]>): EslEvent => ({
      name: 'CUSTOM', subclass, body: undefined, headers: new EslHeaders(headers.map(([name, value]) => ({ name, value }))),
    });
    for (const l of channel.listeners) {
      l(event('sofia::register', [['from-user', '2000']]));
      l(event('snom::api', [['snom-request-id', 'r1']]));
      l(event('snom::api', [['snom-request-id', 'r2'], ['snom-command', 'snom_url']]));
    }
    assert.deepEqual(seen, ['no-command', 'snom_url']);
  });
});

describe('BackgroundJobs', () => {
  const job = (id: string, body: string): EslEvent => ({
    name: 'BACKGROUND_JOB', subclass: undefined, body, headers: new EslHeaders([{ name: 'Job-UUID', value: id }]),
  });
  const accepted = (): Promise<Result<EslCommandReply, EslCommandError>> =>
    Promise.resolve(ok({ replyText: '+OK Job-UUID: j', headers: new EslHeaders([]) }));

  test('the event may come before the reply', async () => {
    const jobs = new BackgroundJobs(() => undefined);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const done = jobs.run('j1', 'bgapi status', 1000, async () => {
      await gate;
      return accepted();
    });
    jobs.onEvent(job('j1', 'early'));
    jobs.onEvent(job('other', 'ignored'));
    release();
    assert.deepEqual(await done, { ok: true, value: { jobUuid: 'j1', body: 'early' } });
    assert.equal(jobs.has('j1'), false);
  });

  test('timeouts are counted; closeAll ends the rest', async () => {
    let timeouts = 0;
    const jobs = new BackgroundJobs(() => timeouts++);
    const slow = await jobs.run('j2', 'bgapi status', 20, accepted);
    assert.equal(!slow.ok && slow.error.code, 'SNOM_ERR_ESL_TIMEOUT');
    assert.equal(timeouts, 1);
    const waiting = jobs.run('j3', 'bgapi status', 5000, accepted);
    await new Promise((r) => setImmediate(r));
    jobs.closeAll();
    const r = await waiting;
    assert.ok(!r.ok);
    if (!r.ok) assert.deepEqual([r.error.code, r.error.outcome, r.error.jobUuid], ['SNOM_ERR_ESL_CLOSED', 'unknown', 'j3']);
  });
});

describe('FreeswitchAdapter.sofiaProfileExists and allRegistrations', () => {
  test('sofia status profile: Invalid Profile! is false, a status table true, -ERR rejected, a bad name never sent', async () => {
    const channel = new Scripted({
      'sofia status profile internal': ok(`${'='.repeat(20)}\nName             \tinternal\n`),
      'sofia status profile nosuch': ok('Invalid Profile!\n'),
      'sofia status profile x': ok('-ERR sofia Command not found!\n'),
      'sofia status profile lost': err(lost('api sofia')),
    });
    const a = new FreeswitchAdapter({ connection: channel });
    assert.deepEqual(await a.sofiaProfileExists('internal'), { ok: true, value: true });
    assert.deepEqual(await a.sofiaProfileExists('nosuch'), { ok: true, value: false });
    const rejected = await a.sofiaProfileExists('x');
    assert.ok(!rejected.ok && rejected.error.reason === 'rejected' && rejected.error.message === 'FreeSWITCH refused sofia status: -ERR sofia Command not found!');
    const gone = await a.sofiaProfileExists('lost');
    assert.ok(!gone.ok && gone.error.reason === 'command-failed');
    for (const bad of ['in ternal', 'a\nb', '', '-x', 'x'.repeat(65)]) {
      const r = await a.sofiaProfileExists(bad);
      assert.ok(!r.ok && r.error.reason === 'bad-spec', bad);
    }
    assert.deepEqual(channel.sent, ['api sofia status profile internal', 'api sofia status profile nosuch', 'api sofia status profile x', 'api sofia status profile lost']);
  });

  test('allRegistrations: each row with the sofia profile of its url; SQL disabled is rejected', async () => {
    const rows = {
      row_count: 3,
      rows: [
        { reg_user: '2000', realm: 'example.com', token: 'c1', url: 'sofia/internal/sip:2000@192.0.2.10:5060', expires: '1700000000', network_ip: '198.51.100.7', network_port: '40312', network_proto: 'udp', hostname: 'fs' },
        { reg_user: '2001', realm: 'example.com', token: 'c2', url: 'sofia/external/sips:2001@203.0.113.4:5061', expires: '1700000001', network_ip: '203.0.113.4', network_port: '5061', network_proto: 'tls', hostname: 'fs' },
        { reg_user: '2002', realm: 'example.com', token: 'c3', url: 'not-a-sofia-url', expires: '1', network_ip: '192.0.2.1', network_port: '5060', network_proto: 'udp', hostname: 'fs' },
      ],
    };
    const a = new FreeswitchAdapter({ connection: new Scripted({ 'show registrations as json': ok(JSON.stringify(rows)) }) });
    const r = await a.allRegistrations();
    assert.ok(r.ok);
    assert.deepEqual(r.value.map((x) => [x.profile, x.user, x.realm, x.networkIp, x.networkPort, x.networkProto, x.expires]), [
      ['internal', '2000', 'example.com', '198.51.100.7', 40312, 'udp', 1700000000],
      ['external', '2001', 'example.com', '203.0.113.4', 5061, 'tls', 1700000001],
    ]);
    const off = await new FreeswitchAdapter({ connection: new Scripted({ 'show registrations as json': ok('-ERR SQL DISABLED NO DATA AVAILABLE!\n') }) }).allRegistrations();
    assert.ok(!off.ok && off.error.reason === 'rejected');
    const empty = await new FreeswitchAdapter({ connection: new Scripted({ 'show registrations as json': ok('{"row_count": 0}\n') }) }).allRegistrations();
    assert.deepEqual(empty, { ok: true, value: [] });
  });
});
