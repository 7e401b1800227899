import { InvalidOptionError } from '../../util/errors.js';
import { getCallId, getCSeq, getTopVia } from '../accessors.js';
import type { SipMessage, SipRequest, SipResponse } from '../message.js';
import type { SipParseError } from '../parse-error.js';
import { responseTo } from '../response-to.js';
import { serializeMessage } from '../serialize.js';
import { systemClock, timerTable } from '../timers.js';
import type { MessageSource, SendTarget, SipTransport, TransportReceiver } from '../transport-types.js';
import { validateRequest, type ValidateOptions } from '../validate.js';
import { parseUri } from '../uri.js';
import { parseVia } from '../via.js';
import {
  ENDPOINT_DEFAULTS, type EndpointDropReason, type EndpointLogger, type EndpointStats, type RequestHandler,
  type RequestFailure, type RequestOptions, type RequestResult, type SipEndpointOptions,
} from './endpoint-types.js';
import { IncomingRequestContext, type IncomingOwner } from './incoming-request.js';
import { InviteServerTransaction } from './invite-server.js';
import { NonInviteServerTransaction } from './non-invite-server.js';
import { pickTransport, requestFields, routeOf, viaPrefix } from './outgoing.js';
import { PendingRequest, type PendingOwner } from './pending-request.js';
import { responseTarget, stampReceived } from './response-route.js';
import { TimerQueue } from './timer-queue.js';
import type { Flow } from './transaction-env.js';
import { dialogAckKey, serverKey, TransactionLayer } from './transaction-layer.js';

const FLOW_CACHE_SIZE = 1024;

function failed(error: RequestFailure, message: string): RequestResult {
  return { ok: false, error, message, latencyMs: 0 };
}

/**
 * A SIP user agent core over injected transports (RFC 3261 §8, §17, §18): sends requests through client
 * transactions and answers received ones through server transactions and a handler. It lives in
 * sip/transaction because it needs the transactions; it never touches sockets (createUdpTransport /
 * createTcpTransport in sip/transport make them). Nothing throws out of the receive path.
 */
export class SipEndpoint implements PendingOwner, IncomingOwner {
  /** @internal */ readonly layer: TransactionLayer;
  readonly serverHeader: string | undefined;
  readonly #transports: readonly SipTransport[];
  /** Per transport: the Via prefix and the default From URI. */
  readonly #local: ReadonlyMap<SipTransport, { readonly viaPrefix: string; readonly from: string }>;
  readonly #userAgent: string | undefined;
  readonly #validate: ValidateOptions;
  readonly #allow: string;
  readonly #accept: string;
  readonly #answerOptions: boolean;
  readonly #handlerTimeoutMs: number;
  readonly #from: string | undefined;
  readonly #logger: EndpointLogger | undefined;
  /** Request-URI → where requests to it go (the route of a URI never changes; bounded). */
  readonly #flows = new Map<string, Flow>();
  #handler: RequestHandler | undefined;
  #closed: Promise<void> | undefined;
  readonly #counts = { requestsSent: 0, rejected: 0, badRequests: 0, handlerErrors: 0, handlerTimeouts: 0 };
  readonly #dropped: Record<EndpointDropReason, number> = {
    'parse-error': 0, 'invalid-response': 0, 'stray-response': 0, unroutable: 0, closed: 0,
  };

  constructor(options: SipEndpointOptions) {
    const transports: readonly SipTransport[] | undefined = options.transports;
    if (transports === undefined || transports.length === 0) {
      throw new InvalidOptionError('transports', 'must hold at least one transport');
    }
    this.#transports = transports.slice();
    const queue = new TimerQueue(options.clock ?? systemClock, (error) => {
      this.#logger?.warn({ err: error }, 'SIP timer callback failed');
    });
    this.layer = new TransactionLayer(timerTable(options.timers), queue);
    const ua = options.userAgent;
    if (ua !== undefined && (typeof ua !== 'string' || ua.length === 0 || /[\0-\x1f\x7f]/.test(ua))) {
      throw new InvalidOptionError('userAgent', 'must be a non-empty string without control characters');
    }
    this.#userAgent = ua;
    this.serverHeader = ua;
    const methods = [...(options.methods ?? ENDPOINT_DEFAULTS.methods)];
    for (const m of methods) {
      if (typeof m !== 'string' || !/^[A-Z][A-Z0-9-]*$/.test(m)) throw new InvalidOptionError('methods', `invalid method ${JSON.stringify(m)}`);
    }
    if (!methods.includes('OPTIONS')) methods.push('OPTIONS');
    if (methods.includes('INVITE') && !methods.includes('ACK')) methods.push('ACK');
    this.#validate = {
      methods,
      ...(options.extensions === undefined ? {} : { extensions: options.extensions }),
      ...(options.schemes === undefined ? {} : { schemes: options.schemes }),
    };
    this.#allow = methods.join(', ');
    this.#accept = (options.accept ?? ENDPOINT_DEFAULTS.accept).join(', ');
    if (/[\0-\x1f\x7f]/.test(this.#accept)) throw new InvalidOptionError('accept', 'must not contain control characters');
    this.#answerOptions = options.answerOptions ?? true;
    const hto = options.handlerTimeoutMs ?? ENDPOINT_DEFAULTS.handlerTimeoutMs;
    if (!Number.isFinite(hto) || hto < 0) throw new InvalidOptionError('handlerTimeoutMs', 'must be ≥ 0');
    this.#handlerTimeoutMs = hto;
    if (options.from !== undefined && (typeof options.from !== 'string' || parseUri(options.from).ok !== true || !/^sips?:/i.test(options.from))) {
      throw new InvalidOptionError('from', 'must be a sip: or sips: URI');
    }
    this.#from = options.from;
    this.#logger = options.logger;
    const local = new Map<SipTransport, { viaPrefix: string; from: string }>();
    for (const t of this.#transports) {
      local.set(t, { viaPrefix: viaPrefix(t), from: `sip:snomctl@${t.sentByHost}` });
      const receiver: TransportReceiver = {
        onMessage: (msg, source) => this.#receive(msg, source, t),
        onParseError: (error, source) => this.#parseError(error, source, t),
      };
      t.attach(receiver);
    }
    this.#local = local;
  }

  /** Sets the handler of received requests (replacing any previous one). */
  onRequest(handler: RequestHandler): void {
    this.#handler = handler;
  }

  /**
   * Sends a request through a client transaction and resolves with its final response or a failure
   * value; never rejects. Fills Via (new branch, rport), Max-Forwards, To, From tag, Call-ID and CSeq when
   * absent (the request object itself is not changed). ACK and CANCEL are not sent this way.
   */
  request(req: SipRequest, options?: RequestOptions): Promise<RequestResult> {
    return new Promise((resolve) => this.#start(req, options, resolve));
  }

  #start(req: SipRequest, options: RequestOptions | undefined, resolve: (r: RequestResult) => void): void {
    if (this.#closed !== undefined) {
      resolve(failed('closed', 'endpoint closed'));
      return;
    }
    if (req.method === 'ACK' || req.method === 'CANCEL') {
      resolve(failed('invalid-request', `${req.method} is not sent with request()`));
      return;
    }
    const timeoutMs = options?.timeoutMs;
    if (timeoutMs !== undefined && !(timeoutMs > 0 && timeoutMs < Infinity)) {
      resolve(failed('invalid-request', 'timeoutMs must be a positive number'));
      return;
    }
    const destination = options?.destination;
    let flow = destination === undefined ? this.#flows.get(req.uri) : undefined;
    if (flow === undefined) {
      const route = routeOf(req, destination);
      if (!route.ok) {
        resolve(failed('invalid-request', route.message));
        return;
      }
      const transport = pickTransport(this.#transports, route.protocol, route.family);
      if (transport === undefined) {
        resolve(failed('no-transport', `no ${route.protocol} IPv${route.family} transport`));
        return;
      }
      flow = { transport, target: route.target };
      if (destination === undefined) {
        if (this.#flows.size >= FLOW_CACHE_SIZE) this.#flows.clear();
        this.#flows.set(req.uri, flow);
      }
    }
    const local = this.#local.get(flow.transport)!;
    try {
      const fields = requestFields(req, this.#from ?? local.from, this.#userAgent);
      const pending = new PendingRequest(this, req, fields, flow, local.viaPrefix, options, resolve);
      this.#counts.requestsSent++;
      pending.start();
    } catch (error) {
      resolve(failed('invalid-request', error instanceof Error ? error.message : 'request cannot be sent'));
    }
  }

  /** Sends a message once without a transaction (e.g. an ACK, or a response built elsewhere). Never throws. */
  sendStateless(message: SipMessage, transport: SipTransport, target: SendTarget): boolean {
    if (this.#closed !== undefined || !this.#transports.includes(transport)) return false;
    try {
      transport.send(serializeMessage(message), target);
      return true;
    } catch {
      return false;
    }
  }

  /** The transports this endpoint sends on. */
  get transports(): readonly SipTransport[] {
    return this.#transports;
  }

  /** A snapshot of the counters. */
  stats(): EndpointStats {
    const dropped: Record<string, number> = { ...this.#dropped };
    let received = 0;
    let sent = 0;
    for (const t of this.#transports) {
      received += t.stats.received;
      sent += t.stats.sent;
      for (const [k, v] of Object.entries(t.stats.dropped)) dropped[k] = (dropped[k] ?? 0) + v;
    }
    const ts = this.layer.stats;
    return {
      received,
      sent,
      dropped,
      retransmissions: { sent: ts.retransmissionsSent, received: ts.retransmissionsReceived },
      requestsSent: this.#counts.requestsSent,
      timeouts: ts.timeouts,
      rejected: this.#counts.rejected,
      badRequests: this.#counts.badRequests,
      handlerErrors: this.#counts.handlerErrors,
      handlerTimeouts: this.#counts.handlerTimeouts,
      transactions: this.layer.size,
      transactionStats: { ...ts },
      transports: this.#transports.map((t) => ({ ...t.stats, dropped: { ...t.stats.dropped } })),
    };
  }

  /** Settles pending requests with `closed`, ends every transaction and timer, closes the transports. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.layer.closeAll();
      this.layer.queue.close();
      await Promise.all(this.#transports.map((t) => t.close()));
    })();
    return this.#closed;
  }

  /** @internal */
  handlerTimedOut(incoming: IncomingRequestContext): void {
    this.#counts.handlerTimeouts++;
    this.#logger?.warn({ method: incoming.request.method, source: incoming.source }, 'SIP request handler timed out: answered 500');
  }

  /** @internal */
  handlerFailed(incoming: IncomingRequestContext, error: unknown): void {
    this.#counts.handlerErrors++;
    this.#logger?.warn({ err: error, method: incoming.request.method }, 'SIP request handler failed');
  }

  #receive(msg: SipMessage, source: MessageSource, transport: SipTransport): void {
    if (this.#closed !== undefined) {
      this.#dropped.closed++;
      return;
    }
    if (msg.kind === 'response') this.#receiveResponse(msg);
    else this.#receiveRequest(msg, source, transport);
  }

  #receiveResponse(res: SipResponse): void {
    const via = getTopVia(res);
    const cseq = getCSeq(res);
    if (via === undefined || cseq === undefined) {
      this.#dropped['invalid-response']++;
      return;
    }
    const tx = this.layer.findClient(via.branch, cseq.method);
    if (tx === undefined) {
      if (!this.layer.absorbRetransmission(via.branch, cseq.method)) this.#dropped['stray-response']++;
      return;
    }
    tx.receiveResponse(res);
  }

  #receiveRequest(req: SipRequest, source: MessageSource, transport: SipTransport): void {
    const top = getTopVia(req);
    if (top === undefined) {
      this.#dropped.unroutable++;
      return;
    }
    const via = stampReceived(req, top, source);
    const cseq = getCSeq(req);
    const isAck = req.method === 'ACK';
    const key = cseq === undefined ? '' : serverKey(req, via, cseq);
    if (cseq !== undefined) {
      const tx = this.layer.findServer(key);
      if (tx !== undefined) {
        if (isAck && tx instanceof InviteServerTransaction) tx.receiveAck();
        else if (!isAck) tx.receiveRequest();
        return;
      }
      if (isAck) {
        const callId = getCallId(req);
        if (callId !== undefined) this.layer.findInvite(dialogAckKey(callId, cseq))?.ack2xx();
      }
    }
    if (isAck) {
      // never answered (§17.2.1); the handler sees ACKs for 2xx responses
      if (this.#handler !== undefined && validateRequest(req, this.#validate) === undefined) {
        this.#invoke(new IncomingRequestContext(req, source, null, this));
      }
      return;
    }
    const target = responseTarget(via, source);
    const rejection = validateRequest(req, this.#validate);
    if (rejection !== undefined) {
      this.#counts.rejected++;
      this.#respondStateless(req, rejection.status, rejection.reason, transport, target, rejection.headers);
      return;
    }
    if (req.method === 'OPTIONS' && (this.#answerOptions || this.#handler === undefined)) {
      this.#respondStateless(req, 200, 'OK', transport, target, [['Allow', this.#allow], ['Accept', this.#accept]]);
      return;
    }
    if (this.#handler === undefined) {
      this.#respondStateless(req, 501, 'Not Implemented', transport, target);
      return;
    }
    const flow = { transport, target };
    if (req.method === 'INVITE') {
      const callId = getCallId(req);
      const tx = new InviteServerTransaction(this.layer, key, req, flow);
      const incoming = new IncomingRequestContext(req, source, tx, this);
      tx.setUser(incoming, this.#handlerTimeoutMs);
      this.layer.addServer(tx, callId === undefined ? undefined : dialogAckKey(callId, cseq!));
      this.#invoke(incoming);
      return;
    }
    // opened by the first response that needs it, or right after the handler's synchronous part (before
    // any retransmission can arrive); a stateless final response never opens it (§8.2.7)
    const incoming = new IncomingRequestContext(req, source, null, this, { key, flow });
    this.#invoke(incoming);
    incoming.open();
  }

  /** @internal */
  openServer(incoming: IncomingRequestContext, key: string, flow: Flow): NonInviteServerTransaction {
    const tx = new NonInviteServerTransaction(this.layer, key, incoming.request.method, flow);
    tx.setUser(incoming, this.#handlerTimeoutMs);
    this.layer.addServer(tx);
    return tx;
  }

  #invoke(incoming: IncomingRequestContext): void {
    try {
      const r = this.#handler!(incoming);
      if (r !== undefined && typeof r.then === 'function') r.then(undefined, (error: unknown) => incoming.fail(error));
    } catch (error) {
      incoming.fail(error);
    }
  }

  #parseError(error: SipParseError, source: MessageSource, transport: SipTransport): void {
    const partial = error.partial;
    if (this.#closed !== undefined || partial?.kind !== 'request' || partial.method === 'ACK') {
      this.#dropped['parse-error']++;
      this.#logger?.debug({ status: error.status, reason: error.reason, source }, 'dropped unparseable SIP message');
      return;
    }
    const viaValue = partial.headers.get('via');
    const via = viaValue === undefined ? undefined : parseVia(viaValue);
    const target = via?.ok === true && via.value[0] !== undefined
      ? responseTarget(via.value[0], source)
      : { address: source.address, port: source.port, ...(source.connectionId === undefined ? {} : { connectionId: source.connectionId }) };
    this.#counts.badRequests++;
    try {
      transport.send(serializeMessage(responseTo(error, error.status, error.reason)), target);
    } catch {
      this.#dropped['parse-error']++;
    }
  }

  #respondStateless(
    req: SipRequest, status: number, reason: string, transport: SipTransport, target: SendTarget,
    headers?: Iterable<readonly [string, string]>,
  ): void {
    let all = headers;
    if (this.serverHeader !== undefined) all = [...(headers ?? []), ['Server', this.serverHeader] as const];
    transport.send(serializeMessage(responseTo(req, status, reason, all === undefined ? undefined : { headers: all })), target);
  }
}
