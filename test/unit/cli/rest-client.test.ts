import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { startFakeRestServer, type FakeRestServer } from './fake-rest-server.js';
import { runCli } from './run-cli.js';
import { CliError, RestClient, normalizeServerUrl, serverMessage } from '../../../src/cli/rest-client.js';

let server: FakeRestServer;
before(async () => {
  server = await startFakeRestServer({
    'GET /v1/phones': (req) => (req.headers.authorization === 'Bearer right'
      ? { json: { phones: [] } }
      : { status: 401, json: { error: { code: 'SNOM_ERR_UNAUTHORIZED', message: 'missing or wrong token' } } }),
    'POST /v1/api': () => ({ text: '<html>oops</html>' }),
    'POST /v1/commands': () => ({ status: 503, text: 'busy' }),
  });
});
after(async () => server.close());

/** A port nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as net.AddressInfo;
  s.close();
  await once(s, 'close');
  return port;
}

describe('service errors', () => {
  it('connection refused names the URL (without user info) and hints at serve', async () => {
    const port = await deadPort();
    const io = await runCli(['phones', '--server', `http://user:pw@127.0.0.1:${port}/`]);
    assert.equal(io.stderr, `snomctl: cannot reach the snomctl service at http://127.0.0.1:${port} (is "snomctl serve" running?)\n`);
    assert.equal(io.stdout, '');
    assert.equal(io.exitCode, 1);
  });
  it('401 without a token asks for one; with a wrong one says so; the token is never printed', async () => {
    const none = await runCli(['phones', '--server', server.url]);
    assert.equal(none.stderr, 'snomctl: the service needs a token (401): pass --token or set SNOMCTL_TOKEN\n');
    const wrong = await runCli(['phones', '--server', server.url], { SNOMCTL_TOKEN: 'wrongtoken' });
    assert.equal(wrong.stderr, 'snomctl: the service refused the token (401): check --token or SNOMCTL_TOKEN\n');
    assert.equal(wrong.exitCode, 1);
    const right = await runCli(['phones', '--server', server.url, '--token', 'right']);
    assert.equal(right.stdout, 'no phones\n');
    assert.equal(right.exitCode, 0);
  });
  it('a non-JSON 200 and a non-JSON error are failures with a plain message', async () => {
    const a = await runCli(['api', 'snom_url', '--server', server.url]);
    assert.equal(a.stderr, `snomctl: the service at ${server.url} answered POST /v1/api with something that is not JSON\n`);
    const b = await runCli(['press', '1.2.3.4', 'enter', '--server', server.url]);
    assert.equal(b.stderr, 'snomctl: the service answered HTTP 503\n');
    assert.equal(b.exitCode, 1);
  });
  it('a bad --server, token or --timeout is refused before any request', async () => {
    const before = server.requests.length;
    const url = await runCli(['phones', '--server', 'ftp://x']);
    assert.equal(url.stderr, "snomctl: invalid service URL 'ftp://x' (expected http:// or https://)\n");
    const garbage = await runCli(['phones', '--server', 'not a url\r\n']);
    assert.equal(garbage.stderr, "snomctl: invalid service URL 'not a url??' (expected http://host:port)\n");
    const token = await runCli(['phones', '--server', server.url, '--token', 'a\r\nX-Evil: 1']);
    assert.equal(token.stderr, 'snomctl: invalid token: it may not contain blanks, control or non-ASCII characters\n');
    const timeout = await runCli(['phones', '--server', server.url, '--timeout', '0']);
    assert.equal(timeout.exitCode, 2);
    assert.match(timeout.stderr, /--timeout <ms>' argument '0' is invalid\. expected a positive number of milliseconds/);
    assert.equal(server.requests.length, before);
    for (const io of [url, garbage, token]) assert.equal(io.exitCode, 2);
  });
  it('a service that does not answer in --timeout ms', async () => {
    const hang = net.createServer(() => undefined).listen(0, '127.0.0.1');
    await once(hang, 'listening');
    const { port } = hang.address() as net.AddressInfo;
    try {
      const io = await runCli(['phones', '--server', `http://127.0.0.1:${port}`, '--timeout', '150']);
      assert.equal(io.stderr, `snomctl: the snomctl service at http://127.0.0.1:${port} did not answer within 150 ms (see --timeout)\n`);
      assert.equal(io.exitCode, 1);
    } finally {
      hang.close();
    }
  });
});

describe('RestClient pieces', () => {
  it('normalizeServerUrl', () => {
    assert.equal((normalizeServerUrl('http://a:pw@h:1/base//?x#y') as URL).href, 'http://h:1/base');
    assert.ok(normalizeServerUrl('mailto:x') instanceof CliError);
  });
  it('serverMessage', () => {
    assert.equal(serverMessage('{"error":{"code":"X","message":"keys[0].light: expected one of on, off"}}'), 'keys[0].light: expected one of on, off');
    assert.equal(serverMessage('{"error":{"message":"a\\nb"}}'), 'a?b');
    assert.equal(serverMessage('{"error":{}}'), undefined);
    assert.equal(serverMessage('nope'), undefined);
  });
  it('keeps a path prefix of the server URL', async () => {
    const c = new RestClient({ server: `${server.url}/prefix/` });
    await assert.rejects(c.json('GET', '/v1/phones'), (e: CliError) => e.status === 404 && e.message === 'no route GET /prefix/v1/phones (HTTP 404)');
    await c.close();
  });
});
