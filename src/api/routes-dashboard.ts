// GET / and GET /dashboard/:file: the web dashboard's built assets (dist/dashboard; `npm run build`).
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-errors.js';
import type { AppContext } from './app.js';

/** The bundle's folder: `<package root>/dist/dashboard`, the same from src/api (tsx) and dist/api. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../dist/dashboard/', import.meta.url));

/** Content types of the files the bundle holds; other names answer 404. */
const TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
});

/** The page's Content-Security-Policy: own scripts, styles and API calls only. */
export const DASHBOARD_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "img-src 'self' data:",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

const MISSING_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>snomctl dashboard not built</title></head>
<body><h1>The snomctl dashboard is not built</h1>
<p>Its files were not found on the server. Run <code>npm run build</code> (or <code>npm run build:dashboard</code>) in the snomctl folder, then reload this page.</p>
<p>The REST API works without it: see <a href="/openapi.json">/openapi.json</a>.</p></body></html>
`;

interface Cached {
  readonly mtimeMs: number;
  readonly size: number;
  readonly body: Buffer;
  readonly etag: string;
}

const fileParams = {
  type: 'object',
  required: ['file'],
  properties: { file: { type: 'string', maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9]+)+$', description: 'app.js, app.css, …' } },
} as const;

/** Registers the dashboard routes (public: the page asks for the API token itself). */
export function dashboardRoutes(app: FastifyInstance, ctx: AppContext): void {
  const dir = ctx.options.dashboardDir ?? DEFAULT_DASHBOARD_DIR;
  const cache = new Map<string, Cached>();

  /** The file's bytes and ETag (re-read when it changed on disk); undefined when it is not there. */
  async function load(name: string): Promise<Cached | undefined> {
    const file = path.join(dir, name);
    try {
      const s = await stat(file);
      if (!s.isFile()) return undefined;
      const hit = cache.get(name);
      if (hit !== undefined && hit.mtimeMs === s.mtimeMs && hit.size === s.size) return hit;
      const body = await readFile(file);
      const entry = { mtimeMs: s.mtimeMs, size: s.size, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
      cache.set(name, entry);
      return entry;
    } catch {
      return undefined;
    }
  }

  function send(request: FastifyRequest, reply: FastifyReply, name: string, entry: Cached, cacheControl: string): FastifyReply {
    reply.header('cache-control', cacheControl).header('etag', entry.etag).header('x-content-type-options', 'nosniff');
    if (request.headers['if-none-match'] === entry.etag) return reply.code(304).send();
    return reply.type(TYPES[path.extname(name)]!).send(entry.body);
  }

  app.get('/', {
    config: { auth: 'public', summary: 'the web dashboard (it calls the API with the token it asks for)' },
    schema: { querystring: { type: 'object', properties: {} } },
  }, async (request, reply) => {
    reply.header('content-security-policy', DASHBOARD_CSP).header('referrer-policy', 'no-referrer').header('x-frame-options', 'DENY');
    const entry = await load('index.html');
    if (entry === undefined) {
      return reply.code(503).header('cache-control', 'no-store').type(TYPES['.html']!).send(MISSING_PAGE);
    }
    return send(request, reply, 'index.html', entry, 'no-cache');
  });

  app.get('/dashboard/:file', {
    config: { auth: 'public', summary: "the dashboard's scripts and styles" },
    schema: { params: fileParams, querystring: { type: 'object', properties: { v: { type: 'string', maxLength: 64 } } } },
  }, async (request, reply) => {
    const name = (request.params as { file: string }).file;
    const entry = TYPES[path.extname(name)] === undefined || name === 'index.html' ? undefined : await load(name);
    if (entry === undefined) throw new ApiError('SNOM_ERR_NOT_FOUND', `no dashboard file ${name}`);
    // index.html names each file with ?v=<content hash>: such URLs never change
    const versioned = typeof (request.query as { v?: string }).v === 'string';
    return send(request, reply, name, entry, versioned ? 'public, max-age=31536000, immutable' : 'no-cache');
  });
}
