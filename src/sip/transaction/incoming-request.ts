import { newTag } from '../ids.js';
import type { SipRequest } from '../message.js';
import { responseTo } from '../response-to.js';
import type { MessageSource } from '../transport-types.js';
import type { IncomingRequest, RespondOptions } from './endpoint-types.js';
import type { ServerTransactionUser } from './non-invite-server.js';
import type { ServerTransaction } from './transaction-layer.js';

/** What an incoming request's context reports to the endpoint. */
export interface IncomingOwner {
  /** Server header value, when configured. */
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

  constructor(request: SipRequest, source: MessageSource, tx: ServerTransaction | null, owner: IncomingOwner) {
    this.request = request;
    this.source = source;
    this.#tx = tx;
    this.#owner = owner;
  }

  readonly respond = (status: number, reason: string, options?: RespondOptions): boolean => {
    const tx = this.#tx;
    if (tx === null || tx.answered) return false;
    if (options?.toTag !== undefined) this.#toTag = options.toTag;
    else if (status > 100) this.#toTag ??= newTag();
    const server = this.#owner.serverHeader;
    const extra = options?.headers;
    const headers = server === undefined ? extra : withServer(extra, server);
    const response = responseTo(this.request, status, reason, { toTag: this.#toTag, headers, body: options?.body });
    return tx.respond(response);
  };

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
