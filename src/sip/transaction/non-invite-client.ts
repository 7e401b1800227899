import type { SipResponse } from '../message.js';
import { BaseClientTransaction, type ClientTransactionUser } from './base-client-transaction.js';
import type { Flow, TransactionEnv } from './transaction-env.js';

export type { ClientFailure, ClientState, ClientTransactionUser } from './base-client-transaction.js';

/**
 * Non-INVITE client transaction (RFC 3261 §17.1.2, Figure 6). Over UDP the request is retransmitted by
 * Timer E (T1, doubling up to T2; T2 once a provisional arrived); Timer F (64·T1) ends it with a timeout;
 * after the final response Timer K (T4 over UDP, 0 over TCP) absorbs retransmitted responses. One timer
 * is active at a time: the next E firing, capped at F's deadline.
 */
export class NonInviteClientTransaction extends BaseClientTransaction {
  constructor(env: TransactionEnv, branch: string, method: string, data: Buffer, flow: Flow, tu: ClientTransactionUser) {
    super(env, branch, method, 'trying', data, flow, tu);
  }

  /** Sends the request and starts Timers E and F (from `now`, the timer queue's clock, when the caller has read it). */
  start(now?: number): void {
    const env = this.env;
    this.sendFirst(env.timers.e, env.timers.f, now ?? env.queue.now());
  }

  /** A response whose top Via branch and CSeq method matched this transaction (§17.1.3). */
  receiveResponse(response: SipResponse): void {
    const state = this.state;
    if (state === 'completed') {
      this.env.stats.retransmissionsReceived++;
      return;
    }
    if (state !== 'trying' && state !== 'proceeding') return;
    const tu = this.tu!;
    if (response.status < 200) {
      this.state = 'proceeding';
      tu.onResponse(response);
      return;
    }
    this.state = 'completed';
    this.data = null;
    this.tu = null;
    const env = this.env;
    // one clock read for Timer K and the TU
    const now = env.queue.now();
    if (this.flow.transport.reliable) this.terminate();
    else if (env.retireClient(this, env.timers.k, now)) env.queue.stop(this);
    else env.queue.startFrom(this, env.timers.k, now);
    tu.onResponse(response, now);
  }

  override onTimer(): void {
    if (this.state === 'completed') this.terminate();
    else this.retransmit();
  }

  /** Timer E: doubles in Trying up to T2, holds at T2 in Proceeding. */
  protected nextInterval(interval: number): number {
    const t2 = this.env.timers.t2;
    const doubled = interval * 2;
    return this.state === 'proceeding' || doubled > t2 ? t2 : doubled;
  }
}
