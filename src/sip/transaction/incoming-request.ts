import { newTag } from '../ids.js';
import type { SipRequest, SipResponse } from '../message.js';
import { responseTo } from '../response-to.js';
import type { MessageSource } from '../transport-types.js';
import type { IncomingRequest, RespondOptions } from './endpoint-types.js';
import type { ServerTransactionUser } from './non-invite-server.js';
import type { ServerTransaction } from './transaction-layer.js';

/** What an incoming request's context reports to the endpoint. */
export interface IncomingOwner {
  /** Server header value, when configured; free of control characters (checked by the owner). */
  readonly serverHeader: string | undefined;
  /** The handler missed its deadline; a 500 was sent. */
  handlerTimedOut(incoming: IncomingRequestContext): void;
  /** The handler threw or rejected. */
  handlerFailed(incoming: IncomingRequestContext, error: unknown): void;
}

/**
 * The TU side of one received request: what the handler gets. Every response goes through the server
 * transaction (none for an ACK) and carries one To tag chosen for this request, so a provisional and the
 * final response of an INVITE agree (RFC 3261 §8.2.6.2).
 */
export class IncomingRequestContext implements IncomingRequest, ServerTransactionUser {
  readonly request: SipRequest;
  readonly source: MessageSource;
  readonly #tx: ServerTransaction | null;
  readonly #owner: IncomingOwner;
  #toTag: string | undefined;
  /** Bound, so handlers may destructure it. */
  readonly respond: (status: number, reason: string, options?: RespondOptions) => boolean;

  constructor(request: SipRequest, source: MessageSource, tx: ServerTransaction | null, owner: IncomingOwner) {
    this.request = request;
    this.source = source;
    this.#tx = tx;
    this.#owner = owner;
    // bind rather than an arrow field: cheaper per request (one of these is made for every request)
    this.respond = this.#respond.bind(this);
  }

  #respond(status: number, reason: string, options?: RespondOptions): boolean {
    const tx = this.#tx;
    if (tx === null || tx.answered) return false;
    if (options?.toTag !== undefined) this.#toTag = options.toTag;
    else if (status > 100) this.#toTag ??= newTag();
    const server = this.#owner.serverHeader;
    const extra = options?.headers;
    const headers = server === undefined ? extra : withServer(extra, server);
    const response = responseTo(this.request, status, reason, { toTag: this.#toTag, headers, body: options?.body });
    return tx.respond(response);
  }

  /**
   * Sends `response`, made from this request by responseTo (Via, From, To, Call-ID and CSeq copied, a
   * To tag added), as it is, with the Server header added when configured. A provisional response, or a
   * final one after a provisional, is rebuilt through respond instead, so they share one To tag. False
   * when a final response was sent already.
   */
  sendResponse(response: SipResponse): boolean {
    const tx = this.#tx;
    if (tx === null || tx.answered) return false;
    if (this.#toTag !== undefined || response.status < 200) return rebuild(this, response);
    const server = this.#owner.serverHeader;
    if (server === undefined) return tx.respond(response);
    // the owner checked the value (no control characters), as append would
    const headers = response.headers.appending({ name: 'Server', key: 'server', value: server });
    return tx.respond({ kind: 'response', version: response.version, status: response.status, reason: response.reason, headers, body: response.body });
  }

  /** Whether a final response was sent (always true for an ACK, which is never answered). */
  get answered(): boolean {
    return this.#tx === null || this.#tx.answered;
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
 */
export function respondWith(incoming: IncomingRequest, response: SipResponse): boolean {
  if (incoming instanceof IncomingRequestContext) return incoming.sendResponse(response);
  return rebuild(incoming, response);
}

function rebuild(incoming: IncomingRequest, response: SipResponse): boolean {
  const headers: Array<readonly [string, string]> = [];
  for (const f of response.headers) if (!COPIED.has(f.key)) headers.push([f.name, f.value]);
  return incoming.respond(response.status, response.reason, { headers, ...(response.body.length > 0 ? { body: response.body } : {}) });
}
