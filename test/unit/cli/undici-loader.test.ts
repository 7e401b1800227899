import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadPublic, loadUndici } from '../../../src/cli/undici-loader.js';
import { startFakeRestServer, type FakeRestServer } from './fake-rest-server.js';

let server: FakeRestServer;
before(async () => {
  server = await startFakeRestServer({ 'POST /v1/api': (req) => ({ json: { echo: req.body } }) });
});
after(async () => server.close());

describe('loadUndici', () => {
  it('uses the cheap internal modules of the installed undici (fails when an upgrade moves them)', async () => {
    assert.equal((await loadUndici()).via, 'internal');
  });
  for (const [name, load] of [['internal', loadUndici], ['public', loadPublic]] as const) {
    it(`${name}: a JSON POST round trip`, async () => {
      const u = await load();
      const agent = u.createAgent(2);
      const res = await u.request(agent, { origin: server.url, path: '/v1/api', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"line":"x"}' });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(await res.body.json(), { echo: { line: 'x' } });
      await agent.destroy();
    });
  }
});
