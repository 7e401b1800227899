import type { SipResponse } from '../message.js';
import { TimerNode } from './timer-queue.js';
import type { Flow, TransactionEnv } from './transaction-env.js';

/** Why a client transaction ended without a final response (`closed`: its owner shut down). */
export type ClientFailure = 'timeout' | 'transport' | 'closed';

/** The transaction user (TU) of a client transaction: gets responses and failures, each final outcome once. */
export interface ClientTransactionUser {
  /**
   * A provisional response, the final response, or (INVITE, RFC 6026 Accepted) a retransmitted 2xx;
   * `receivedAt`, when given, is the timer queue's clock read when the transaction took it (saves a read).
   */
  onResponse(response: SipResponse, receivedAt?: number): void;
  /** Timer B/F fired or the transport failed before a final response: the transaction is over. */
  onFailure(reason: ClientFailure, error?: Error): void;
}

/** States of a client transaction (RFC 3261 §17.1, RFC 6026 Accepted). */
export type ClientState = 'calling' | 'trying' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

/**
 * What the INVITE and non-INVITE client transactions share (RFC 3261 §17.1.1, §17.1.2): the first send
 * with the retransmission timer (A/E, UDP only) capped at the timeout (B/F), one retransmission, and
 * ending. One timer is active at a time: the next retransmission, capped at the timeout's deadline.
 */
export abstract class BaseClientTransaction extends TimerNode {
  readonly kind = 'client' as const;
  /** The Via branch: the transaction's key (§17.1.3). */
  readonly key: string;
  readonly method: string;
  readonly flow: Flow;
  state: ClientState;
  protected readonly env: TransactionEnv;
  /** The request's bytes while it may be retransmitted. */
  protected data: Buffer | null;
  protected tu: ClientTransactionUser | null;
  /** The current retransmission interval. */
  protected interval = 0;
  #deadline = 0;

  constructor(env: TransactionEnv, branch: string, method: string, state: ClientState, data: Buffer, flow: Flow, tu: ClientTransactionUser) {
    super();
    this.env = env;
    this.key = branch;
    this.method = method;
    this.state = state;
    this.data = data;
    this.flow = flow;
    this.tu = tu;
  }

  /** Ends the transaction at once without telling the TU (the TU gave up). */
  abandon(): void {
    this.tu = null;
    this.data = null;
    this.terminate();
  }

  /** Ends the transaction at once and tells a waiting TU `closed`. */
  close(): void {
    this.fail('closed');
  }

  /**
   * Sends the request and starts the retransmission timer (`first` ms, UDP only) and the `timeout` (ms)
   * from `now` (the timer queue's clock).
   */
  protected sendFirst(first: number, timeout: number, now: number): void {
    const env = this.env;
    this.#deadline = now + timeout;
    if (this.flow.transport.reliable) env.queue.startFrom(this, timeout, now);
    else {
      this.interval = first;
      env.queue.startFrom(this, first < timeout ? first : timeout, now);
    }
    this.flow.transport.send(this.data!, this.flow.target, (error) => this.#transportError(error));
  }

  /** The retransmission interval that follows `interval` (Timer A doubles; Timer E doubles up to T2). */
  protected abstract nextInterval(interval: number): number;

  /**
   * Timer A/E: fails with `timeout` once the deadline has passed; else retransmits and restarts the timer
   * after nextInterval() (capped at the deadline).
   */
  protected retransmit(): void {
    const env = this.env;
    const now = env.queue.now();
    if (now >= this.#deadline) {
      env.stats.timeouts++;
      this.fail('timeout');
      return;
    }
    env.stats.retransmissionsSent++;
    this.flow.transport.send(this.data!, this.flow.target);
    this.interval = this.nextInterval(this.interval);
    const left = this.#deadline - now;
    env.queue.start(this, this.interval < left ? this.interval : left);
  }

  /** Ends the transaction and tells the TU why. */
  protected fail(reason: ClientFailure, error?: Error): void {
    const tu = this.tu;
    this.tu = null;
    this.data = null;
    this.terminate();
    tu?.onFailure(reason, error);
  }

  /** Leaves the timer queue and the transaction table (once). */
  protected terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.env.queue.stop(this);
    this.env.terminated(this);
  }

  #transportError(error: Error): void {
    const state = this.state;
    // still waiting for a final response: Calling/Trying or Proceeding
    if (state !== 'calling' && state !== 'trying' && state !== 'proceeding') return;
    this.env.stats.transportErrors++;
    this.fail('transport', error);
  }
}
