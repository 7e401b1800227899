// The virtual phone's calls, DTMF log and call lists (dialed, missed, received). No events: PhoneState
// decides what a transition means (Action URLs, lists) from what these methods return.
import { randomBytes } from 'node:crypto';
import type { ActionUrlEvent } from './action-urls.js';
import { BoundedLog } from './bounded-log.js';
import type {
  CallListEntry, CallListName, CallRecord, CallState, CommandSource, DtmfRecord,
} from './phone-state-types.js';

type MutableCall = { -readonly [K in keyof CallRecord]: CallRecord[K] };

/** What opens a call. */
export interface CallInit {
  readonly direction: 'out' | 'in';
  readonly number: string;
  readonly outgoingUri?: string;
  readonly origin: CallRecord['origin'];
  readonly functionKey?: string;
  /** The SIP Call-ID; a new random one when absent. */
  readonly callId?: string;
}

/** Calls (newest `max` kept), DTMF records and the three call lists. */
export class CallTable {
  readonly #now: () => number;
  readonly #calls: BoundedLog<MutableCall>;
  readonly #dtmf: BoundedLog<DtmfRecord>;
  readonly #lists: Record<CallListName, BoundedLog<CallListEntry>>;
  #nextId = 1;

  constructor(max: number, now: () => number) {
    this.#now = now;
    this.#calls = new BoundedLog(max);
    this.#dtmf = new BoundedLog(max);
    this.#lists = { dialed: new BoundedLog(max), missed: new BoundedLog(max), received: new BoundedLog(max) };
  }

  /** Opens a call in state `dialling` (outgoing) or `ringing` (incoming); an outgoing one goes to `dialed`. */
  open(init: CallInit): CallRecord {
    const at = this.#now();
    const call: MutableCall = {
      id: this.#nextId++,
      callId: init.callId ?? `${randomBytes(12).toString('hex')}@snom-sim`,
      direction: init.direction,
      number: init.number,
      ...(init.outgoingUri === undefined ? {} : { outgoingUri: init.outgoingUri }),
      origin: init.origin,
      ...(init.functionKey === undefined ? {} : { functionKey: init.functionKey }),
      state: init.direction === 'out' ? 'dialling' : 'ringing',
      startedAt: at,
      dtmf: '',
    };
    this.#calls.push(call);
    if (init.direction === 'out') this.#lists.dialed.push({ at, number: init.number });
    return { ...call };
  }

  /** A kept call by its number or its SIP Call-ID. */
  find(id: number | string): CallRecord | undefined {
    const call = this.#find(id);
    return call && { ...call };
  }

  #find(id: number | string): MutableCall | undefined {
    return this.#calls.items().find((c) => (typeof id === 'number' ? c.id === id : c.callId === id));
  }

  /** Calls not released, oldest first. */
  active(): CallRecord[] {
    return this.#calls.filter((c) => c.state !== 'released').map((c) => ({ ...c }));
  }

  /**
   * Moves a call that is not released to `state` (`released` through release() only); returns the state
   * it had, or undefined when there is no such open call. Connecting an incoming call lists it as received.
   */
  setState(id: number | string, state: Exclude<CallState, 'released'>): { call: CallRecord; previous: CallState } | undefined {
    const call = this.#find(id);
    if (!call || call.state === 'released') return undefined;
    const previous = call.state;
    call.state = state;
    if (state === 'connected' && call.connectedAt === undefined) {
      call.connectedAt = this.#now();
      if (call.direction === 'in') this.#lists.received.push({ at: call.connectedAt, number: call.number });
    }
    return { call: { ...call }, previous };
  }

  /** Releases an open call; an incoming call never connected goes to `missed`. Undefined when not open. */
  release(id: number | string, reason: string): { call: CallRecord; previous: CallState } | undefined {
    const call = this.#find(id);
    if (!call || call.state === 'released') return undefined;
    const previous = call.state;
    call.state = 'released';
    call.releasedAt = this.#now();
    call.releaseReason = reason;
    if (call.direction === 'in' && call.connectedAt === undefined) {
      this.#lists.missed.push({ at: call.releasedAt, number: call.number });
    }
    return { call: { ...call }, previous };
  }

  /** Records DTMF, appending it to the newest open call when there is one. */
  sendDtmf(digits: string, source: CommandSource): { record: DtmfRecord; call?: CallRecord } {
    const open = this.#calls.filter((c) => c.state !== 'released');
    const call = open[open.length - 1];
    if (call) call.dtmf += digits;
    const record: DtmfRecord = { at: this.#now(), digits, source, ...(call ? { callId: call.callId } : {}) };
    this.#dtmf.push(record);
    return call ? { record, call: { ...call } } : { record };
  }

  addListEntry(list: CallListName, number: string): void {
    this.#lists[list].push({ at: this.#now(), number });
  }

  clearList(list: CallListName): void {
    this.#lists[list].clear();
  }

  /** Copies of everything kept, for a snapshot. */
  snapshot(): { calls: CallRecord[]; dtmf: DtmfRecord[]; lists: Record<CallListName, CallListEntry[]> } {
    const list = (name: CallListName): CallListEntry[] => this.#lists[name].items().map((e) => ({ ...e }));
    return {
      calls: this.#calls.items().map((c) => ({ ...c })),
      dtmf: this.#dtmf.items().map((d) => ({ ...d })),
      lists: { dialed: list('dialed'), missed: list('missed'), received: list('received') },
    };
  }
}

/**
 * The Action URL event (§4) of a call reaching its current state from `previous`: `hold`, `unhold`,
 * `connected` (first connect), `disconnected` (released after connecting), `missed` (an incoming call
 * released unanswered); undefined for the other transitions.
 */
export function callTransitionEvent(call: CallRecord, previous: CallState): ActionUrlEvent | undefined {
  switch (call.state) {
    case 'held':
      return previous === 'held' ? undefined : 'hold';
    case 'connected':
      return previous === 'held' ? 'unhold' : previous === 'connected' ? undefined : 'connected';
    case 'released':
      return call.connectedAt !== undefined ? 'disconnected' : call.direction === 'in' ? 'missed' : undefined;
    default:
      return undefined;
  }
}
