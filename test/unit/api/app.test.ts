import assert from 'node:assert/strict';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/api/app.js';
import { inTrustedNetworks } from '../../../src/service/config/index.js';
import type { CommandService } from '../../../src/service/commands/command-service.js';
import { createService, type Service } from '../../../src/service/index.js';

const TOKEN = 'test-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };
let service: Service;
let app: FastifyInstance;
const calls: unknown[] = [];

const fakeCommands = {
  command: async (target: string, command: { kind: string }, options: { credentials?: unknown; signal?: AbortSignal }) => {
    await new Promise((r) => setTimeout(r, 5));
    calls.push({ target, command, credentials: options.credentials, aborted: options.signal?.aborted });
    if (target === '*/missing') return { target, ok: false, results: [], error: { code: 'not-found', message: 'no phone for */missing' } };
    return { target, ok: true, results: [] };
  },
  bulk: (targets: unknown, command: { kind: string }) => {
    calls.push({ targets, command });
    return Promise.resolve({ ok: true, total: 0, succeeded: 0, failed: 0, results: [], unresolved: [] });
  },
} as unknown as CommandService;

before(async () => {
  service = createService({ domains: 'example.com', sip: { listen: { host: '127.0.0.1', port: 0 } }, delivery: { reconcileOnStart: false } });
  await service.start();
  app = await buildApp({
    service, tokens: [TOKEN], commands: () => fakeCommands, trustedNetworks: ['10.9.0.0/16'], inNetworks: inTrustedNetworks, heartbeatMs: 50,
  });
});

after(async () => {
  await app.close();
  await service.close();
});

test('GET /healthz needs no token and reports SIP ports and the store', async () => {
  const r = await app.inject({ method: 'GET', url: '/healthz' });
  assert.equal(r.statusCode, 200);
  const body = r.json<{ status: string; sip: { host: string; udpPort: number; tcpPort: number }; store: string; uptimeS: number }>();
  assert.equal(body.status, 'ok');
  assert.equal(body.store, 'ok');
  assert.equal(body.sip.host, '127.0.0.1');
  assert.equal(body.sip.udpPort, service.sipAddress!.udpPort);
  assert.equal(body.sip.tcpPort, service.sipAddress!.tcpPort);
  assert.equal(typeof body.uptimeS, 'number');
});

test('401 without a token and with a wrong one; 200 with the right one', async () => {
  const none = await app.inject({ method: 'GET', url: '/v1/phones' });
  assert.equal(none.statusCode, 401);
  assert.deepEqual(none.json(), { error: { code: 'SNOM_ERR_UNAUTHORIZED', message: 'missing bearer token (Authorization: Bearer <token>)' } });
  const wrong = await app.inject({ method: 'GET', url: '/v1/phones', headers: { authorization: 'Bearer not-the-token-123456' } });
  assert.equal(wrong.statusCode, 401);
  assert.equal(wrong.json<{ error: { message: string } }>().error.message, 'wrong bearer token');
  const basic = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Basic ${TOKEN}` } });
  assert.equal(basic.statusCode, 401);
  const ok = await app.inject({ method: 'GET', url: '/v1/phones', headers: auth });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { phones: [] });
});

test('POST /v1/keys: schema errors name the field and what is allowed', async () => {
  const post = (payload: unknown) => app.inject({ method: 'POST', url: '/v1/keys', headers: auth, payload: payload as object });
  const cases: [unknown, string][] = [
    [{ user: '2000', host: 'example.com', keys: [{ key: '1' }] }, 'profile is required'],
    [{ profile: 'internal', user: '2000', host: 'example.com', keys: [] }, 'keys must NOT have fewer than 1 items'],
    [{ profile: 'internal', user: '2000', host: 'example.com', keys: [{ key: '1', light: 3 }] }, 'keys[0].light must be string'],
    [{ profile: 'internal', user: '2000', host: 'example.com', keys: [{ key: '1', blink: 'x' }] }, 'keys[0].blink is not allowed here'],
    [{ profile: 'internal', user: '2000', host: 'example.com', keys: [{ light: 'on' }] }, 'keys[0].key is required'],
    [{ profile: 'internal', user: '2000', host: 'example.com', keys: [{ key: '1' }], extra: 1 }, 'extra is not allowed here'],
  ];
  for (const [payload, message] of cases) {
    const r = await post(payload);
    assert.equal(r.statusCode, 400, message);
    assert.deepEqual(r.json(), { error: { code: 'SNOM_ERR_BAD_REQUEST', message } });
  }
  const badJson = await app.inject({ method: 'POST', url: '/v1/keys', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"profile":' });
  assert.equal(badJson.statusCode, 400);
  assert.equal(badJson.json<{ error: { code: string } }>().error.code, 'SNOM_ERR_BAD_REQUEST');
});

test('POST /v1/keys: bad key values are 400 from the service, an unknown profile 404, a good request pending', async () => {
  const post = (payload: object) => app.inject({ method: 'POST', url: '/v1/keys', headers: auth, payload });
  const badLight = await post({ profile: 'internal', user: '2000', host: 'example.com', keys: [{ key: '1', light: 'purple' }] });
  assert.equal(badLight.statusCode, 400);
  assert.equal(badLight.json<{ error: { code: string } }>().error.code, 'SNOM_ERR_INVALID_KEY_STATE');
  const unknown = await post({ profile: 'nope', user: '2000', host: 'example.com', keys: [{ key: '1' }] });
  assert.equal(unknown.statusCode, 404);
  assert.deepEqual(unknown.json(), { error: { code: 'SNOM_ERR_UNKNOWN_PROFILE', message: 'unknown profile "nope"' } });
  const ok = await post({ profile: 'internal', user: '2000', host: 'Example.com', keys: [{ key: '1', light: 'on', label: 'DND' }] });
  assert.equal(ok.statusCode, 200);
  const body = ok.json<{ host: string; pending: boolean; delivered: boolean; keys: { key: string }[]; contacts: unknown[] }>();
  assert.equal(body.host, 'example.com');
  assert.equal(body.pending, true);
  assert.equal(body.delivered, false);
  assert.deepEqual(body.keys.map((k) => k.key), ['1']);
  assert.deepEqual(body.contacts, []);
});

test('GET /v1/phones/:aor/keys and POST …/resync; unknown phone and profile are 404', async () => {
  await app.inject({ method: 'POST', url: '/v1/keys', headers: auth, payload: { profile: 'internal', user: '3000', host: 'example.com', keys: [{ key: '4', label: 'X' }] } });
  const keys = await app.inject({ method: 'GET', url: '/v1/phones/3000@example.com/keys?profile=internal', headers: auth });
  assert.equal(keys.statusCode, 200);
  const list = keys.json<{ keys: { desired: { key: string; state: { label: string } }; deliveries: unknown[] }[] }>().keys;
  assert.equal(list.length, 1);
  assert.equal(list[0]!.desired.key, '4');
  assert.equal(list[0]!.desired.state.label, 'X');
  const unknownPhone = await app.inject({ method: 'GET', url: '/v1/phones/9999@example.com/keys', headers: auth });
  assert.equal(unknownPhone.statusCode, 404);
  assert.deepEqual(unknownPhone.json(), { error: { code: 'SNOM_ERR_NOT_FOUND', message: 'no phone 9999@example.com is known' } });
  const unknownProfile = await app.inject({ method: 'GET', url: '/v1/phones/3000@example.com/keys?profile=other', headers: auth });
  assert.equal(unknownProfile.statusCode, 404);
  const badAor = await app.inject({ method: 'GET', url: '/v1/phones/no-at-sign/keys', headers: auth });
  assert.equal(badAor.statusCode, 400);
  assert.match(badAor.json<{ error: { message: string } }>().error.message, /^params\.aor must match pattern/);
  const resync = await app.inject({ method: 'POST', url: '/v1/phones/3000@example.com/resync', headers: auth });
  assert.equal(resync.statusCode, 200);
  const results = resync.json<{ results: { keys: { key: string }[]; pending: boolean }[] }>().results;
  assert.equal(results.length, 1);
  assert.deepEqual(results[0]!.keys.map((k) => k.key), ['4']);
  assert.equal(results[0]!.pending, true);
});

test('POST /v1/api runs a line or command+args; HTTP 200 with -ERR for a refused line', async () => {
  const line = await app.inject({ method: 'POST', url: '/v1/api', headers: auth, payload: { line: "snom_bind_key 2 on 'Do not disturb' 200 example.com internal" } });
  assert.equal(line.statusCode, 200);
  const b = line.json<{ reply: string; ok: boolean; result: { command: string } }>();
  assert.equal(b.reply, "+OK 2 on 'Do not disturb' 200 example.com internal");
  assert.equal(b.ok, true);
  assert.equal(b.result.command, 'snom_bind_key');
  const args = await app.inject({ method: 'POST', url: '/v1/api', headers: auth, payload: { command: 'snom_bind_key', args: ['3', 'off', 'Do not disturb', '200', 'example.com', 'internal'] } });
  assert.equal(args.statusCode, 200);
  assert.equal(args.json<{ reply: string }>().reply, "+OK 3 off 'Do not disturb' 200 example.com internal");
  const usage = await app.inject({ method: 'POST', url: '/v1/api', headers: auth, payload: { line: 'snom_bind_key 2 on' } });
  assert.equal(usage.statusCode, 200);
  assert.equal(usage.json<{ ok: boolean }>().ok, false);
  assert.match(usage.json<{ reply: string }>().reply, /^-Error <key> <light>/);
  const both = await app.inject({ method: 'POST', url: '/v1/api', headers: auth, payload: { line: 'snom_url', command: 'snom_url' } });
  assert.equal(both.statusCode, 400);
  assert.equal(both.json<{ error: { message: string } }>().error.message, 'give line, or command and args, not both');
  const badCommand = await app.inject({ method: 'POST', url: '/v1/api', headers: auth, payload: { command: 'snom_reboot', args: [] } });
  assert.equal(badCommand.statusCode, 400);
  assert.equal(badCommand.json<{ error: { message: string } }>().error.message, 'command must be one of "snom_bind_key", "snom_command", "snom_url"');
});

test('POST /v1/commands maps kinds, checks fields per kind, maps target errors to statuses', async () => {
  calls.length = 0;
  const post = (payload: object) => app.inject({ method: 'POST', url: '/v1/commands', headers: auth, payload });
  const ok = await post({ target: '*/2000', command: { kind: 'dial', number: '1234' }, username: 'admin', password: 'pw' });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { target: '*/2000', ok: true, results: [] });
  assert.deepEqual(calls[0], { target: '*/2000', command: { kind: 'dial', number: '1234' }, credentials: { username: 'admin', password: 'pw' }, aborted: false });
  const key = await post({ target: '10.0.0.5', command: { kind: 'key', keys: 'F_REBOOT' } });
  assert.equal(key.statusCode, 200);
  assert.deepEqual((calls[1] as { command: unknown }).command, { kind: 'key', sequence: 'F_REBOOT' });
  const bulk = await post({ targets: 'all-registered', command: { kind: 'release-all-calls' } });
  assert.equal(bulk.statusCode, 200);
  assert.deepEqual(calls[2], { targets: 'all-registered', command: { kind: 'release-all-calls' } });
  const cases: [object, number, string][] = [
    [{ target: 'x', command: { kind: 'dial' } }, 400, "command.number is required for kind 'dial'"],
    [{ target: 'x', command: { kind: 'dtmf', digits: '1', number: '2' } }, 400, "command.number is not allowed for kind 'dtmf'"],
    [{ command: { kind: 'release-all-calls' } }, 400, 'give either target or targets'],
    [{ target: 'x', targets: ['y'], command: { kind: 'release-all-calls' } }, 400, 'give either target or targets'],
    [{ target: 'x', command: { kind: 'reboot' } }, 400, 'command.kind must be one of "key", "action", "dial", "dtmf", "release-all-calls", "play-ringer", "setting"'],
    [{ target: 'x', command: { kind: 'release-all-calls' }, username: 'a' }, 400, 'username and password go together'],
    [{ targets: 'everyone', command: { kind: 'release-all-calls' } }, 400, 'targets must be array or one of "all-registered"'],
    [{ target: '*/missing', command: { kind: 'release-all-calls' } }, 404, 'no phone for */missing'],
  ];
  for (const [payload, status, message] of cases) {
    const r = await post(payload);
    assert.equal(r.statusCode, status, message);
    assert.equal(r.json<{ error: { message: string } }>().error.message, message);
  }
});

test('POST /v1/commands answers 503 while no command service is available', async () => {
  const bare = await buildApp({ service });
  try {
    const r = await bare.inject({ method: 'POST', url: '/v1/commands', payload: { target: 'x', command: { kind: 'release-all-calls' } } });
    assert.equal(r.statusCode, 503);
    assert.equal(r.json<{ error: { code: string } }>().error.code, 'SNOM_ERR_UNAVAILABLE');
  } finally {
    await bare.close();
  }
});

test('GET /openapi.json lists every route with its schemas', async () => {
  const r = await app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(r.statusCode, 200);
  const doc = r.json<{ openapi: string; paths: Record<string, Record<string, { requestBody?: unknown; parameters: { name: string; in: string }[] }>> }>();
  assert.equal(doc.openapi, '3.0.3');
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`)).sort();
  assert.deepEqual(ops, [
    'GET /', 'GET /dashboard/{file}', 'GET /healthz', 'GET /metrics', 'GET /openapi.json', 'GET /v1/action-url/{event}', 'GET /v1/events', 'GET /v1/phones',
    'GET /v1/phones/{aor}/keys', 'POST /v1/api', 'POST /v1/commands', 'POST /v1/keys', 'POST /v1/phones/{aor}/resync',
  ].sort());
  assert.ok(doc.paths['/v1/keys']!.post!.requestBody);
  assert.deepEqual(doc.paths['/v1/phones/{aor}/keys']!.get!.parameters.map((p) => `${p.in}:${p.name}`), ['path:aor', 'query:profile']);
});

test('GET /v1/events refuses an unknown event type before streaming', async () => {
  const r = await app.inject({ method: 'GET', url: '/v1/events?types=keys,bogus', headers: auth });
  assert.equal(r.statusCode, 400);
  assert.match(r.json<{ error: { message: string } }>().error.message, /^querystring\.types must match pattern/);
  const extra = await app.inject({ method: 'GET', url: '/v1/events?type=keys', headers: auth });
  assert.equal(extra.statusCode, 400);
  assert.equal(extra.json<{ error: { message: string } }>().error.message, 'querystring.type is not allowed here');
});

test('unknown routes answer the error envelope', async () => {
  const r = await app.inject({ method: 'GET', url: '/v2/nothing?x=1', headers: auth });
  assert.equal(r.statusCode, 404);
  assert.deepEqual(r.json(), { error: { code: 'SNOM_ERR_NOT_FOUND', message: 'no route GET /v2/nothing' } });
});

test('GET /metrics is Prometheus text with HTTP, delivery and error metrics', async () => {
  await app.inject({ method: 'GET', url: '/healthz' });
  const r = await app.inject({ method: 'GET', url: '/metrics', headers: auth });
  assert.equal(r.statusCode, 200);
  assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  const text = r.body;
  assert.ok(text.endsWith('\n'));
  assert.match(text, /^# HELP snomctl_deliveries_total /m);
  assert.match(text, /^# TYPE snomctl_http_requests_total counter$/m);
  assert.match(text, /^snomctl_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+$/m);
  assert.match(text, /^snomctl_errors_total\{code="SNOM_ERR_UNAUTHORIZED"\} \d+$/m);
  assert.match(text, /^snomctl_key_writes_total\{profile="internal"\} \d+$/m);
  assert.match(text, /^snomctl_http_request_duration_seconds_bucket\{route="\/healthz",le="\+Inf"\} \d+$/m);
  assert.match(text, /^snomctl_registered_contacts 0$/m);
});

test('Action URL: ?token= or a trusted network (the token is not passed on: see the SSE test)', async () => {
  const none = await app.inject({ method: 'GET', url: '/v1/action-url/incoming?remote=200' });
  assert.equal(none.statusCode, 401);
  const withToken = await app.inject({ method: 'GET', url: `/v1/action-url/incoming?remote=200&token=${TOKEN}` });
  assert.equal(withToken.statusCode, 200);
  assert.deepEqual(withToken.json(), { ok: true, event: 'incoming' });
  const trusted = await app.inject({ method: 'GET', url: '/v1/action-url/incoming?remote=201', remoteAddress: '10.9.1.2' });
  assert.equal(trusted.statusCode, 200);
  const unknown = await app.inject({ method: 'GET', url: `/v1/action-url/nonsense?token=${TOKEN}` });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json<{ error: { code: string } }>().error.code, 'SNOM_ERR_NOT_FOUND');
});

interface SseClient {
  readonly text: () => string;
  readonly waitFor: (pattern: RegExp) => Promise<string>;
  readonly ended: Promise<void>;
  readonly close: () => void;
}

function openSse(url: string, headers: Record<string, string>): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers }, (res) => {
      let buf = '';
      const waiters: { pattern: RegExp; resolve: (m: string) => void }[] = [];
      const ended = new Promise<void>((r) => res.on('end', () => r()));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (const w of [...waiters]) {
          const m = w.pattern.exec(buf);
          if (m) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(m[0]);
          }
        }
      });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
      resolve({
        text: () => buf,
        waitFor: (pattern) => {
          const m = pattern.exec(buf);
          return m ? Promise.resolve(m[0]) : new Promise((r) => waiters.push({ pattern, resolve: r }));
        },
        ended,
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

test('GET /v1/events streams events over a real socket, filters by type, sends heartbeats, ends on close', async () => {
  const svc = createService({ domains: 'example.com', sip: { listen: { host: '127.0.0.1', port: 0 } }, delivery: { reconcileOnStart: false } });
  await svc.start();
  const live = await buildApp({ service: svc, tokens: [TOKEN], heartbeatMs: 30 });
  await live.listen({ host: '127.0.0.1', port: 0 });
  const port = (live.server.address() as AddressInfo).port;
  try {
    const unauthorized = await new Promise<number>((resolve) => get(`http://127.0.0.1:${port}/v1/events`, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }));
    assert.equal(unauthorized, 401);
    const all = await openSse(`http://127.0.0.1:${port}/v1/events`, auth);
    const onlyAction = await openSse(`http://127.0.0.1:${port}/v1/events?types=action-url`, auth);
    await all.waitFor(/: connected\n\n/);
    await svc.bindKey({ profile: 'internal', user: '2000', host: 'example.com', keys: [{ key: '7', label: 'hello' }] });
    const keysEvent = await all.waitFor(/event: keys\ndata: .*\n\n/);
    const data = JSON.parse(/data: (.*)\n/.exec(keysEvent)![1]!) as { profile: string; user: string; keys: { key: string; state: { label: string } }[] };
    assert.equal(data.profile, 'internal');
    assert.equal(data.user, '2000');
    assert.equal(data.keys[0]!.state.label, 'hello');
    const r = await live.inject({ method: 'GET', url: `/v1/action-url/incoming?remote=555&token=${TOKEN}` });
    assert.equal(r.statusCode, 200);
    const actionEvent = await onlyAction.waitFor(/event: action-url\ndata: .*\n\n/);
    const action = JSON.parse(/data: (.*)\n/.exec(actionEvent)![1]!) as { event: string; variables: Record<string, string> };
    assert.equal(action.event, 'incoming');
    assert.deepEqual(action.variables, { remote: '555' });
    await all.waitFor(/: heartbeat\n\n/);
    assert.doesNotMatch(onlyAction.text(), /event: keys/);
    const closing = live.close();
    await Promise.all([all.ended, onlyAction.ended]);
    await closing;
  } finally {
    await live.close();
    await svc.close();
  }
});
