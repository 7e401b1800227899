import type { SipRequest, SipResponse } from '../message.js';
import { responseTo } from '../response-to.js';
import { serializeMessage } from '../serialize.js';
import type { ServerState, ServerTransactionUser } from './non-invite-server.js';
import { TimerNode } from './timer-queue.js';
import type { Flow, TransactionEnv } from './transaction-env.js';

/**
 * INVITE server transaction (RFC 3261 §17.2.1, Figure 7, with RFC 6026's Accepted state).
 * Proceeding: sends 100 Trying itself when the TU has not answered within 200 ms; a retransmitted INVITE
 * gets the last provisional response again. A 300–699 final moves to Completed: Timer G retransmits it
 * over UDP (T1, doubling up to T2) until the ACK (same branch) or Timer H (64·T1); then Confirmed for
 * Timer I (T4 over UDP, 0 over TCP). A 2xx moves to Accepted for Timer L (64·T1), absorbing INVITE
 * retransmissions. Retransmitting the 2xx until its ACK (a separate transaction, matched by the owner
 * through the dialog and reported with ack2xx) is the UA core's job in RFC 3261 §13.3.1.4; this stack does
 * it here, over UDP only, with the same T1-doubling-to-T2 schedule — the minimum the virtual phone needs.
 * The TU's deadline (`tuTimeoutMs`) bounds the wait for its first response of any kind.
 */
export class InviteServerTransaction extends TimerNode {
  readonly kind = 'server' as const;
  readonly key: string;
  readonly method = 'INVITE';
  readonly flow: Flow;
  state: ServerState = 'proceeding';
  readonly #env: TransactionEnv;
  #request: SipRequest | null;
  #last: Buffer | null = null;
  #tu: ServerTransactionUser | null = null;
  #tuDeadline = Infinity;
  #tuAnswered = false;
  #interval = 0;
  #deadline = 0;
  #acked = false;

  constructor(env: TransactionEnv, key: string, request: SipRequest, flow: Flow) {
    super();
    this.#env = env;
    this.key = key;
    this.#request = request;
    this.flow = flow;
    env.queue.start(this, env.timers.trying);
  }

  /** Sets the TU and its deadline for a first response (0: none). */
  setUser(tu: ServerTransactionUser, tuTimeoutMs: number): void {
    if (this.state !== 'proceeding' || this.#tuAnswered) return;
    this.#tu = tu;
    if (tuTimeoutMs <= 0) return;
    const env = this.#env;
    this.#tuDeadline = env.queue.now() + tuTimeoutMs;
    if (tuTimeoutMs < env.timers.trying || !this.timerActive) env.queue.start(this, tuTimeoutMs);
  }

  /** Whether a final response was sent. */
  get answered(): boolean {
    return this.state !== 'proceeding';
  }

  /** A retransmitted INVITE (§17.2.1). */
  receiveRequest(): void {
    const env = this.#env;
    env.stats.retransmissionsReceived++;
    if ((this.state === 'proceeding' || this.state === 'completed') && this.#last !== null) {
      env.stats.retransmissionsSent++;
      this.flow.transport.send(this.#last, this.flow.target);
    }
  }

  /** The ACK for a 300–699 response (same branch, §17.2.1). */
  receiveAck(): void {
    const env = this.#env;
    if (this.state !== 'completed') {
      env.stats.retransmissionsReceived++;
      return;
    }
    this.state = 'confirmed';
    this.#last = null;
    if (this.flow.transport.reliable) this.#terminate();
    else env.queue.start(this, env.timers.i);
  }

  /** The ACK for the 2xx arrived (matched through the dialog by the owner): stop retransmitting it. */
  ack2xx(): void {
    if (this.state !== 'accepted' || this.#acked) return;
    this.#acked = true;
    this.#last = null;
    const env = this.#env;
    const left = this.#deadline - env.queue.now();
    env.queue.start(this, left > 0 ? left : 0);
  }

  /** Sends a response from the TU; false when it cannot be sent in this state. Throws for an unwritable response. */
  respond(response: SipResponse): boolean {
    const status = response.status;
    const env = this.#env;
    if (this.state === 'accepted') {
      if (status < 200 || status >= 300) return false;
      this.flow.transport.send(serializeMessage(response), this.flow.target);
      return true;
    }
    if (this.state !== 'proceeding') return false;
    const data = serializeMessage(response);
    this.#last = data;
    if (!this.#tuAnswered) {
      this.#tuAnswered = true;
      this.#tuDeadline = Infinity;
      this.#tu = null;
      if (status < 200) env.queue.stop(this);
    }
    if (status >= 200) {
      this.#request = null;
      this.#deadline = env.queue.now() + (status < 300 ? env.timers.l : env.timers.h);
      this.state = status < 300 ? 'accepted' : 'completed';
      this.#interval = env.timers.g;
      const reliable = this.flow.transport.reliable;
      if (status < 300 && reliable) this.#last = null;
      env.queue.start(this, reliable ? this.#deadline - env.queue.now() : this.#interval);
    }
    this.flow.transport.send(data, this.flow.target, () => {
      env.stats.transportErrors++;
    });
    return true;
  }

  /** Ends the transaction at once. */
  abandon(): void {
    this.#tu = null;
    this.#request = null;
    this.#last = null;
    this.#terminate();
  }

  override onTimer(): void {
    const env = this.#env;
    const now = env.queue.now();
    switch (this.state) {
      case 'proceeding': {
        if (now >= this.#tuDeadline) {
          const tu = this.#tu;
          this.#tu = null;
          this.#tuDeadline = Infinity;
          tu?.onTuTimeout();
          return;
        }
        if (this.#last === null && this.#request !== null) {
          this.#last = serializeMessage(responseTo(this.#request, 100, 'Trying'));
          this.flow.transport.send(this.#last, this.flow.target);
        }
        if (this.#tuDeadline < Infinity) env.queue.start(this, this.#tuDeadline - now);
        return;
      }
      case 'completed':
      case 'accepted': {
        if (now >= this.#deadline) {
          this.#terminate();
          return;
        }
        // Timer G, or the 2xx retransmission until its ACK
        if (this.#last !== null && !this.#acked && !this.flow.transport.reliable) {
          env.stats.retransmissionsSent++;
          this.flow.transport.send(this.#last, this.flow.target);
          const doubled = this.#interval * 2;
          this.#interval = doubled > env.timers.t2 ? env.timers.t2 : doubled;
          const left = this.#deadline - now;
          env.queue.start(this, this.#interval < left ? this.#interval : left);
        } else env.queue.start(this, this.#deadline - now);
        return;
      }
      default:
        this.#terminate();
    }
  }

  #terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.#env.queue.stop(this);
    this.#env.terminated(this);
  }
}
