import { getCallId, getFrom } from '../accessors.js';
import type { CSeq } from '../header-values.js';
import type { SipRequest } from '../message.js';
import type { TimerTable } from '../timers.js';
import { BRANCH_COOKIE, type Via } from '../via.js';
import { ClientTable } from './client-table.js';
import type { InviteClientTransaction } from './invite-client.js';
import { InviteServerTransaction } from './invite-server.js';
import type { NonInviteClientTransaction } from './non-invite-client.js';
import type { NonInviteServerTransaction } from './non-invite-server.js';
import { Timer, type TimerQueue } from './timer-queue.js';
import { createTransactionStats, type Terminable, type TransactionEnv, type TransactionStats } from './transaction-env.js';

/** At most this many sweeps of retired client records per Timer K period. */
const SWEEPS_PER_K = 64;

/** Either kind of client transaction. */
export type ClientTransaction = NonInviteClientTransaction | InviteClientTransaction;
/** Either kind of server transaction. */
export type ServerTransaction = NonInviteServerTransaction | InviteServerTransaction;

/**
 * The transaction tables (RFC 3261 §17.1.3, §17.2.3): client transactions by Via branch, server
 * transactions by branch + sent-by + method (ACK counting as INVITE), INVITE server transactions also by
 * Call-ID + CSeq number so that the ACK for a 2xx (a transaction of its own) can find them. A transaction
 * leaves every table the moment it terminates.
 */
export class TransactionLayer implements TransactionEnv {
  readonly timers: TimerTable;
  readonly queue: TimerQueue;
  readonly stats: TransactionStats = createTransactionStats();
  readonly #clients = new ClientTable<ClientTransaction>();
  readonly #servers = new Map<string, ServerTransaction>();
  readonly #invites = new Map<string, InviteServerTransaction>();
  readonly #inviteKeys = new Map<InviteServerTransaction, string>();
  /** Sweeps the retired client records (one timer for all of them, at the earliest deadline). */
  readonly #sweep = new Timer({ onTimer: () => this.#expireRetired() });

  constructor(timers: TimerTable, queue: TimerQueue) {
    this.timers = timers;
    this.queue = queue;
  }

  /** Live transactions per table (finished ones are gone once their wait timer fired). */
  get size(): { client: number; server: number } {
    return { client: this.#clients.size, server: this.#servers.size };
  }

  terminated(tx: Terminable): void {
    if (tx.kind === 'client') {
      this.#clients.delete(tx as ClientTransaction);
      return;
    }
    if (this.#servers.get(tx.key) === tx) this.#servers.delete(tx.key);
    if (tx instanceof InviteServerTransaction) {
      const dialog = this.#inviteKeys.get(tx);
      if (dialog !== undefined) {
        this.#inviteKeys.delete(tx);
        if (this.#invites.get(dialog) === tx) this.#invites.delete(dialog);
      }
    }
  }

  /** A new unique branch for a client transaction; pass it to addClient (or releaseBranch when sending failed). */
  newBranch(): string {
    return this.#clients.newBranch();
  }

  /** Gives back a branch from newBranch() that no transaction was added under. */
  releaseBranch(branch: string): void {
    this.#clients.release(branch);
  }

  /** Registers a client transaction under its branch (from newBranch, or another unique one). */
  addClient(tx: ClientTransaction): void {
    this.#clients.add(tx);
  }

  /** Replaces a finished non-INVITE client transaction by a compact Completed record for `ms` (Timer K) from `now`. */
  retireClient(tx: ClientTransaction, ms: number, now: number): boolean {
    const queue = this.queue;
    if (!this.#clients.retire(tx, tx.method, now + ms)) return false;
    if (!this.#sweep.active) queue.startFrom(this.#sweep, ms, now);
    return true;
  }

  /**
   * Whether a response that matched no client transaction is a retransmission absorbed by a retired one
   * (same branch and CSeq method, within its Timer K): counted, and never passed to a TU (§17.1.2.2).
   */
  absorbRetransmission(branch: string | undefined, cseqMethod: string): boolean {
    if (branch === undefined || !this.#clients.isRetired(branch, cseqMethod, this.queue.now())) return false;
    this.stats.retransmissionsReceived++;
    return true;
  }

  /** The client transaction a response belongs to: same top Via branch and CSeq method (§17.1.3). */
  findClient(branch: string | undefined, cseqMethod: string): ClientTransaction | undefined {
    if (branch === undefined) return undefined;
    const tx = this.#clients.get(branch);
    return tx !== undefined && tx.method === cseqMethod ? tx : undefined;
  }

  /** The server transaction a request belongs to, if any (`key` from serverKey). */
  findServer(key: string): ServerTransaction | undefined {
    return this.#servers.get(key);
  }

  /** Registers a server transaction; INVITEs also under `dialogKey` (Call-ID and CSeq number) for 2xx ACKs. */
  addServer(tx: ServerTransaction, dialogKey?: string): void {
    this.#servers.set(tx.key, tx);
    if (tx instanceof InviteServerTransaction && dialogKey !== undefined) {
      this.#invites.set(dialogKey, tx);
      this.#inviteKeys.set(tx, dialogKey);
    }
  }

  /** The INVITE server transaction a 2xx ACK belongs to (§13.3.1.4: matched through the dialog). */
  findInvite(dialogKey: string): InviteServerTransaction | undefined {
    return this.#invites.get(dialogKey);
  }

  /** Ends every transaction at once; users of client transactions still waiting are told `closed`. */
  closeAll(): void {
    for (const tx of this.#clients.values()) tx.close();
    this.#clients.clearRetired();
    this.queue.stop(this.#sweep);
    for (const tx of [...this.#servers.values()]) tx.abandon();
    this.#servers.clear();
    this.#invites.clear();
    this.#inviteKeys.clear();
  }

  #expireRetired(): void {
    const queue = this.queue;
    const now = queue.now();
    const next = this.#clients.expire(now);
    // records retire all the time at a high request rate: sweeping at each one's deadline would fire a
    // timer every millisecond. A record past its deadline no longer matches (isRetired), so sweeping up to
    // K/SWEEPS_PER_K late changes nothing but how long its few bytes stay.
    if (next < Infinity) queue.startFrom(this.#sweep, Math.max(next - now, this.timers.k / SWEEPS_PER_K), now);
  }
}

/**
 * The server-transaction key of a request (§17.2.3): branch, sent-by and method, with ACK matching
 * INVITE. A branch without the RFC 3261 magic cookie (an RFC 2543 peer) is keyed by Call-ID, CSeq
 * number, From tag and the whole top Via instead (§17.2.3's older rule, without the To tag for ACKs).
 */
export function serverKey(req: SipRequest, via: Via, cseq: CSeq): string {
  const method = req.method === 'ACK' ? 'INVITE' : req.method;
  const branch = via.branch;
  if (branch !== undefined && branch.startsWith(BRANCH_COOKIE)) {
    return flat(`${branch}|${via.host}:${via.port ?? ''}|${method}`);
  }
  const fromTag = getFrom(req)?.params.get('tag') ?? '';
  return flat(`2543|${getCallId(req) ?? ''}|${cseq.seq}|${fromTag}|${via.host}:${via.port ?? ''}|${branch ?? ''}|${method}`);
}

/**
 * A copy of a key that no longer refers to the request's text: the concatenation holds on to its parts,
 * slices of that text, which a finished transaction would otherwise keep alive for Timer J (32 s over
 * UDP). Taking a substring of a concatenation makes V8 copy the concatenation into one new string first
 * (3× cheaper than a round trip through a Buffer); the substring then refers only to that copy.
 */
function flat(key: string): string {
  return (key + '|').slice(0, -1);
}

/** The key an INVITE and the ACK of its 2xx share: Call-ID and CSeq number. */
export function dialogAckKey(callId: string, cseq: CSeq): string {
  return `${callId}|${cseq.seq}`;
}
