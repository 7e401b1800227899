// serve's api.eventBufferSize reaches the event stream: only that many events are kept for replay.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createServeLogger, startServe } from '../../src/serve.js';
import { loadConfig } from '../../src/service/config/index.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The SSE text of /v1/events?<query> up to and including the `replayed` control event. */
function replayed(api: string, query: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const req = request(`${api}/v1/events?${query}`, { timeout: 5000 }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (/^event: replayed\ndata: .*\n\n/m.test(text)) {
          req.destroy();
          resolve(text);
        }
      });
      res.on('end', () => reject(new Error(`stream ended before the replay: ${text}`)));
    });
    req.on('timeout', () => req.destroy(new Error(`no replay within 5 s: ${text}`)));
    req.on('error', reject);
    req.end();
  });
}

async function serveWith(api: Record<string, unknown>): Promise<{ url: string; close: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'snomctl-serve-events-'));
  dirs.push(dataDir);
  const loaded = loadConfig({
    defaultDomains: ['pbx.test'], file: '/etc/snomctl.json', env: {},
    readFile: () => JSON.stringify({ dataDir, logLevel: 'silent', sip: { listen: '127.0.0.1:0', transports: ['udp'] }, api: { listen: '127.0.0.1:0', ...api } }),
  });
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.error.map((e) => e.message)));
  const lines: string[] = [];
  const running = await startServe(loaded.value, { out: (l) => lines.push(l), err: (l) => lines.push(l), env: {} }, createServeLogger('silent', new PassThrough()));
  const url = /^api (http:\/\/\S+)$/m.exec(lines.join('\n'))?.[1];
  assert.ok(url, lines.join('\n'));
  return { url, close: () => running.close() };
}

async function bindThreeKeys(api: string): Promise<void> {
  for (const key of ['1', '2', '3']) {
    const r = await fetch(`${api}/v1/keys`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ profile: 'internal', user: '2000', host: 'pbx.test', keys: [{ key, light: 'on', label: `K${key}` }] }),
    });
    assert.equal(r.status, 200, await r.text());
  }
}

function replayedCount(text: string): number {
  const data = /^event: replayed\ndata: (.*)$/m.exec(text)![1]!;
  return (JSON.parse(data) as { count: number }).count;
}

test('api.eventBufferSize bounds the events serve keeps for replay (default 1000)', { timeout: 30_000 }, async () => {
  const small = await serveWith({ eventBufferSize: 2 });
  try {
    await bindThreeKeys(small.url);
    assert.equal(replayedCount(await replayed(small.url, 'replay=100')), 2);
  } finally {
    await small.close();
  }
  const standard = await serveWith({});
  try {
    await bindThreeKeys(standard.url);
    assert.ok(replayedCount(await replayed(standard.url, 'replay=100')) >= 3);
  } finally {
    await standard.close();
  }
});
