import type { SipResponse } from '../message.js';
import { TimerNode } from './timer-queue.js';
import type { Flow, TransactionEnv } from './transaction-env.js';

/** Why a client transaction ended without a final response (`closed`: its owner shut down). */
export type ClientFailure = 'timeout' | 'transport' | 'closed';

/** The transaction user (TU) of a client transaction: gets responses and failures, each final outcome once. */
export interface ClientTransactionUser {
  /** A provisional response, the final response, or (INVITE, RFC 6026 Accepted) a retransmitted 2xx. */
  onResponse(response: SipResponse): void;
  /** Timer B/F fired or the transport failed before a final response: the transaction is over. */
  onFailure(reason: ClientFailure, error?: Error): void;
}

/** States of a client transaction (RFC 3261 §17.1, RFC 6026 Accepted). */
export type ClientState = 'calling' | 'trying' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

/**
 * Non-INVITE client transaction (RFC 3261 §17.1.2, Figure 6). Over UDP the request is retransmitted by
 * Timer E (T1, doubling up to T2; T2 once a provisional arrived); Timer F (64·T1) ends it with a timeout;
 * after the final response Timer K (T4 over UDP, 0 over TCP) absorbs retransmitted responses. One timer
 * is active at a time: the next E firing, capped at F's deadline.
 */
export class NonInviteClientTransaction extends TimerNode {
  readonly kind = 'client' as const;
  /** The Via branch: the transaction's key (§17.1.3). */
  readonly key: string;
  readonly method: string;
  readonly flow: Flow;
  state: ClientState = 'trying';
  readonly #env: TransactionEnv;
  #data: Buffer | null;
  #tu: ClientTransactionUser | null;
  #interval = 0;
  #deadline = 0;

  constructor(env: TransactionEnv, branch: string, method: string, data: Buffer, flow: Flow, tu: ClientTransactionUser) {
    super();
    this.#env = env;
    this.key = branch;
    this.method = method;
    this.#data = data;
    this.flow = flow;
    this.#tu = tu;
  }

  /** Sends the request and starts Timers E and F. */
  start(): void {
    const env = this.#env;
    const f = env.timers.f;
    this.#deadline = env.queue.now() + f;
    if (this.flow.transport.reliable) env.queue.start(this, f);
    else {
      this.#interval = env.timers.e;
      env.queue.start(this, this.#interval < f ? this.#interval : f);
    }
    this.flow.transport.send(this.#data!, this.flow.target, (error) => this.#transportError(error));
  }

  /** A response whose top Via branch and CSeq method matched this transaction (§17.1.3). */
  receiveResponse(response: SipResponse): void {
    const state = this.state;
    if (state === 'completed') {
      this.#env.stats.retransmissionsReceived++;
      return;
    }
    if (state !== 'trying' && state !== 'proceeding') return;
    const tu = this.#tu!;
    if (response.status < 200) {
      this.state = 'proceeding';
      tu.onResponse(response);
      return;
    }
    this.state = 'completed';
    this.#data = null;
    this.#tu = null;
    const env = this.#env;
    if (this.flow.transport.reliable) this.#terminate();
    else env.queue.start(this, env.timers.k);
    tu.onResponse(response);
  }

  /** Ends the transaction at once without telling the TU (the TU gave up). */
  abandon(): void {
    this.#tu = null;
    this.#data = null;
    this.#terminate();
  }

  /** Ends the transaction at once and tells a waiting TU `closed`. */
  close(): void {
    this.#fail('closed');
  }

  override onTimer(): void {
    const env = this.#env;
    if (this.state === 'completed') {
      this.#terminate();
      return;
    }
    const now = env.queue.now();
    if (now >= this.#deadline) {
      env.stats.timeouts++;
      this.#fail('timeout');
      return;
    }
    // Timer E (UDP only): retransmit, then double (Trying) or hold at T2 (Proceeding)
    env.stats.retransmissionsSent++;
    this.flow.transport.send(this.#data!, this.flow.target);
    const t2 = env.timers.t2;
    const doubled = this.#interval * 2;
    this.#interval = this.state === 'proceeding' || doubled > t2 ? t2 : doubled;
    const left = this.#deadline - now;
    env.queue.start(this, this.#interval < left ? this.#interval : left);
  }

  #transportError(error: Error): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    this.#env.stats.transportErrors++;
    this.#fail('transport', error);
  }

  #fail(reason: ClientFailure, error?: Error): void {
    const tu = this.#tu;
    this.#tu = null;
    this.#data = null;
    this.#terminate();
    tu?.onFailure(reason, error);
  }

  #terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.#env.queue.stop(this);
    this.#env.terminated(this);
  }
}
