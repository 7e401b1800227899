import { newTag } from '../ids.js';
import type { SipRequest, SipResponse } from '../message.js';
import { responseTo } from '../response-to.js';
import { serializeMessage } from '../serialize.js';
import type { MessageSource } from '../transport-types.js';
import type { IncomingRequest, RespondOptions } from './endpoint-types.js';
import type { ServerTransactionUser } from './non-invite-server.js';
import type { Flow } from './transaction-env.js';
import type { ServerTransaction } from './transaction-layer.js';

/** What an incoming request's context reports to the endpoint. */
export interface IncomingOwner {
  /** Server header value, when configured; free of control characters (checked by the owner). */
  readonly serverHeader: string | undefined;
  /** The handler missed its deadline; a 500 was sent. */
  handlerTimedOut(incoming: IncomingRequestContext): void;
  /** The handler threw or rejected. */
  handlerFailed(incoming: IncomingRequestContext, error: unknown): void;
  /** Opens (and registers) the non-INVITE server transaction of a context made without one, its TU being `incoming`. */
  openServer(incoming: IncomingRequestContext, key: string, flow: Flow): ServerTransaction;
}

/** Where a non-INVITE request's server transaction will be, until it is opened. */
export interface DeferredServer {
  /** The server-transaction key (serverKey). */
  readonly key: string;
  readonly flow: Flow;
}

/**
 * The TU side of one received request: what the handler gets. Every response carries one To tag chosen
 * for this request, so a provisional and the final response of an INVITE agree (RFC 3261 §8.2.6.2).
 * Responses go through the server transaction (none for an ACK). A non-INVITE request's transaction is
 * opened only when needed (`deferred`): by its first response sent with a transaction, or by open() once
 * the handler's synchronous part returned unanswered. A final response sent with `stateless` before that
 * never opens one (§8.2.7): a retransmission of the request is then handled as a new request.
 */
export class IncomingRequestContext implements IncomingRequest, ServerTransactionUser {
  readonly request: SipRequest;
  readonly source: MessageSource;
  #tx: ServerTransaction | null;
  /** Set while the transaction of a non-INVITE request is not opened and nothing final was sent without it. */
  #deferred: DeferredServer | undefined;
  readonly #owner: IncomingOwner;
  #toTag: string | undefined;
  /** Bound, so handlers may destructure it. */
  readonly respond: (status: number, reason: string, options?: RespondOptions) => boolean;

  /** `tx` null with `deferred`: a non-INVITE request whose transaction opens on demand; null without: an ACK. */
  constructor(request: SipRequest, source: MessageSource, tx: ServerTransaction | null, owner: IncomingOwner, deferred?: DeferredServer) {
    this.request = request;
    this.source = source;
    this.#tx = tx;
    this.#deferred = tx === null ? deferred : undefined;
    this.#owner = owner;
    // bind rather than an arrow field: cheaper per request (one of these is made for every request)
    this.respond = this.#respond.bind(this);
  }

  /** Opens the deferred transaction unless a response settled it already (the endpoint calls this after the handler's synchronous part). */
  open(): void {
    if (this.#deferred !== undefined) this.#opened();
  }

  #respond(status: number, reason: string, options?: RespondOptions): boolean {
    if (this.answered) return false;
    if (options?.toTag !== undefined) this.#toTag = options.toTag;
    else if (status > 100) this.#toTag ??= newTag();
    const server = this.#owner.serverHeader;
    const extra = options?.headers;
    const headers = server === undefined ? extra : withServer(extra, server);
    const response = responseTo(this.request, status, reason, { toTag: this.#toTag, headers, body: options?.body });
    return this.#send(response, options?.stateless === true);
  }

  /**
   * Sends `response`, made from this request by responseTo (Via, From, To, Call-ID and CSeq copied, a
   * To tag added), as it is, with the Server header added when configured. A provisional response, or a
   * final one after a provisional, is rebuilt through respond instead, so they share one To tag. False
   * when a final response was sent already. `stateless`: as RespondOptions.stateless.
   */
  sendResponse(response: SipResponse, options?: { readonly stateless?: boolean }): boolean {
    if (this.answered) return false;
    const stateless = options?.stateless === true;
    if (this.#toTag !== undefined || response.status < 200) return rebuild(this, response, stateless);
    const server = this.#owner.serverHeader;
    if (server === undefined) return this.#send(response, stateless);
    // the owner checked the value (no control characters), as append would
    const headers = response.headers.appending({ name: 'Server', key: 'server', value: server });
    return this.#send({ kind: 'response', version: response.version, status: response.status, reason: response.reason, headers, body: response.body }, stateless);
  }

  /** Whether a final response was sent (always true for an ACK, which is never answered). */
  get answered(): boolean {
    const tx = this.#tx;
    return tx === null ? this.#deferred === undefined : tx.answered;
  }

  onTuTimeout(): void {
    if (this.answered) return;
    this.#owner.handlerTimedOut(this);
    this.respond(500, 'Server Internal Error');
  }

  /** The handler threw or its promise rejected: 500 unless something final was sent already. */
  fail(error: unknown): void {
    this.#owner.handlerFailed(this, error);
    if (!this.answered) {
      try {
        this.respond(500, 'Server Internal Error');
      } catch {
        // nothing more can be done for this request
      }
    }
  }

  /** Sends through the transaction (opened now if deferred), or without one for a stateless final response before it opened. */
  #send(response: SipResponse, stateless: boolean): boolean {
    const deferred = this.#deferred;
    if (stateless && deferred !== undefined && response.status >= 200) {
      // serialized first: an unwritable response throws as it would through a transaction
      const data = serializeMessage(response);
      this.#deferred = undefined;
      deferred.flow.transport.send(data, deferred.flow.target);
      return true;
    }
    return (this.#tx ?? this.#opened()).respond(response);
  }

  #opened(): ServerTransaction {
    const { key, flow } = this.#deferred!;
    this.#deferred = undefined;
    const tx = this.#owner.openServer(this, key, flow);
    this.#tx = tx;
    return tx;
  }
}

/** The handler's headers followed by Server. */
function withServer(headers: Iterable<readonly [string, string]> | undefined, server: string): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  if (headers !== undefined) for (const h of headers) out.push(h);
  out.push(['Server', server]);
  return out;
}

/** Headers responseTo copies from the request, which respond writes itself. */
const COPIED = new Set(['via', 'from', 'to', 'call-id', 'cseq', 'content-length']);

/**
 * Sends a response made from the request by someone else (e.g. the registrar): as it is through an
 * IncomingRequestContext (sendResponse), else through `respond` with its own headers and body.
 * `stateless`: as RespondOptions.stateless.
 */
export function respondWith(incoming: IncomingRequest, response: SipResponse, options?: { readonly stateless?: boolean }): boolean {
  if (incoming instanceof IncomingRequestContext) return incoming.sendResponse(response, options);
  return rebuild(incoming, response, options?.stateless === true);
}

function rebuild(incoming: IncomingRequest, response: SipResponse, stateless: boolean): boolean {
  const headers: Array<readonly [string, string]> = [];
  for (const f of response.headers) if (!COPIED.has(f.key)) headers.push([f.name, f.value]);
  return incoming.respond(response.status, response.reason, {
    headers, ...(response.body.length > 0 ? { body: response.body } : {}), ...(stateless ? { stateless } : {}),
  });
}
