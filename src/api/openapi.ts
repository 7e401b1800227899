// The OpenAPI 3.0 document, generated from the routes fastify registered and their JSON schemas.
import type { RouteOptions } from 'fastify';
import { errorSchema } from './schemas.js';

type Schema = Readonly<Record<string, unknown>>;

/** One route as the document lists it. */
export interface DocumentedRoute {
  readonly method: string;
  readonly url: string;
  readonly summary?: string;
  /** Longer text (config.description). */
  readonly description?: string;
  /** The 200 answer: a JSON schema (config.response) or another media type (config.produces). */
  readonly response?: Schema;
  readonly produces?: string;
  readonly auth: 'token' | 'public' | 'action-url';
  readonly schema?: { body?: Schema; querystring?: Schema; params?: Schema };
}

/** The routes fastify saw (HEAD routes it adds for GET are left out). */
export function documentedRoutes(routes: readonly RouteOptions[]): DocumentedRoute[] {
  const out: DocumentedRoute[] = [];
  for (const r of routes) {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    const config = (r.config ?? {}) as { auth?: DocumentedRoute['auth']; summary?: string; description?: string; response?: Schema; produces?: string };
    for (const method of methods) {
      if (method === 'HEAD' || r.url === '*' || r.url === '/*') continue;
      out.push({
        method, url: r.url, auth: config.auth ?? 'token',
        ...(config.summary === undefined ? {} : { summary: config.summary }),
        ...(config.description === undefined ? {} : { description: config.description }),
        ...(config.response === undefined ? {} : { response: config.response }),
        ...(config.produces === undefined ? {} : { produces: config.produces }),
        ...(r.schema === undefined ? {} : { schema: r.schema as DocumentedRoute['schema'] }),
      });
    }
  }
  return out;
}

function parameters(where: 'path' | 'query', schema: Schema | undefined): Schema[] {
  const props = (schema?.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema?.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => ({ name, in: where, required: where === 'path' || required.has(name), schema: s }));
}

function success(r: DocumentedRoute): Schema {
  if (r.produces !== undefined) return { description: 'success', content: { [r.produces]: { schema: { type: 'string' } } } };
  if (r.response !== undefined) return { description: 'success', content: { 'application/json': { schema: r.response } } };
  return { description: 'success' };
}

/** Builds the document; fastify's `:param` paths become `{param}`. */
export function openApiDocument(routes: readonly DocumentedRoute[], version: string): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const op: Record<string, unknown> = {
      operationId: `${r.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      ...(r.summary === undefined ? {} : { summary: r.summary }),
      ...(r.description === undefined ? {} : { description: r.description }),
      parameters: [...parameters('path', r.schema?.params), ...parameters('query', r.schema?.querystring)],
      responses: {
        200: success(r),
        400: { description: 'bad request: the message names the field', content: { 'application/json': { schema: errorSchema } } },
        ...(r.auth === 'public' ? {} : { 401: { description: 'missing or wrong token', content: { 'application/json': { schema: errorSchema } } } }),
      },
      security: r.auth === 'token' ? [{ bearer: [] }] : r.auth === 'action-url' ? [{ bearer: [] }, { queryToken: [] }, {}] : [],
    };
    if (r.schema?.body !== undefined) op.requestBody = { required: true, content: { 'application/json': { schema: r.schema.body } } };
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.0.3',
    info: { title: 'snomctl REST API', version },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        queryToken: { type: 'apiKey', in: 'query', name: 'token' },
      },
    },
    paths,
  };
}
