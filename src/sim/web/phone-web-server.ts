// The virtual Snom phone's web server (snom-protocol.md §3): the Snom pages behind the phone's
// authentication, plus the simulator's own pages `/`, `/state.json` and `/events`.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { InvalidOptionError, SnomError } from '../../util/errors.js';
import type { PhoneState } from '../phone-state.js';
import { EventStreamHub } from './event-stream.js';
import { PAGE_CSP, renderPhonePage } from './page.js';
import { parseQuery } from './query.js';
import { SNOM_PAGES, htmlPage, type PageResponse } from './snom-pages.js';
import { generateSelfSignedCertificate, type TlsCredentials } from './tls-certificate.js';
import { WebAuth, type WebAuthOptions } from './web-auth.js';

/** Options of a PhoneWebServer. */
export interface PhoneWebServerOptions {
  readonly state: PhoneState;
  /** The phone's `http_scheme`: none (default), basic or digest, with user and password. */
  readonly auth?: WebAuthOptions;
  /** Serve HTTPS: `true` generates a self-signed certificate at listen(), or give one. */
  readonly https?: boolean | TlsCredentials;
  /** Whether `/`, `/state.json` and `/events` need the phone's credentials too; default false. */
  readonly protectSimulatorPages?: boolean;
  /** SSE keep-alive comment interval; default 15 000 ms. */
  readonly heartbeatMs?: number;
}

/** Where a PhoneWebServer listens. */
export interface PhoneWebAddress {
  readonly host: string;
  readonly port: number;
  /** `http://host:port` or `https://…` (IPv6 hosts in brackets). */
  readonly url: string;
}

const SIMULATOR_PAGES = new Set(['/', '/state.json', '/events']);
/** Query text kept per web request record. */
const RECORDED_QUERY = 2048;

/** A listen() on a server that is already listening or closed. */
export class PhoneWebServerStateError extends SnomError<'SNOM_ERR_SIM_WEB_STATE'> {
  constructor(message: string) {
    super('SNOM_ERR_SIM_WEB_STATE', message);
    this.name = 'PhoneWebServerStateError';
  }
}

/**
 * Serves a PhoneState over HTTP or HTTPS like a Snom phone: GET/HEAD only (others 405), the Snom pages
 * of SNOM_PAGES behind the configured authentication (401 with the challenge otherwise), unknown paths
 * 404, unreadable queries 400, a failing handler 500 (recorded in the state's errors). Request bodies
 * are ignored. Requests to Snom pages are recorded in the state (`webRequests`); the simulator's pages
 * are not (the live page polls them). close() also closes keep-alive connections and event streams.
 */
export class PhoneWebServer {
  readonly state: PhoneState;
  readonly auth: WebAuth;
  readonly #tls: boolean | TlsCredentials;
  readonly #protectSimulatorPages: boolean;
  readonly #events: EventStreamHub;
  #server: http.Server | https.Server | undefined;
  #address: PhoneWebAddress | undefined;
  #closed = false;

  constructor(options: PhoneWebServerOptions) {
    if (typeof options !== 'object' || options === null || typeof options.state?.snapshot !== 'function') {
      throw new InvalidOptionError('state', 'must be a PhoneState');
    }
    this.state = options.state;
    this.auth = new WebAuth(options.auth);
    this.#tls = options.https ?? false;
    if (typeof this.#tls === 'object' && (typeof this.#tls.cert !== 'string' || typeof this.#tls.key !== 'string')) {
      throw new InvalidOptionError('https', 'must be a boolean or { cert, key } in PEM');
    }
    this.#protectSimulatorPages = options.protectSimulatorPages ?? false;
    const heartbeatMs = options.heartbeatMs ?? 15_000;
    if (!Number.isSafeInteger(heartbeatMs) || heartbeatMs < 10) throw new InvalidOptionError('heartbeatMs', 'must be at least 10 ms');
    this.#events = new EventStreamHub(this.state, { heartbeatMs });
  }

  /** The address after listen(); undefined before. */
  get address(): PhoneWebAddress | undefined {
    return this.#address;
  }

  /**
   * Starts listening (port 0 picks a free port; default host 127.0.0.1) and tells the state its `ip`
   * (unless set already) and `httpPort`/`httpsPort`. Rejects when the port is taken.
   */
  async listen(options: { host?: string; port?: number } = {}): Promise<PhoneWebAddress> {
    if (this.#server || this.#closed) throw new PhoneWebServerStateError('listen() may be called once, before close()');
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? 0;
    const handler = (req: IncomingMessage, res: ServerResponse): void => this.#handle(req, res);
    const secure = this.#tls !== false;
    const server = secure
      ? https.createServer(this.#tls === true ? await generateSelfSignedCertificate(host) : this.#tls, handler)
      : http.createServer(handler);
    this.#server = server;
    server.keepAliveTimeout = 5000;
    server.headersTimeout = 10_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.state.recordError('web server', error));
    const bound = server.address() as AddressInfo;
    const shown = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
    this.#address = { host: bound.address, port: bound.port, url: `${secure ? 'https' : 'http'}://${shown}:${bound.port}` };
    const known = this.state.network.ip !== undefined;
    this.state.setNetwork({ ...(known ? {} : { ip: bound.address }), [secure ? 'httpsPort' : 'httpPort']: bound.port });
    return this.#address;
  }

  /** Stops listening, ends event streams and closes every connection, idle or not. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#events.close();
    const server = this.#server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** Serves one request that came in on a listener shared by many phones (the sharer owns that server). */
  handle(req: IncomingMessage, res: ServerResponse): void {
    this.#handle(req, res);
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const query = q < 0 ? '' : target.slice(q + 1);
    const method = req.method ?? 'GET';
    const snomPage = !SIMULATOR_PAGES.has(path);
    let user: string | undefined;
    try {
      if (snomPage || this.#protectSimulatorPages) {
        const verdict = this.auth.check(method, target, req.headers.authorization);
        if (!verdict.ok) {
          this.#send(req, res, htmlPage(401, 'Unauthorized', 'Authentication required'), { 'WWW-Authenticate': verdict.challenges });
          if (snomPage) this.state.recordWebRequest({ method, path, query: query.slice(0, RECORDED_QUERY), status: 401 });
          return;
        }
        user = verdict.user;
      }
      const response = this.#route(method, path, query, res);
      if (response === undefined) return; // an event stream
      this.#send(req, res, response);
      if (snomPage) this.state.recordWebRequest({ method, path, query: query.slice(0, RECORDED_QUERY), status: response.status, ...(user === undefined ? {} : { user }) });
      const after = response.after;
      if (after) {
        // Once the answer is out, or the client has gone: whichever comes first, once.
        let ran = false;
        const run = (): void => {
          if (ran) return;
          ran = true;
          this.#after(path, after);
        };
        res.once('finish', run);
        res.once('close', run);
      }
    } catch (error) {
      this.state.recordError(`web ${method} ${path.slice(0, 100)}`, error);
      if (!res.headersSent) this.#send(req, res, htmlPage(500, 'Error', 'Internal error'));
      else res.destroy();
    }
  }

  #route(method: string, path: string, query: string, res: ServerResponse): PageResponse | undefined {
    if (method !== 'GET' && method !== 'HEAD') return htmlPage(405, 'Method Not Allowed', 'Only GET and HEAD', { Allow: 'GET, HEAD' });
    if (path === '/events') {
      this.#events.attach(res);
      return undefined;
    }
    if (path === '/') {
      return { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': PAGE_CSP }, body: renderPhonePage() };
    }
    if (path === '/state.json') {
      return { status: 200, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: `${JSON.stringify(this.state.snapshot())}\n` };
    }
    const page = SNOM_PAGES.get(path);
    if (page === undefined) return htmlPage(404, 'Not Found', 'Not found');
    const params = parseQuery(query);
    if (!params.ok) return htmlPage(400, 'Bad Request', params.error.message);
    return page(params.value, this.state);
  }

  #after(path: string, after: () => void): void {
    try {
      after();
    } catch (error) {
      this.state.recordError(`web ${path.slice(0, 100)} (after answering)`, error);
    }
  }

  #send(req: IncomingMessage, res: ServerResponse, response: PageResponse, extra: Record<string, string | readonly string[]> = {}): void {
    const body = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : response.body;
    res.writeHead(response.status, {
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      ...response.headers,
      ...extra,
      'Content-Length': String(body.length),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}
