import type { SipRequest, SipResponse } from '../message.js';
import { serializeMessage } from '../serialize.js';
import { ackForNon2xx } from './ack.js';
import { BaseClientTransaction, type ClientTransactionUser } from './base-client-transaction.js';
import type { Flow, TransactionEnv } from './transaction-env.js';

/**
 * INVITE client transaction (RFC 3261 §17.1.1, Figure 5, with RFC 6026's Accepted state). Calling: over
 * UDP Timer A retransmits (T1, doubling), Timer B (64·T1) times out; a provisional response stops both.
 * A 300–699 final is ACKed here (same branch) and Timer D (64·T1 over UDP, 0 over TCP) re-sends that ACK for
 * retransmitted finals. A 2xx goes to the TU, which ACKs it itself (§13.2.2.4); in Accepted (Timer M,
 * 64·T1) retransmitted 2xx responses are passed up too, so the TU can ACK them again.
 */
export class InviteClientTransaction extends BaseClientTransaction {
  readonly #invite: SipRequest;
  #ack: Buffer | null = null;

  constructor(env: TransactionEnv, branch: string, invite: SipRequest, data: Buffer, flow: Flow, tu: ClientTransactionUser) {
    super(env, branch, 'INVITE', 'calling', data, flow, tu);
    this.#invite = invite;
  }

  /** Sends the INVITE and starts Timers A and B (from `now`, the timer queue's clock, when the caller has read it). */
  start(now?: number): void {
    const env = this.env;
    this.sendFirst(env.timers.a, env.timers.b, now ?? env.queue.now());
  }

  /** A response whose top Via branch matched and whose CSeq method is INVITE (§17.1.3). */
  receiveResponse(response: SipResponse): void {
    const env = this.env;
    const status = response.status;
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        if (status < 200) {
          if (this.state === 'calling') {
            this.state = 'proceeding';
            env.queue.stop(this);
          }
          this.tu?.onResponse(response);
        } else if (status < 300) {
          this.state = 'accepted';
          this.data = null;
          env.queue.start(this, env.timers.m);
          this.tu?.onResponse(response);
        } else {
          this.state = 'completed';
          this.data = null;
          this.#ack = serializeMessage(ackForNon2xx(this.#invite, response));
          this.flow.transport.send(this.#ack, this.flow.target);
          const tu = this.tu;
          this.tu = null;
          if (this.flow.transport.reliable) this.terminate();
          else env.queue.start(this, env.timers.d);
          tu?.onResponse(response);
        }
        return;
      case 'completed':
        // a retransmitted final response: ACK it again (§17.1.1.2)
        if (status >= 300 && this.#ack !== null) {
          env.stats.retransmissionsReceived++;
          env.stats.retransmissionsSent++;
          this.flow.transport.send(this.#ack, this.flow.target);
        }
        return;
      case 'accepted':
        if (status >= 200 && status < 300) {
          env.stats.retransmissionsReceived++;
          this.tu?.onResponse(response);
        }
        return;
      default:
        return;
    }
  }

  override onTimer(): void {
    if (this.state !== 'calling') {
      // Timer D (Completed) or M (Accepted)
      this.tu = null;
      this.terminate();
      return;
    }
    this.retransmit();
  }

  /** Timer A: doubles each time (§17.1.1.2). */
  protected nextInterval(interval: number): number {
    return interval * 2;
  }
}
