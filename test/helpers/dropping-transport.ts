// A lossy-network wrapper for retransmission tests over real sockets.
import type { SendTarget, SipTransport, TransportProtocol, TransportReceiver, TransportStats } from '../../src/sip/transport-types.js';

/**
 * Wraps a transport and drops the first `dropFirst` messages it is asked to send (all of them with
 * Infinity): a lossy network for retransmission tests over real sockets.
 */
export class DroppingTransport implements SipTransport {
  readonly #inner: SipTransport;
  #toDrop: number;
  /** Messages dropped so far. */
  dropped = 0;

  constructor(inner: SipTransport, dropFirst: number) {
    this.#inner = inner;
    this.#toDrop = dropFirst;
  }

  get protocol(): TransportProtocol { return this.#inner.protocol; }
  get reliable(): boolean { return this.#inner.reliable; }
  get family(): 4 | 6 { return this.#inner.family; }
  get localAddress(): string { return this.#inner.localAddress; }
  get localPort(): number { return this.#inner.localPort; }
  get sentByHost(): string { return this.#inner.sentByHost; }
  get stats(): TransportStats { return this.#inner.stats; }

  attach(receiver: TransportReceiver): void {
    this.#inner.attach(receiver);
  }

  send(data: Buffer, target: SendTarget, onError?: (error: Error) => void): void {
    if (this.#toDrop > 0) {
      this.#toDrop--;
      this.dropped++;
      return;
    }
    this.#inner.send(data, target, onError);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
