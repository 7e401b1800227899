// PhoneOperations against a real server: each operation's exact request, dial's 302, screenshots,
// argument validation (invalid-request, nothing sent) and the success rule.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { PhoneClient } from '../../src/phone/phone-client.js';
import { PhoneOperations } from '../../src/phone/phone-operations.js';
import type { PhoneResult } from '../../src/phone/phone-result.js';
import { InvalidOptionError } from '../../src/util/errors.js';
import { startTestServer, type TestReply, type TestServer } from '../helpers/http-test-server.js';

/** Slack for timer assertions on a loaded 2-core CI machine. */
const MARGIN_MS = 400;

const HOST = '127.0.0.61';
const BMP = Buffer.concat([Buffer.from('BM'), Buffer.alloc(60, 1)]);
let server: TestServer;
let client: PhoneClient;
let ops: PhoneOperations;
let dialStatus = 302;
let screenBody: Buffer = BMP;

before(async () => {
  server = await startTestServer({
    host: HOST,
    auth: { users: { admin: 'pw' }, digest: {} },
    handler: (q): TestReply => {
      if (q.url.startsWith('/command.htm?number=')) return { status: dialStatus, headers: { location: '/index.htm' } };
      if (q.url.startsWith('/advanced_update.htm')) return { status: 302, headers: { location: '/index.htm' } };
      if (q.url === '/screen.bmp') return { status: 200, headers: { 'content-type': 'image/bmp' }, body: screenBody };
      return { status: 200, body: 'OK' };
    },
  });
  client = new PhoneClient();
  ops = new PhoneOperations({ client });
});
after(async () => {
  await client.close();
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
  dialStatus = 302;
  screenBody = BMP;
});

const phone = () => ({ host: HOST, port: server.port, username: 'admin', password: 'pw' });
/** Authorized request targets the server saw. */
const seen = () => server.requests.filter((q) => q.authorized).map((q) => q.url);

function okResult(r: PhoneResult): void {
  assert.equal(r.ok, true, JSON.stringify(r));
}

test('each operation sends its exact request and succeeds on 200', async () => {
  const cases: [() => Promise<PhoneResult>, string][] = [
    [() => ops.pressKeys(phone(), 'enter,50,5000;cancel,50,1000'), '/command.htm?key=enter%2C50%2C5000%3Bcancel%2C50%2C1000'],
    [() => ops.pressKeys(phone(), [{ key: '#' }, { key: 'F1', holdMs: 500 }]), '/command.htm?key=%23%3BF1%2C500'],
    [() => ops.action(phone(), 'DialedDel'), '/index.htm?dialeddel=0'],
    [() => ops.action(phone(), 'misseddel'), '/index.htm?misseddel=0'],
    [() => ops.action(phone(), 'receiveddel'), '/index.htm?receiveddel=0'],
    [() => ops.dtmf(phone(), '12*#'), '/command.htm?key_dtmf=12%2A%23'],
    [() => ops.releaseAllCalls(phone()), '/command.htm?RELEASE_ALL_CALLS'],
    [() => ops.logOffAll(phone()), '/command.htm?LOGOFFALL'],
    [() => ops.reregister(phone(), 3), '/command.htm?REREGISTER=3'],
    [() => ops.logOffLine(phone(), 12), '/command.htm?LOGOFFLINE=12'],
    [() => ops.playRinger(phone(), 4), '/line_login.htm?PLAY_RINGER:4=+Ringer'],
    [() => ops.setSetting(phone(), 'user_realname1', 'Front desk & co'), '/dummy.htm?settings=save&user_realname1=Front%20desk%20%26%20co'],
  ];
  for (const [run, url] of cases) {
    server.requests.length = 0;
    okResult(await run());
    assert.deepEqual(seen(), [url]);
  }
});

test("reboot and reset: the 302 to index.htm is followed (mod_snom's libcurl did) and index.htm's 200 decides", async () => {
  const r = await ops.action(phone(), 'reboot');
  assert.ok(r.ok);
  assert.equal(r.redirects, 1);
  assert.deepEqual(seen(), ['/advanced_update.htm?reboot=Reboot', '/index.htm']);
  server.requests.length = 0;
  okResult(await ops.action(phone(), 'RESET'));
  assert.deepEqual(seen(), ['/advanced_update.htm?reset=Reset', '/index.htm']);
});

test('dial: the 302 is success without following it; 200 too; other statuses fail', async () => {
  const r = await ops.dial(phone(), '+49 30', 'sip:100@pbx.example.com');
  assert.ok(!r.ok, 'a number with a space is refused');
  assert.equal(r.code, 'invalid-request');
  const dialled = await ops.dial(phone(), '+4930123', 'sip:100@pbx.example.com');
  assert.ok(dialled.ok);
  assert.deepEqual([dialled.status, dialled.redirects], [302, 0]);
  assert.deepEqual(seen(), ['/command.htm?number=%2B4930123&outgoing_uri=sip%3A100%40pbx.example.com']);
  dialStatus = 200;
  okResult(await ops.dial(phone(), '100'));
  dialStatus = 404;
  const missing = await ops.dial(phone(), '100');
  assert.ok(!missing.ok);
  assert.deepEqual([missing.code, missing.status], ['http-status', 404]);
});

test('screenshot returns the BMP bytes; a 200 that is not a BMP fails', async () => {
  const r = await ops.screenshot(phone());
  assert.ok(r.ok);
  assert.deepEqual(r.body, BMP);
  screenBody = Buffer.from('<html>login</html>');
  const html = await ops.screenshot(phone());
  assert.ok(!html.ok);
  assert.deepEqual([html.code, html.status], ['http-status', 200]);
});

test('bad arguments are invalid-request results and nothing is sent; a setting value never shows in a message', async () => {
  const bad: (() => Promise<PhoneResult>)[] = [
    () => ops.pressKeys(phone(), 'NOT_A_KEY'),
    () => ops.pressKeys(phone(), ''),
    () => ops.pressKeys(phone(), 'ENTER&number=1'),
    () => ops.action(phone(), 'format'),
    () => ops.dial(phone(), '100\r\nX: y'),
    () => ops.dtmf(phone(), '12E'),
    () => ops.reregister(phone(), 13),
    () => ops.logOffLine(phone(), 0),
    () => ops.playRinger(phone(), 1.5),
    () => ops.setSetting(phone(), 'http_pass', 'top-secret\n'),
    () => ops.setSetting(phone(), 'Bad-Name', 'x'),
    () => ops.pressKeys({ host: 'bad host' }, 'ENTER'),
  ];
  for (const run of bad) {
    const r = await run();
    assert.ok(!r.ok);
    assert.deepEqual([r.code, r.status], ['invalid-request', 0]);
    assert.doesNotMatch(r.message, /top-secret/);
  }
  assert.equal(server.requests.length, 0);
});

test('listClearValue clear, and constructor checks', async () => {
  const clearing = new PhoneOperations({ client, listClearValue: 'clear' });
  okResult(await clearing.action(phone(), 'misseddel'));
  assert.deepEqual(seen(), ['/index.htm?misseddel=clear']);
  assert.throws(() => new PhoneOperations({ client, listClearValue: 'x' as never }), InvalidOptionError);
  assert.throws(() => new PhoneOperations({} as never), InvalidOptionError);
});

test('operations pass the signal and timeout through', async () => {
  const r = await ops.pressKeys(phone(), 'ENTER', { signal: AbortSignal.abort() });
  assert.ok(!r.ok);
  assert.equal(r.code, 'aborted');
  const hang = await startTestServer({ host: HOST, handler: () => 'hang' });
  try {
    const started = performance.now();
    const t = await ops.releaseAllCalls({ host: HOST, port: hang.port }, { timeoutMs: 150 });
    assert.ok(!t.ok);
    assert.equal(t.code, 'timeout');
    assert.ok(performance.now() - started < 150 + MARGIN_MS);
  } finally {
    await hang.close();
  }
});
