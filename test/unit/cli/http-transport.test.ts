import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { ConnectTimeoutError, HttpTransport, ResponseTimeoutError } from '../../../src/cli/http-transport.js';
import { CliError, RestClient } from '../../../src/cli/rest-client.js';
import { startBlackHole, testCertificate } from '../../helpers/http-test-server.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

let handler: Handler = (_req, res) => res.end();
const sockets: net.Socket[] = [];
const server = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8').on('data', (c: string) => (body += c));
  req.on('end', () => handler(req, res, body));
});
server.on('connection', (s) => sockets.push(s));
server.keepAliveTimeout = 60_000;
let origin: URL;

before(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = new URL(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
});
after(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

const GET = { method: 'GET', path: '/x', headers: {}, timeoutMs: 2000 } as const;

describe('HttpTransport', () => {
  it('a POST round trip: method, path, headers, content-length; a UTF-8 character split between chunks', async () => {
    let seen: { method?: string; url?: string; headers?: http.IncomingHttpHeaders; body?: string } = {};
    handler = (req, res, body) => {
      seen = { method: req.method!, url: req.url!, headers: req.headers, body };
      const bytes = Buffer.from('{"v":"é€"}');
      res.writeHead(201, { 'content-type': 'application/json' });
      res.write(bytes.subarray(0, 7)); // ends inside "é"
      setTimeout(() => res.end(bytes.subarray(7)), 20);
    };
    const t = new HttpTransport(origin);
    const res = await t.send({ method: 'POST', path: '/v1/api?a=1', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: '{"line":"ü"}', timeoutMs: 2000 });
    assert.equal(res.status, 201);
    assert.equal(await res.text(), '{"v":"é€"}');
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/v1/api?a=1');
    assert.equal(seen.body, '{"line":"ü"}');
    assert.equal(seen.headers?.['content-length'], '13');
    assert.equal(seen.headers?.['content-type'], 'application/json');
    assert.equal(seen.headers?.accept, 'application/json');
    assert.equal(seen.headers?.host, origin.host);
    t.close();
  });

  it('the requests of one transport share a keep-alive connection; close() ends it', async () => {
    handler = (_req, res) => res.end('ok');
    const before = sockets.length;
    const t = new HttpTransport(origin);
    for (let i = 0; i < 3; i++) assert.equal(await (await t.send(GET)).text(), 'ok');
    assert.equal(sockets.length, before + 1);
    const socket = sockets.at(-1)!;
    assert.equal(socket.destroyed, false);
    t.close();
    await once(socket, 'close');
  });

  it('the timeout bounds each silence of the body, not the whole body', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      let n = 0;
      const tick = setInterval(() => {
        if (++n === 8) {
          clearInterval(tick);
          res.end('x');
        } else res.write('x');
      }, 40);
    };
    const t = new HttpTransport(origin);
    assert.equal(await (await t.send({ ...GET, timeoutMs: 250 })).text(), 'xxxxxxxx');
    t.close();
  });

  it('a body that stops flowing: ResponseTimeoutError, and RestClient says the service did not answer', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"phones":');
    };
    const t = new HttpTransport(origin);
    const res = await t.send({ ...GET, timeoutMs: 100 });
    await assert.rejects(res.text(), (e: ResponseTimeoutError) => e instanceof ResponseTimeoutError && e.code === 'SNOM_ERR_CLI_TIMEOUT');
    t.close();
    const client = new RestClient({ server: origin.href, timeoutMs: 100 });
    await assert.rejects(client.json('GET', '/v1/phones'), (e: CliError) => e instanceof CliError
      && e.message === `the snomctl service at ${origin.origin} did not answer within 100 ms (see --timeout)` && e.status === undefined);
    await client.close();
  });

  it('a connection that is never set up: ConnectTimeoutError after connectTimeoutMs even with no request timeout', async () => {
    const hole = await startBlackHole('127.0.0.1');
    try {
      const t = new HttpTransport(new URL(`http://127.0.0.1:${hole.port}`), { connectTimeoutMs: 200 });
      await assert.rejects(t.send({ ...GET, timeoutMs: 0 }), (e: ConnectTimeoutError) => e instanceof ConnectTimeoutError && e.message === 'no connection within 200 ms');
      t.close();
    } finally {
      await hole.close();
    }
  });

  it('an abort before the answer rejects with the signal\'s reason and drops the connection', async () => {
    handler = () => undefined;
    const before = sockets.length;
    const t = new HttpTransport(origin);
    const abort = new AbortController();
    const sent = t.send({ ...GET, timeoutMs: 0, signal: abort.signal });
    while (sockets.length === before) await sleep(5);
    abort.abort();
    await assert.rejects(sent, (e: Error) => e.name === 'AbortError');
    await once(sockets.at(-1)!, 'close');
    t.close();
  });

  it('an abort during the body ends its chunks with the reason; an already aborted signal sends nothing', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.write('a');
    };
    const t = new HttpTransport(origin);
    const abort = new AbortController();
    const res = await t.send({ ...GET, timeoutMs: 0, signal: abort.signal });
    const got: string[] = [];
    await assert.rejects(async () => {
      for await (const chunk of res.chunks()) {
        got.push(chunk);
        abort.abort(new Error('stop'));
      }
    }, { message: 'stop' });
    assert.deepEqual(got, ['a']);
    const before = sockets.length;
    await assert.rejects(t.send({ ...GET, signal: AbortSignal.abort() }), (e: Error) => e.name === 'AbortError');
    assert.equal(sockets.length, before);
    t.close();
  });

  it('RestClient.events: events until the stream breaks off; a refused stream is an HTTP error', async () => {
    handler = (req, res) => {
      if (req.headers.accept !== 'text/event-stream') {
        res.writeHead(400).end('{"error":{"code":"SNOM_ERR_BAD_REQUEST","message":"wrong accept"}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: registered\ndata: {"user":"2000"}\n\nevent: delivery\nda');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const client = new RestClient({ server: origin.href });
    const events: unknown[] = [];
    await assert.rejects(client.events('/v1/events', (e) => events.push(e), new AbortController().signal),
      (e: CliError) => e instanceof CliError && e.message === `the event stream from ${origin.origin} broke off`);
    assert.deepEqual(events, [{ event: 'registered', data: '{"user":"2000"}' }]);
    handler = (_req, res) => res.writeHead(503).end('{"error":{"code":"SNOM_ERR_UNAVAILABLE","message":"shutting down"}}');
    await assert.rejects(client.events('/v1/events', () => undefined, new AbortController().signal),
      (e: CliError) => e.message === 'shutting down (HTTP 503)' && e.status === 503);
    await client.close();
  });

  it('https: verifies the certificate (a self-signed one is refused with its reason)', async () => {
    const tls = https.createServer(await testCertificate(['127.0.0.1']), (_req, res) => res.end('{}'));
    tls.listen(0, '127.0.0.1');
    await once(tls, 'listening');
    const url = `https://127.0.0.1:${(tls.address() as net.AddressInfo).port}`;
    try {
      const client = new RestClient({ server: url });
      await assert.rejects(client.json('GET', '/v1/phones'), { message: `request to the snomctl service at ${url} failed: DEPTH_ZERO_SELF_SIGNED_CERT` });
      await client.close();
    } finally {
      tls.close();
    }
  });

  it('a process that never calls close() still exits once its request is done (idle sockets are unref\'d)', async () => {
    handler = (_req, res) => res.end('done');
    const module = pathToFileURL(path.resolve(import.meta.dirname, '../../../src/cli/http-transport.ts')).href;
    const code = `import { HttpTransport } from ${JSON.stringify(module)};
      const t = new HttpTransport(new URL(${JSON.stringify(origin.href)}));
      process.stdout.write(await (await t.send({ method: 'GET', path: '/', headers: {}, timeoutMs: 5000 })).text());`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000); // the server would keep the socket 60 s
    const [status, signal] = (await once(child, 'exit')) as [number | null, string | null];
    clearTimeout(kill);
    assert.deepEqual({ status, signal, out }, { status: 0, signal: null, out: 'done' });
  });
});
