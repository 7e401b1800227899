// The dashboard's routes (src/api/routes-dashboard.ts) over a temporary bundle folder.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/api/app.js';
import { DASHBOARD_CSP, DEFAULT_DASHBOARD_DIR } from '../../../src/api/routes-dashboard.js';
import { createService, type Service } from '../../../src/service/index.js';

const TOKEN = 'dashboard-token-0123456789';
const dir = mkdtempSync(path.join(tmpdir(), 'snomctl-dashboard-assets-'));
let service: Service;
let app: FastifyInstance;

before(async () => {
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(path.join(dir, 'app.js'), 'console.log(1)');
  writeFileSync(path.join(dir, 'app.css'), 'body{}');
  writeFileSync(path.join(dir, 'secret.txt'), 'not served');
  service = createService({ domains: 'example.com', sip: { listen: { host: '127.0.0.1', port: 0 } }, delivery: { reconcileOnStart: false } });
  app = await buildApp({ service, tokens: [TOKEN], dashboardDir: dir });
});

after(async () => {
  await app.close();
  await service.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the default bundle folder is <package root>/dist/dashboard', () => {
  assert.equal(DEFAULT_DASHBOARD_DIR, path.join(path.resolve(import.meta.dirname, '../../..'), 'dist', 'dashboard') + path.sep);
});

test('GET / serves index.html without a token, with CSP, no-cache and an ETag; If-None-Match answers 304', async () => {
  const r = await app.inject({ method: 'GET', url: '/' });
  assert.equal(r.statusCode, 200);
  assert.equal(r.body, '<!doctype html><title>t</title>');
  assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(r.headers['content-security-policy'], DASHBOARD_CSP);
  assert.match(DASHBOARD_CSP, /default-src 'none'.*script-src 'self'.*connect-src 'self'/);
  assert.equal(r.headers['cache-control'], 'no-cache');
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  const etag = r.headers.etag as string;
  assert.match(etag, /^"[A-Za-z0-9_-]{22}"$/);
  const again = await app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': etag } });
  assert.equal(again.statusCode, 304);
  assert.equal(again.body, '');
});

test('GET /dashboard/<file>: content types; ?v= URLs are immutable; other names and index.html are 404', async () => {
  const js = await app.inject({ method: 'GET', url: '/dashboard/app.js?v=abc123' });
  assert.equal(js.statusCode, 200);
  assert.equal(js.body, 'console.log(1)');
  assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
  const css = await app.inject({ method: 'GET', url: '/dashboard/app.css' });
  assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
  assert.equal(css.headers['cache-control'], 'no-cache');
  for (const url of ['/dashboard/secret.txt', '/dashboard/missing.js', '/dashboard/index.html', '/dashboard/..%2Fapp.js', '/dashboard/.app.js', '/dashboard/a..js']) {
    const r = await app.inject({ method: 'GET', url });
    assert.ok(r.statusCode === 404 || r.statusCode === 400, `${url}: ${r.statusCode}`);
    assert.match(r.json<{ error: { code: string } }>().error.code, /^SNOM_ERR_(NOT_FOUND|BAD_REQUEST)$/, url);
  }
});

test('the API behind the page still needs the token', async () => {
  assert.equal((await app.inject({ method: 'GET', url: '/v1/phones' })).statusCode, 401);
  assert.equal((await app.inject({ method: 'GET', url: '/v1/phones', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 200);
});

test('a changed file is served fresh (new ETag)', async () => {
  const before1 = (await app.inject({ method: 'GET', url: '/dashboard/app.css' })).headers.etag;
  writeFileSync(path.join(dir, 'app.css'), 'body{color:red}');
  const r = await app.inject({ method: 'GET', url: '/dashboard/app.css' });
  assert.equal(r.body, 'body{color:red}');
  assert.notEqual(r.headers.etag, before1);
});

test('without a bundle, / answers 503 with a page that says to run npm run build', async () => {
  const empty = mkdtempSync(path.join(tmpdir(), 'snomctl-dashboard-none-'));
  const bare = await buildApp({ service, dashboardDir: empty });
  try {
    const r = await bare.inject({ method: 'GET', url: '/' });
    assert.equal(r.statusCode, 503);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(r.body, /<code>npm run build<\/code>/);
    assert.equal((await bare.inject({ method: 'GET', url: '/dashboard/app.js' })).statusCode, 404);
  } finally {
    await bare.close();
    rmSync(empty, { recursive: true, force: true });
  }
});

test('the dashboard routes are listed in /openapi.json as public', async () => {
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, { get?: { security: unknown[] } }> }>();
  assert.deepEqual(doc.paths['/']?.get?.security, []);
  assert.deepEqual(doc.paths['/dashboard/{file}']?.get?.security, []);
});
