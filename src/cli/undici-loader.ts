// Loads undici's Agent and request for the CLI, cheaply: the two internal modules they live in (about
// 40% of the cost of the whole package, which also loads fetch, WebSocket, caches and mocks), and the
// public entry point when those paths are not there (another undici version).
import { setFlagsFromString } from 'node:v8';
import type { Dispatcher } from 'undici';

/** What the REST client needs from undici. */
export interface UndiciParts {
  /** A keep-alive connection pool per origin. */
  readonly createAgent: (connections: number) => Dispatcher;
  /** undici's `request` on `dispatcher` (origin and path given separately, as Dispatcher.request takes them). */
  readonly request: (dispatcher: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;
  /** `internal` (the cheap path) or `public` (the fallback). */
  readonly via: 'internal' | 'public';
}

type AgentClass = new (options: { connections: number }) => Dispatcher;
type RequestFn = (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;

// Specifiers in variables: these files have no type declarations of their own.
const AGENT_PATH = 'undici/lib/dispatcher/agent.js';
const REQUEST_PATH = 'undici/lib/api/api-request.js';

let loaded: Promise<UndiciParts> | undefined;

/**
 * undici's parts, loaded once per process. For a one-shot CLI process it first tells V8 to compile
 * WebAssembly with its baseline compiler only: undici's HTTP parser (llhttp) is WebAssembly, and the
 * optimizing compile V8 starts in the background keeps a finished process from exiting for ≈ 0.4 s on
 * this machine (bench/cli-startup.bench.ts). Never called by the service.
 */
export function loadUndici(): Promise<UndiciParts> {
  if (loaded === undefined) {
    setFlagsFromString('--liftoff-only');
    loaded = loadInternal().catch(loadPublic);
  }
  return loaded;
}

async function loadInternal(): Promise<UndiciParts> {
  const [agentModule, requestModule] = (await Promise.all([import(AGENT_PATH), import(REQUEST_PATH)])) as [{ default: unknown }, { default: unknown }];
  const Agent = agentModule.default as AgentClass;
  const request = requestModule.default as RequestFn;
  if (typeof Agent !== 'function' || typeof request !== 'function') throw new Error('unexpected undici layout');
  return { createAgent: (connections) => new Agent({ connections }), request: (d, o) => request.call(d, o), via: 'internal' };
}

/** The public entry point, for an undici whose internal layout differs. */
export async function loadPublic(): Promise<UndiciParts> {
  const undici = await import('undici');
  return { createAgent: (connections) => new undici.Agent({ connections }), request: (d, o) => d.request(o), via: 'public' };
}
