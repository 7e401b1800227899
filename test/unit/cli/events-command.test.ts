import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeRestServer, type FakeRestServer } from './fake-rest-server.js';
import { runCli, startCli } from './run-cli.js';
import { eventJson, eventLine, typesQuery } from '../../../src/cli/events-command.js';

const registered = { type: 'registered', user: '2000', host: 'pbx.example', contact: 'sip:2000@10.0.0.9;line=x', password: 'never' };
const delivery = { status: 'delivered', user: '2000', host: 'pbx.example', contact: 'sip:2000@10.0.0.9', keys: [{ profile: 'internal', key: '2', version: 3 }], sipStatus: 200, cause: 'bind' };
const stream = [
  ': hello\n\n',
  `event: registered\ndata: ${JSON.stringify(registered)}\n\n`,
  `event: delivery\ndata: ${JSON.stringify(delivery).slice(0, 20)}`,
  `${JSON.stringify(delivery).slice(20)}\n\n`,
];

let server: FakeRestServer;
let end = false;
before(async () => {
  server = await startFakeRestServer({ 'GET /v1/events': () => ({ sse: stream, end }) });
});
after(async () => server.close());

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await sleep(10);
}

describe('events', () => {
  it('prints one readable line per event and exits 0 on SIGINT', async () => {
    end = false;
    const { io, done } = startCli(['events', '--types', 'registered,delivery', '--server', server.url]);
    await until(() => io.stdout.split('\n').length > 2);
    io.interrupt();
    await done;
    assert.equal(server.requests.at(-1)!.url, '/v1/events?types=registered,delivery');
    assert.equal(server.requests.at(-1)!.headers.accept, 'text/event-stream');
    const lines = io.stdout.split('\n');
    assert.match(lines[0]!, /^\d\d:\d\d:\d\d registered 2000@pbx\.example contact=sip:2000@10\.0\.0\.9;line=x$/);
    assert.match(lines[1]!, /^\d\d:\d\d:\d\d delivery 2000@pbx\.example status=delivered contact=sip:2000@10\.0\.0\.9 sipStatus=200 cause=bind keys=2$/);
    assert.equal(lines.length, 3);
    assert.equal(io.stderr, '');
    assert.equal(io.exitCode, 0);
  });
  it('--json prints {type,data} lines; a stream the service ends is exit 1', async () => {
    end = true;
    const io = await runCli(['events', '--json', '--server', server.url]);
    assert.equal(io.stdout, `${JSON.stringify({ type: 'registered', data: registered })}\n${JSON.stringify({ type: 'delivery', data: delivery })}\n`);
    assert.equal(io.stderr, 'snomctl: the service closed the event stream\n');
    assert.equal(io.exitCode, 1);
  });
  it('refuses unknown types before connecting', async () => {
    const before = server.requests.length;
    const io = await runCli(['events', '--types', 'registered,bogus', '--server', server.url]);
    assert.equal(io.stderr, 'snomctl: unknown event type bogus (known: registered, refreshed, restarted, unregistered, expired, delivery, keys, button-press, action-url)\n');
    assert.equal(io.exitCode, 2);
    assert.equal(server.requests.length, before);
  });
  it('helpers', () => {
    const at = new Date('2026-01-02T03:04:05Z');
    assert.equal(eventLine({ event: 'x', data: 'not json\u001b' }, at), '03:04:05 x not json?\n');
    assert.equal(eventLine({ event: 'button-press', data: '{"user":"2000","command":"uuid_transfer","args":"a b"}' }, at), '03:04:05 button-press 2000 command=uuid_transfer\n');
    assert.equal(eventJson({ event: 'x', data: 'raw' }), '{"type":"x","data":"raw"}\n');
    assert.equal(typesQuery(undefined), '');
    assert.equal(typesQuery(' keys , action-url '), '?types=keys,action-url');
  });
});
