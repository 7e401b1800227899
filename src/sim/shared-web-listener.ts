// One HTTP(S) listening socket for many virtual phones, each on its own loopback address: a request is
// served by the phone whose address it arrived on. A fleet of 10,000 phones then needs 10,001 sockets
// instead of 20,000 (the UDP socket of each phone cannot be shared: Node does not tell which local
// address a datagram was sent to).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { InvalidOptionError } from '../util/errors.js';
import type { PhoneWebServer } from './web/phone-web-server.js';
import { generateSelfSignedCertificate, type TlsCredentials } from './web/tls-certificate.js';

/** Options of a SharedWebListener. */
export interface SharedWebListenerOptions {
  /** Address to bind; default `0.0.0.0` (every phone address is reachable; others are cut off). */
  readonly host?: string;
  /** Default 0 (any free port, the same for every phone). */
  readonly port?: number;
  /** HTTPS with one self-signed certificate (`true`) or the one given. */
  readonly https?: boolean | TlsCredentials;
}

/**
 * Dispatches requests by the local address of their connection (IPv4-mapped addresses unwrapped). A
 * connection to an address without a phone is destroyed at once, as close as a listener can come to the
 * refused connection a missing phone would give.
 */
export class SharedWebListener {
  readonly #phones = new Map<string, PhoneWebServer>();
  readonly #options: SharedWebListenerOptions;
  #server: http.Server | https.Server | undefined;
  #port = 0;

  constructor(options: SharedWebListenerOptions = {}) {
    const port = options.port ?? 0;
    if (!Number.isSafeInteger(port) || port < 0 || port > 65535) throw new InvalidOptionError('port', 'must be 0..65535');
    this.#options = options;
  }

  /** The bound port (after listen()). */
  get port(): number {
    return this.#port;
  }

  /** Whether it serves HTTPS. */
  get secure(): boolean {
    return (this.#options.https ?? false) !== false;
  }

  /** Phones served. */
  get size(): number {
    return this.#phones.size;
  }

  /** Binds the socket; resolves with the port. */
  async listen(): Promise<number> {
    if (this.#server) return this.#port;
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      const phone = this.#phones.get(localAddressOf(req.socket));
      if (phone) phone.handle(req, res);
      else req.socket.destroy();
    };
    const tls = this.#options.https ?? false;
    const server = tls === false
      ? http.createServer(handler)
      : https.createServer(tls === true ? await generateSelfSignedCertificate('127.0.0.1') : tls, handler);
    server.keepAliveTimeout = 5000;
    server.headersTimeout = 10_000;
    server.on('connection', (socket: Socket) => {
      if (!this.#phones.has(localAddressOf(socket))) socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#options.port ?? 0, this.#options.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => {});
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
    return this.#port;
  }

  /** Serves `web` for requests arriving on `address`; returns its base URL. */
  add(address: string, web: PhoneWebServer): string {
    this.#phones.set(address, web);
    web.state.setNetwork({ ...(web.state.network.ip === undefined ? { ip: address } : {}), [this.secure ? 'httpsPort' : 'httpPort']: this.#port });
    return `${this.secure ? 'https' : 'http'}://${address.includes(':') ? `[${address}]` : address}:${this.#port}`;
  }

  /** Stops serving an address (its new connections are cut off). */
  remove(address: string): void {
    this.#phones.delete(address);
  }

  /** Closes the socket and every connection. */
  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}

function localAddressOf(socket: Socket): string {
  const a = socket.localAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}
