import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeRestServer, type FakeRestServer, type SeenRequest } from './fake-rest-server.js';
import { runCli } from './run-cli.js';
import { bindKeyExitCode, deliverySummary, hideSecret, wireReply } from '../../../src/cli/mod-snom-commands.js';

let server: FakeRestServer;
let nextAnswer: (req: SeenRequest) => unknown;

before(async () => {
  server = await startFakeRestServer({ 'POST /v1/api': (req) => ({ json: nextAnswer(req) }) });
});
after(async () => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const delivered = {
  command: 'snom_bind_key', ok: true,
  bind: { delivered: true, pending: false, contacts: [{ contact: 'sip:2000@10.0.0.9;line=x', destination: 'udp:10.0.0.9:5060', delivered: true, status: 200, reason: 'OK', latencyMs: 3, attempts: 1, superseded: false }] },
};

describe('bind-key', () => {
  it('sends shell-split words unchanged as args and prints the reply byte for byte', async () => {
    const reply = "+OK 2 on 'My  Label' 2000 pbx.example internal message api+uuid_transfer a\\ b 9001 ü";
    nextAnswer = () => ({ reply, ok: true, result: delivered });
    const words = ['2', 'on', 'My  Label', '2000', 'pbx.example', 'internal', 'message', 'api+uuid_transfer', 'a\\ b', "it's", '9001', 'ü'];
    const io = await runCli(['bind-key', '--server', server.url, ...words]);
    assert.deepEqual(server.requests.map((r) => [r.method, r.url, r.body]), [['POST', '/v1/api', { command: 'snom_bind_key', args: words }]]);
    assert.equal(io.stdout, `${reply}\n`);
    assert.equal(io.stderr, 'sip:2000@10.0.0.9;line=x: delivered (200 OK), 3 ms\n');
    assert.equal(io.exitCode, 0);
  });

  it('exits 3 when accepted but pending, with the reason on stderr; --quiet drops it', async () => {
    nextAnswer = () => ({ reply: '+OK 2 on DND 2000 pbx internal', ok: true, result: { command: 'snom_bind_key', ok: true, bind: { delivered: false, pending: true, reason: 'not registered', contacts: [] } } });
    const io = await runCli(['bind-key', '--server', server.url, '2', 'on', 'DND', '2000', 'pbx', 'internal']);
    assert.equal(io.stdout, '+OK 2 on DND 2000 pbx internal\n');
    assert.equal(io.stderr, 'pending: not registered; the key is sent when the phone registers\n');
    assert.equal(io.exitCode, 3);
    const quiet = await runCli(['bind-key', '-q', '--server', server.url, '2', 'on', 'DND', '2000', 'pbx', 'internal']);
    assert.equal(quiet.stderr, '');
    assert.equal(quiet.exitCode, 3);
  });

  it('exits 2 on -Error (refused arguments) and sends even too few args (the server answers the usage)', async () => {
    nextAnswer = () => ({ reply: '-Error <key> <light> <label> <user> <host> <profile> <action_name> <action>', ok: false, result: { command: 'snom_bind_key', ok: false, code: 'usage', message: 'usage' } });
    const io = await runCli(['bind-key', '--server', server.url, '2', 'on']);
    assert.deepEqual(server.requests[0]!.body, { command: 'snom_bind_key', args: ['2', 'on'] });
    assert.equal(io.stdout, '-Error <key> <light> <label> <user> <host> <profile> <action_name> <action>\n');
    assert.equal(io.exitCode, 2);
  });

  it('--json prints the whole answer on one line', async () => {
    const answer = { reply: '+OK 2 on DND 2000 pbx internal', ok: true, result: delivered };
    nextAnswer = () => answer;
    const io = await runCli(['bind-key', '--json', '--server', server.url, '2', 'on', 'DND', '2000', 'pbx', 'internal']);
    assert.equal(io.stdout, `${JSON.stringify(answer)}\n`);
    assert.equal(io.stderr, '');
    assert.equal(io.exitCode, 0);
  });

  it('uses SNOMCTL_URL and SNOMCTL_TOKEN, --token over the env', async () => {
    nextAnswer = () => ({ reply: '+OK x', ok: true, result: delivered });
    await runCli(['bind-key', '2', 'on', 'DND', '2000', 'pbx', 'internal'], { SNOMCTL_URL: server.url, SNOMCTL_TOKEN: 'envtoken' });
    await runCli(['bind-key', '--token', 'opttoken', '2', 'on', 'DND', '2000', 'pbx', 'internal'], { SNOMCTL_URL: server.url, SNOMCTL_TOKEN: 'envtoken' });
    await runCli(['bind-key', '2', 'on', 'DND', '2000', 'pbx', 'internal'], { SNOMCTL_URL: `${server.url}/` });
    assert.deepEqual(server.requests.map((r) => r.headers.authorization), ['Bearer envtoken', 'Bearer opttoken', undefined]);
  });
});

describe('command and api', () => {
  it('command sends args and hides the password even if the server echoed it', async () => {
    nextAnswer = () => ({ reply: '-ERR 192.0.2.7 key enter admin s3cret [HTTP:401]', ok: false, result: {} });
    const io = await runCli(['command', '--server', server.url, '192.0.2.7', 'key', 'enter', 'admin', 's3cret']);
    assert.deepEqual(server.requests[0]!.body, { command: 'snom_command', args: ['192.0.2.7', 'key', 'enter', 'admin', 's3cret'] });
    assert.equal(io.stdout, '-ERR 192.0.2.7 key enter admin *** [HTTP:401]\n');
    assert.equal(io.exitCode, 1);
  });

  it('command prints +OK and exits 0', async () => {
    nextAnswer = () => ({ reply: '+OK */2000 key enter,50,5000;cancel,50,1000', ok: true, result: {} });
    const io = await runCli(['command', '--server', server.url, '*/2000', 'key', 'enter,50,5000;cancel,50,1000']);
    assert.equal(io.stdout, '+OK */2000 key enter,50,5000;cancel,50,1000\n');
    assert.equal(io.exitCode, 0);
  });

  it('api sends the line as given and prints the reply; snom_url prints nothing', async () => {
    const line = "snom_bind_key 2 on 'My Label' 2000 pbx internal message api+uuid_transfer u 9001";
    nextAnswer = () => ({ reply: "+OK 2 on 'My Label' 2000 pbx internal message api+uuid_transfer u 9001", ok: true, result: delivered });
    const io = await runCli(['api', '--server', server.url, line]);
    assert.deepEqual(server.requests[0]!.body, { line });
    assert.equal(io.stdout, "+OK 2 on 'My Label' 2000 pbx internal message api+uuid_transfer u 9001\n");
    assert.equal(io.exitCode, 0);
    nextAnswer = () => ({ reply: '', ok: true, result: { command: 'snom_url', ok: true } });
    const url = await runCli(['api', '--server', server.url, 'snom_url']);
    assert.equal(url.stdout, '');
    assert.equal(url.exitCode, 0);
  });

  it('a malformed answer is a failure, not a crash', async () => {
    nextAnswer = () => ({ nothing: true });
    const io = await runCli(['api', '--server', server.url, 'snom_url']);
    assert.equal(io.stderr, "snomctl: the service's /v1/api answer has no reply\n");
    assert.equal(io.exitCode, 1);
  });
});

describe('helpers', () => {
  it('wireReply', () => {
    assert.equal(wireReply('+OK a'), '+OK a\n');
    assert.equal(wireReply(''), '');
  });
  it('bindKeyExitCode', () => {
    assert.equal(bindKeyExitCode({ reply: '+OK a', ok: true, result: delivered }), 0);
    assert.equal(bindKeyExitCode({ reply: '+OK a', ok: true, result: { bind: { delivered: false } } }), 3);
    assert.equal(bindKeyExitCode({ reply: '-ERR a', ok: false }), 1);
    assert.equal(bindKeyExitCode({ reply: '-ERR a', ok: true }), 1);
    const refused = (code: string) => ({ reply: '-ERR x', ok: false, result: { command: 'snom_bind_key', ok: false, code, message: 'x' } });
    assert.equal(bindKeyExitCode(refused('SNOM_ERR_INVALID_KEY_STATE')), 2);
    assert.equal(bindKeyExitCode(refused('SNOM_ERR_UNKNOWN_PROFILE')), 2);
    assert.equal(bindKeyExitCode(refused('unavailable')), 1);
  });
  it('deliverySummary names failures with and without a SIP response', () => {
    assert.equal(deliverySummary({ bind: { contacts: [
      { contact: 'sip:a@1.2.3.4', delivered: false, status: 486, reason: 'Busy Here', latencyMs: 5 },
      { contact: 'sip:b@1.2.3.5', delivered: false, error: 'timeout', message: 'no response', latencyMs: 32000 },
    ] } }), 'sip:a@1.2.3.4: failed (486 Busy Here), 5 ms\nsip:b@1.2.3.5: failed (timeout: no response), 32000 ms\n');
    assert.equal(deliverySummary({}), '');
  });
  it('hideSecret', () => {
    assert.equal(hideSecret('a s3cret b s3cret', 's3cret'), 'a *** b ***');
    assert.equal(hideSecret('a b', undefined), 'a b');
    assert.equal(hideSecret('a b', 'b'), 'a b');
  });
});
