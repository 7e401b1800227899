import type { SipResponse } from '../message.js';
import { serializeMessage } from '../serialize.js';
import { TimerNode } from './timer-queue.js';
import type { Flow, TransactionEnv } from './transaction-env.js';

/** The transaction user of a server transaction. */
export interface ServerTransactionUser {
  /** The TU did not answer within its deadline (the owner answers 500, or whatever it decides). */
  onTuTimeout(): void;
}

/** States of a server transaction (RFC 3261 §17.2, RFC 6026 Accepted). */
export type ServerState = 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

/**
 * Non-INVITE server transaction (RFC 3261 §17.2.2, Figure 8). A retransmitted request is absorbed:
 * ignored in Trying, answered with the last response in Proceeding and Completed. After the final
 * response Timer J (64·T1 over UDP, 0 over TCP) keeps absorbing, holding only the response's bytes.
 * Before the final response the single timer is the TU's deadline (`tuTimeoutMs`, 0 for none).
 */
export class NonInviteServerTransaction extends TimerNode {
  readonly kind = 'server' as const;
  readonly key: string;
  readonly method: string;
  readonly flow: Flow;
  state: ServerState = 'trying';
  readonly #env: TransactionEnv;
  #last: Buffer | null = null;
  #tu: ServerTransactionUser | null = null;

  constructor(env: TransactionEnv, key: string, method: string, flow: Flow) {
    super();
    this.#env = env;
    this.key = key;
    this.method = method;
    this.flow = flow;
  }

  /** Sets the TU and its deadline for the final response (0: none). */
  setUser(tu: ServerTransactionUser, tuTimeoutMs: number): void {
    if (this.answered) return;
    this.#tu = tu;
    if (tuTimeoutMs > 0) this.#env.queue.start(this, tuTimeoutMs);
  }

  /** Whether a final response was sent. */
  get answered(): boolean {
    return this.state !== 'trying' && this.state !== 'proceeding';
  }

  /** A retransmission of the request (§17.2.2). */
  receiveRequest(): void {
    this.#env.stats.retransmissionsReceived++;
    if (this.#last !== null && (this.state === 'proceeding' || this.state === 'completed')) {
      this.#env.stats.retransmissionsSent++;
      this.flow.transport.send(this.#last, this.flow.target);
    }
  }

  /** Sends a response from the TU; false (nothing sent) once a final response was sent. Throws for an unwritable response. */
  respond(response: SipResponse): boolean {
    if (this.answered) return false;
    const data = serializeMessage(response);
    this.#last = data;
    const env = this.#env;
    if (response.status < 200) this.state = 'proceeding';
    else {
      this.state = 'completed';
      this.#tu = null;
      if (this.flow.transport.reliable) {
        this.#last = null;
        this.#terminate();
      } else env.queue.start(this, env.timers.j);
    }
    this.flow.transport.send(data, this.flow.target, (error) => this.#transportError(error));
    return true;
  }

  /** Ends the transaction at once. */
  abandon(): void {
    this.#tu = null;
    this.#last = null;
    this.#terminate();
  }

  override onTimer(): void {
    if (this.state === 'completed') {
      this.#terminate();
      return;
    }
    const tu = this.#tu;
    this.#tu = null;
    tu?.onTuTimeout();
  }

  #transportError(_error: Error): void {
    // §17.2.4: the response cannot be delivered; nothing more to do for it
    this.#env.stats.transportErrors++;
  }

  #terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.#env.queue.stop(this);
    this.#env.terminated(this);
  }
}
