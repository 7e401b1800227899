import { DigestClient } from '../../util/digest-client.js';
import { getContacts } from '../accessors.js';
import { parseCSeq } from '../header-values.js';
import { SipHeaders, type HeaderField } from '../headers.js';
import { newBranch } from '../ids.js';
import { createRequest, type SipRequest, type SipResponse } from '../message.js';
import { serializeMessage } from '../serialize.js';
import { ackFor2xx } from './ack.js';
import { ENDPOINT_DEFAULTS, type RequestFailure, type RequestOptions, type RequestResult } from './endpoint-types.js';
import { InviteClientTransaction } from './invite-client.js';
import { NonInviteClientTransaction, type ClientFailure, type ClientTransactionUser } from './non-invite-client.js';
import { Timer, type TimerTarget } from './timer-queue.js';
import type { Flow } from './transaction-env.js';
import type { ClientTransaction, TransactionLayer } from './transaction-layer.js';

/** What a PendingRequest needs from the endpoint that owns it. */
export interface PendingOwner {
  readonly layer: TransactionLayer;
}

/**
 * One call of SipEndpoint.request: the TU of its client transaction(s). Answers one 401/407 with
 * credentials (new branch, CSeq + 1, same Call-ID, RFC 3261 §22.2), ACKs a 2xx to an INVITE (again for
 * each retransmitted 2xx), and settles exactly once with a RequestResult value.
 */
export class PendingRequest implements ClientTransactionUser, TimerTarget {
  readonly #owner: PendingOwner;
  readonly #method: string;
  readonly #uri: string;
  readonly #body: Buffer;
  readonly #flow: Flow;
  readonly #viaPrefix: string;
  readonly #options: RequestOptions | undefined;
  readonly #resolve: (result: RequestResult) => void;
  /** The timer queue's clock when start() was called (the first attempt is sent from it too). */
  #start = 0;
  /** The fields of every attempt; slot 0 is the Via (see requestFields). */
  #fields: HeaderField[];
  #sent: SipRequest | undefined;
  #tx: ClientTransaction | undefined;
  #timer: Timer | undefined;
  #onAbort: (() => void) | undefined;
  #authAnswered = false;
  #done = false;
  #ack: Buffer | undefined;

  constructor(
    owner: PendingOwner, req: SipRequest, fields: HeaderField[], flow: Flow, viaPrefix: string,
    options: RequestOptions | undefined, resolve: (result: RequestResult) => void,
  ) {
    this.#owner = owner;
    this.#method = req.method;
    this.#uri = req.uri;
    this.#body = req.body;
    this.#fields = fields;
    this.#flow = flow;
    this.#viaPrefix = viaPrefix;
    this.#options = options;
    this.#resolve = resolve;
  }

  /** Sends the first attempt and arms timeoutMs and the abort signal. */
  start(): void {
    const now = this.#owner.layer.queue.now();
    this.#start = now;
    const options = this.#options;
    if (options !== undefined) {
      const signal = options.signal;
      if (signal !== undefined) {
        if (signal.aborted) {
          this.#fail('aborted', 'aborted before sending');
          return;
        }
        this.#onAbort = () => this.#fail('aborted', 'aborted');
        signal.addEventListener('abort', this.#onAbort, { once: true });
      }
      if (options.timeoutMs !== undefined) this.#arm(options.timeoutMs, now);
    }
    try {
      this.#send(now);
    } catch (error) {
      this.#fail('invalid-request', error instanceof Error ? error.message : 'request cannot be sent');
    }
  }

  onResponse(response: SipResponse, receivedAt?: number): void {
    const status = response.status;
    if (this.#done) {
      // RFC 6026 Accepted: a retransmitted 2xx to our INVITE gets the same ACK again
      if (this.#ack !== undefined && status >= 200 && status < 300) this.#flow.transport.send(this.#ack, this.#flow.target);
      return;
    }
    if (status < 200) {
      if (this.#method === 'INVITE' && this.#options?.timeoutMs === undefined && this.#timer === undefined) {
        this.#arm(ENDPOINT_DEFAULTS.inviteTimeoutMs);
      }
      try {
        this.#options?.onProvisional?.(response);
      } catch {
        // a throwing observer must not break the transaction
      }
      return;
    }
    if ((status === 401 || status === 407) && !this.#authAnswered && this.#options?.credentials !== undefined) {
      if (this.#retryWithCredentials(response)) return;
    }
    if (this.#method === 'INVITE' && status < 300) this.#ack2xx(response);
    this.#settle({ ok: true, response, latencyMs: (receivedAt ?? this.#owner.layer.queue.now()) - this.#start });
  }

  onFailure(reason: ClientFailure, error?: Error): void {
    if (reason === 'timeout') this.#fail('timeout', `no final response within ${this.#owner.layer.timers.f} ms`);
    else if (reason === 'closed') this.#fail('closed', 'endpoint closed');
    else this.#fail('transport', error?.message ?? 'transport error');
  }

  onTimer(): void {
    this.#fail('timeout', 'no final response within timeoutMs');
  }

  /** Sends the fields with a new Via through a new client transaction (its timers from `now`, when read). */
  #send(now?: number): void {
    const layer = this.#owner.layer;
    const branch = layer.newBranch();
    const fields = this.#fields;
    fields[0] = { name: 'Via', key: 'via', value: `${this.#viaPrefix}${branch};rport` };
    // the fields array is never changed once sent (a retry builds a new one), so the headers can own it
    const req = createRequest({ method: this.#method, uri: this.#uri, headers: SipHeaders.adopt(fields, undefined), body: this.#body });
    let data: Buffer;
    try {
      data = serializeMessage(req);
    } catch (error) {
      layer.releaseBranch(branch);
      throw error;
    }
    this.#sent = req;
    const tx = this.#method === 'INVITE'
      ? new InviteClientTransaction(layer, branch, req, data, this.#flow, this)
      : new NonInviteClientTransaction(layer, branch, this.#method, data, this.#flow, this);
    this.#tx = tx;
    layer.addClient(tx);
    tx.start(now);
  }

  #retryWithCredentials(response: SipResponse): boolean {
    this.#authAnswered = true;
    const credentials = this.#options!.credentials!;
    let client: DigestClient;
    try {
      client = credentials instanceof DigestClient ? credentials : new DigestClient(credentials);
    } catch {
      return false;
    }
    const proxy = response.status === 407;
    const challenges = response.headers.getAll(proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate');
    const answer = client.respond(challenges, this.#method, this.#uri, this.#body.length > 0 ? { body: this.#body } : {});
    if (!answer.ok) return false;
    const name = proxy ? 'Proxy-Authorization' : 'Authorization';
    const key = name.toLowerCase();
    const fields = this.#fields.filter((f) => f.key !== key);
    fields.push({ name, key, value: answer.value });
    const i = fields.findIndex((f) => f.key === 'cseq');
    const cseq = parseCSeq(fields[i]!.value);
    fields[i] = { name: 'CSeq', key: 'cseq', value: `${(cseq.ok ? cseq.value.seq : 1) + 1} ${this.#method}` };
    this.#fields = fields;
    try {
      this.#send();
    } catch {
      return false;
    }
    return true;
  }

  #ack2xx(response: SipResponse): void {
    const tx = this.#tx;
    if (!(tx instanceof InviteClientTransaction)) return;
    const contacts = getContacts(response);
    const contact = contacts !== undefined && contacts !== '*' ? contacts[0]?.rawUri : undefined;
    try {
      this.#ack = serializeMessage(ackFor2xx(this.#sent!, response, `${this.#viaPrefix}${newBranch()};rport`, contact));
      this.#flow.transport.send(this.#ack, this.#flow.target);
    } catch {
      // an unwritable Contact in the 2xx: no ACK can be sent
    }
  }

  #arm(ms: number, now?: number): void {
    const queue = this.#owner.layer.queue;
    this.#timer ??= new Timer(this);
    if (now === undefined) queue.start(this.#timer, ms);
    else queue.startFrom(this.#timer, ms, now);
  }

  #fail(error: RequestFailure, message: string): void {
    if (this.#done) return;
    this.#tx?.abandon();
    this.#settle({ ok: false, error, message, latencyMs: this.#owner.layer.queue.now() - this.#start });
  }

  #settle(result: RequestResult): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#timer !== undefined) this.#owner.layer.queue.stop(this.#timer);
    if (this.#onAbort !== undefined) this.#options?.signal?.removeEventListener('abort', this.#onAbort);
    this.#resolve(result);
  }
}
