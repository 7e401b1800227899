// The virtual phone's web server over real sockets on 127.0.0.81, without authentication: every Snom page,
// the simulator's own pages, key sequence timing, SSE, and robustness.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { execFile } from 'node:child_process';
import { createVirtualPhoneWeb, type VirtualPhoneWeb } from '../../src/sim/web/virtual-phone-web.js';
import type { PhoneSnapshot } from '../../src/sim/phone-state-types.js';

const HOST = '127.0.0.81';
let phone: VirtualPhoneWeb;
let base: string;

before(async () => {
  phone = createVirtualPhoneWeb({ settings: { user_name1: '100', user_host1: 'pbx.test' } });
  base = (await phone.listen({ host: HOST, port: 0 })).url;
});

after(async () => {
  await phone.close();
});

interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One request on a new connection; the raw path is sent as given. */
function request(path: string, options: { method?: string; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method: options.method ?? 'GET', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

async function snapshot(): Promise<PhoneSnapshot> {
  const r = await request('/state.json');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
  return JSON.parse(r.body.toString('utf8')) as PhoneSnapshot;
}

/** Waits until `check` holds (polling every 10 ms, at most `ms`). */
async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('key sequence: 200 at once, then pressed with the requested hold and pause', async () => {
  const first = phone.state.snapshot().presses.length;
  const r = await request('/command.htm?key=ENTER%2C120%2C250%3BCANCEL%2C80%2C0');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
  assert.match(r.body.toString(), /<p>OK<\/p>/);
  await until(() => phone.state.snapshot().presses.slice(first).filter((p) => p.upAt !== undefined).length === 2);
  const [enter, cancel] = phone.state.snapshot().presses.slice(first);
  assert.deepEqual([enter!.name, enter!.requested, enter!.source, cancel!.name, cancel!.requested], [
    'ENTER', { holdMs: 120, pauseMs: 250 }, 'http', 'CANCEL', { holdMs: 80, pauseMs: 0 },
  ]);
  const hold = enter!.upAt! - enter!.downAt;
  const pause = cancel!.downAt - enter!.upAt!;
  const hold2 = cancel!.upAt! - cancel!.downAt;
  assert.ok(Math.abs(hold - 120) <= 60, `hold ${hold}`);
  assert.ok(Math.abs(pause - 250) <= 60, `pause ${pause}`);
  assert.ok(Math.abs(hold2 - 80) <= 60, `hold ${hold2}`);
});

test('# and * arrive escaped as %23 and %2A; key names in any case', async () => {
  const first = phone.state.snapshot().presses.length;
  assert.equal((await request('/command.htm?key=%23%3B%2A%3Bp1%3Bvolume_up')).status, 200);
  await until(() => phone.state.snapshot().presses.length === first + 4);
  assert.deepEqual(phone.state.snapshot().presses.slice(first).map((p) => [p.key, p.name]), [
    ['#', '#'], ['*', '*'], ['p1', 'P1'], ['volume_up', 'VOLUME_UP'],
  ]);
});

test('unknown keys and bad times answer 400 with the reason; nothing is pressed', async () => {
  const first = phone.state.snapshot().presses.length;
  const r = await request('/command.htm?key=ENTER%3BBOGUS');
  assert.equal(r.status, 400);
  assert.match(r.body.toString(), /key 2: unknown key &quot;BOGUS&quot;/);
  assert.equal((await request('/command.htm?key=ENTER%2C99999999')).status, 400);
  await new Promise((r2) => setTimeout(r2, 50));
  assert.equal(phone.state.snapshot().presses.length, first);
});

test('number= dials and answers 302 to /index.htm, which curl -L follows like mod_snom', async (t) => {
  const r = await request('/command.htm?number=0301234&outgoing_uri=sip%3A100%40pbx.test');
  assert.equal(r.status, 302);
  assert.equal(r.headers.location, '/index.htm');
  const call = phone.state.activeCalls().at(-1)!;
  assert.deepEqual([call.number, call.outgoingUri, call.origin, call.state], ['0301234', 'sip:100@pbx.test', 'http', 'dialling']);
  const curl = await run('curl', ['-sS', '-L', '-o', '/dev/null', '-w', '%{http_code} %{num_redirects} %{url_effective}', `${base}/command.htm?number=555`]);
  if (curl.missing) return t.skip('curl is not installed');
  assert.equal(curl.stdout, `200 1 ${base}/index.htm`);
  assert.equal(phone.state.activeCalls().at(-1)?.number, '555');
});

test('key_dtmf, RELEASE_ALL_CALLS, REREGISTER, LOGOFFLINE, LOGOFFALL', async () => {
  const seen: string[] = [];
  const listeners = {
    dtmf: ({ digits }: { digits: string }) => seen.push(`dtmf ${digits}`),
    release: ({ calls }: { calls: readonly unknown[] }) => seen.push(`release ${calls.length}`),
    rereg: ({ line }: { line: number }) => seen.push(`rereg ${line}`),
    logOff: ({ line }: { line: number | 'all' }) => seen.push(`logoff ${line}`),
  };
  phone.state.on('dtmf', listeners.dtmf).on('releaseAllCalls', listeners.release).on('reregister', listeners.rereg).on('logOff', listeners.logOff);
  try {
    await request('/command.htm?number=777');
    for (const q of ['key_dtmf=1%23%2A', 'RELEASE_ALL_CALLS', 'REREGISTER=1', 'LOGOFFLINE=3', 'LOGOFFALL']) {
      assert.equal((await request(`/command.htm?${q}`)).status, 200, q);
    }
    assert.equal((await request('/command.htm?REREGISTER=13')).status, 400);
    assert.equal((await request('/command.htm?key_dtmf=9x')).status, 400);
  } finally {
    phone.state.off('dtmf', listeners.dtmf).off('releaseAllCalls', listeners.release).off('reregister', listeners.rereg).off('logOff', listeners.logOff);
  }
  assert.equal(seen[0], 'dtmf 1#*');
  assert.match(seen[1]!, /^release [1-9]/);
  assert.deepEqual(seen.slice(2), ['rereg 1', 'logoff 3', 'logoff all']);
  assert.equal(phone.state.activeCalls().length, 0);
  const snap = await snapshot();
  assert.equal(snap.dtmf.at(-1)?.digits, '1#*');
  assert.deepEqual(snap.commands.slice(-3).map((c) => [c.command, c.detail ?? '', c.source]), [
    ['reregister', '1', 'http'], ['log-off-line', '3', 'http'], ['log-off-all', '', 'http'],
  ]);
});

test('call lists are cleared with dialeddel=0|clear, misseddel, receiveddel', async () => {
  await request('/command.htm?number=888');
  phone.state.addCallListEntry('missed', '1');
  phone.state.addCallListEntry('received', '2');
  assert.equal((await request('/index.htm?dialeddel=0')).status, 200);
  assert.equal((await request('/index.htm?misseddel=clear&receiveddel=0')).status, 200);
  assert.deepEqual((await snapshot()).lists, { dialed: [], missed: [], received: [] });
  assert.equal((await request('/index.htm?dialeddel=yes')).status, 400);
});

test('dummy.htm stores settings; line_login.htm plays a ringer', async () => {
  assert.equal((await request('/dummy.htm?settings=save&user_realname1=Ann%20Lee&fkey11=line')).status, 200);
  assert.equal((await request('/line_login.htm?PLAY_RINGER:4=+Ringer')).status, 200);
  const snap = await snapshot();
  assert.equal(snap.settings.user_realname1, 'Ann Lee');
  assert.deepEqual(snap.functionKeys[11], { name: 'P12', type: 'line', value: '' });
  assert.deepEqual(snap.commands.slice(-2).map((c) => [c.command, c.detail]), [['save-settings', 'user_realname1 fkey11'], ['play-ringer', '4']]);
  assert.equal((await request('/dummy.htm?settings=save&x=a%0Db')).status, 400);
  assert.equal((await request('/dummy.htm?settings=save&fkey11=button%2012')).status, 200);
});

test('/state.json shows applied key states exactly', async () => {
  phone.state.applyXButtonsBody('k=2\r\nc=on\r\nl=DND\r\nn=api+uuid_transfer abc 9001\r\na=message\r\n');
  const snap = await snapshot();
  const { updatedAt, ...key } = snap.keys['2']!;
  assert.equal(typeof updatedAt, 'number');
  assert.deepEqual(key, {
    k: '2', light: 'on', action: 'message', label: 'DND', number: 'api+uuid_transfer abc 9001', updates: 1,
    block: { key: '2', light: 'on', label: 'DND', number: 'api+uuid_transfer abc 9001', action: 'message' },
  });
  assert.equal(snap.functionKeys[1]?.state?.label, 'DND');
  assert.equal(snap.model, 'snomD785');
  assert.equal(snap.network.ip, HOST);
  assert.equal(snap.network.httpPort, Number(new URL(base).port));
  assert.equal(snap.settings.mac, '000413000001');
});

test('/screen.bmp is a valid 24-bit BMP', async () => {
  phone.state.applyXButtons([{ key: '1', light: 'on', colour: 'green' }]);
  const r = await request('/screen.bmp');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'image/bmp');
  const bmp = r.body;
  assert.equal(Number(r.headers['content-length']), bmp.length);
  assert.equal(bmp.toString('latin1', 0, 2), 'BM');
  assert.equal(bmp.readUInt32LE(2), bmp.length);
  assert.equal(bmp.readUInt32LE(10), 54);
  assert.equal(bmp.readUInt32LE(14), 40);
  const [width, height, planes, bpp, compression, size] = [
    bmp.readInt32LE(18), bmp.readInt32LE(22), bmp.readUInt16LE(26), bmp.readUInt16LE(28), bmp.readUInt32LE(30), bmp.readUInt32LE(34),
  ];
  assert.deepEqual([width, height, planes, bpp, compression], [160, 120, 1, 24, 0]);
  assert.equal(size, Math.ceil((width * 3) / 4) * 4 * height);
  assert.equal(bmp.length, 54 + size);
  // P1's LED (x 8..17, y 8..17 from the top) is green.
  const rowBytes = Math.ceil((width * 3) / 4) * 4;
  const at = 54 + (height - 1 - 12) * rowBytes + 12 * 3;
  assert.deepEqual([bmp[at + 2], bmp[at + 1], bmp[at]], [30, 180, 60]);
});

test('advanced_update.htm answers 200, then reboots (keys forgotten) or resets', async () => {
  phone.state.applyXButtons([{ key: '3', light: 'hold' }]);
  const boots = phone.state.boots;
  const rebooted = new Promise<void>((resolve) => phone.state.once('reboot', resolve));
  const r = await request('/advanced_update.htm?reboot=Reboot');
  assert.equal(r.status, 200);
  await rebooted;
  assert.equal(phone.state.boots, boots + 1);
  assert.equal((await snapshot()).keys['3'], undefined);
  const reset = new Promise<void>((resolve) => phone.state.once('reset', resolve));
  assert.equal((await request('/advanced_update.htm?reset=Reset')).status, 200);
  await reset;
  assert.equal(phone.state.setting('user_realname1'), undefined);
  assert.equal(phone.state.setting('user_name1'), '100');
});

test('/ is the live key panel page with a strict CSP', async () => {
  const r = await request('/');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
  assert.match(String(r.headers['content-security-policy']), /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; script-src 'sha256-[A-Za-z0-9+/=]+'; connect-src 'self'; img-src 'self'$/);
  const html = r.body.toString();
  assert.match(html, /<html lang="en">/);
  assert.match(html, /new EventSource\('events'\)/);
  assert.match(html, /<ul id="keys" class="keys" aria-labelledby="keys-title">/);
});

test('SSE /events says hello, then delivers changed after a key press', async () => {
  const received = await new Promise<string>((resolve, reject) => {
    const req = http.get(`${base}/events`, { agent: false }, (res) => {
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (text.includes('event: hello') && !text.includes('pressed')) {
          text += 'pressed';
          void request('/command.htm?key=UP');
        }
        if (/event: changed\ndata: .*"presses"/.test(text)) {
          req.destroy();
          resolve(text);
        }
      });
    });
    req.on('error', reject);
    setTimeout(() => reject(new Error('no changed event')), 3000).unref();
  });
  assert.match(received, /^retry: 1000\nevent: hello\ndata: \{"seq":\d+\}\n\n/);
  const data = /event: changed\ndata: (.*)\n\n/.exec(received)![1]!;
  const change = JSON.parse(data) as { seq: number; what: string[] };
  assert.ok(change.what.includes('presses'));
  assert.ok(change.seq > 0);
});

test('unknown paths 404, other methods 405, bad queries 400, bodies ignored, HEAD has no body', async () => {
  assert.equal((await request('/nothing.htm')).status, 404);
  assert.equal((await request('/COMMAND.HTM?key=ENTER')).status, 404);
  const post = await request('/command.htm?key=ENTER', { method: 'POST', body: 'key=ENTER' });
  assert.deepEqual([post.status, post.headers.allow], [405, 'GET, HEAD']);
  const bad = await request('/command.htm?key=%E0%A4');
  assert.equal(bad.status, 400);
  assert.match(bad.body.toString(), /parameter 1: bad percent-encoding or not UTF-8/);
  assert.equal((await request('/command.htm?key=%')).status, 400);
  const head = await request('/screen.bmp', { method: 'HEAD' });
  assert.deepEqual([head.status, head.headers['content-type'], head.body.length], [200, 'image/bmp', 0]);
  assert.ok(Number(head.headers['content-length']) > 54);
  const recorded = phone.state.snapshot().webRequests.slice(-6).map((w) => [w.method, w.path, w.status]);
  assert.deepEqual(recorded, [
    ['GET', '/nothing.htm', 404], ['GET', '/COMMAND.HTM', 404], ['POST', '/command.htm', 405],
    ['GET', '/command.htm', 400], ['GET', '/command.htm', 400], ['HEAD', '/screen.bmp', 200],
  ]);
});

test('raw garbage on the socket does not crash the server', async () => {
  await new Promise<void>((resolve) => {
    const socket = net.connect(Number(new URL(base).port), HOST, () => socket.end('GET /command.htm?key=\r\x00\xff HTTP/1.1\r\nHost: x\r\n\r\n'));
    socket.on('data', () => {});
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
  assert.equal((await request('/command.htm?key=ENTER')).status, 200);
});

test('a handler error answers 500 and is recorded', async () => {
  const original = phone.state.snapshot.bind(phone.state);
  let calls = 0;
  phone.state.snapshot = () => {
    if (calls++ === 0) throw new Error('snapshot failed');
    return original();
  };
  try {
    const r = await request('/state.json');
    assert.equal(r.status, 500);
    const { where, message } = (await snapshot()).errors.at(-1)!;
    assert.deepEqual([where, message], ['web GET /state.json', 'snapshot failed']);
  } finally {
    phone.state.snapshot = original;
  }
});

test('close() closes keep-alive connections and event streams', async () => {
  const other = createVirtualPhoneWeb();
  const { url } = await other.listen({ host: HOST, port: 0 });
  const agent = new http.Agent({ keepAlive: true });
  await new Promise<void>((resolve) => http.get(`${url}/command.htm`, { agent }, (res) => res.resume().on('end', resolve)));
  let streamOpen!: () => void;
  const opened = new Promise<void>((resolve) => (streamOpen = resolve));
  const streamClosed = new Promise<void>((resolve) => {
    http.get(`${url}/events`, { agent: false }, (res) => {
      res.resume();
      streamOpen();
      res.on('close', resolve);
    }).on('error', resolve);
  });
  await opened;
  await until(() => Object.values(agent.freeSockets).flat().length === 1);
  const started = Date.now();
  await other.close();
  await streamClosed;
  assert.ok(Date.now() - started < 1000);
  agent.destroy();
  await assert.rejects(request2(url));
});

function request2(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => http.get(`${url}/`, { agent: false }, resolve).on('error', reject));
}

/** Runs a program; `missing` when it is not installed. */
function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string; missing: boolean }> {
  return new Promise((resolve) => {
    execFile(file, args, { encoding: 'utf8', timeout: 10_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr, missing: (error as NodeJS.ErrnoException | null)?.code === 'ENOENT' });
    });
  });
}
