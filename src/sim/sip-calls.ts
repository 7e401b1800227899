// The virtual phone's calls on the SIP side: a minimal UAC (INVITE via the registrar with digest, ACK by
// the transaction layer, BYE) and a minimal UAS (180, then answer or reject by policy; CANCEL, BYE,
// re-INVITE). RFC 3261 §12–§15 without media, early dialogs, PRACK or forking.
import { getCallId, getContacts, getCSeq, getFrom, getRequestUri } from '../sip/accessors.js';
import { newTag } from '../sip/ids.js';
import { createRequest, type SipRequest, type SipResponse } from '../sip/message.js';
import { parseNameAddrList } from '../sip/name-addr.js';
import type { Destination, IncomingRequest } from '../sip/transaction/endpoint-types.js';
import type { TransportProtocol } from '../sip/transport-types.js';
import { bareHost, parseUri } from '../sip/uri.js';
import type { PhoneState } from './phone-state.js';
import type { CallRecord } from './phone-state-types.js';
import { contactUri, identityNameAddr, targetUri, type LocalAddress, type SipIdentity } from './sip-identity.js';
import { PHONE_ALLOW, type SipSend } from './sip-registration.js';
import type { ScheduledTask, SimScheduler } from './sip-scheduler.js';
import { sdpBody } from './sip-sdp.js';

/**
 * What the phone does with an incoming call after ringing `ringMs`: answer (200), 486, 480; or `ring` until
 * a key or CANCEL (480 after inviteTimeoutMs).
 */
export type IncomingCallPolicy = 'answer' | 'busy' | 'unavailable' | 'ring';

/** Options of SipCalls. */
export interface SipCallsOptions {
  readonly state: PhoneState;
  readonly send: SipSend;
  /** The phone's address for a transport; undefined while SIP is down. */
  readonly local: (transport: TransportProtocol) => LocalAddress | undefined;
  readonly identities: readonly SipIdentity[];
  readonly scheduler: SimScheduler;
  readonly policy: IncomingCallPolicy;
  readonly ringMs: number;
  /** Limit for an outgoing INVITE's final response, and for ringing under the `ring` policy. */
  readonly inviteTimeoutMs: number;
  /** Records an answered request (status = the final one sent; undefined for ACK). */
  readonly record: (incoming: IncomingRequest, status: number | undefined, at: number) => void;
}

interface Dialog {
  readonly callId: string;
  readonly direction: 'in' | 'out';
  readonly identity: SipIdentity;
  readonly transport: TransportProtocol;
  /** Our side as From (outgoing) or To (incoming) writes it, with our tag. */
  readonly local: string;
  /** The peer's From/To value with its tag. */
  remote: string;
  remoteTarget: string;
  routeSet: string[];
  localCseq: number;
  confirmed: boolean;
  /** Incoming, not answered yet. */
  invite?: { readonly incoming: IncomingRequest; readonly at: number; readonly cseq: number; readonly tag: string };
  ringTask?: ScheduledTask;
}

/** Calls by SIP Call-ID; PhoneState keeps the call records, this keeps the dialogs behind them. */
export class SipCalls {
  readonly #o: SipCallsOptions;
  readonly #dialogs = new Map<string, Dialog>();
  #session = Math.floor(Date.now() / 1000);

  constructor(options: SipCallsOptions) {
    this.#o = options;
  }

  /** Dialogs kept (ringing, confirmed, or outgoing and waiting). */
  get size(): number {
    return this.#dialogs.size;
  }

  /** Places an outgoing call for a `dial` event: INVITE via the registrar with digest; the outcome goes to the call record. */
  async dial(call: CallRecord): Promise<void> {
    const { state } = this.#o;
    const identity = this.#identityFor(call.outgoingUri);
    const local = identity && this.#o.local(identity.registrar.transport);
    if (!identity || !local) {
      state.releaseCall(call.id, identity ? 'SIP is not running' : 'no identity configured');
      return;
    }
    const uri = targetUri(call.number, identity.domain);
    if (!parseUri(uri).ok) {
      state.releaseCall(call.id, 'not a dialable number');
      return;
    }
    const from = `${identityNameAddr(identity)};tag=${newTag()}`;
    const dialog: Dialog = {
      callId: call.callId, direction: 'out', identity, transport: identity.registrar.transport, local: from,
      remote: `<${uri}>`, remoteTarget: uri, routeSet: [], localCseq: 1, confirmed: false,
    };
    this.#dialogs.set(call.callId, dialog);
    const invite = createRequest({
      method: 'INVITE',
      uri,
      headers: [
        ['From', from], ['To', `<${uri}>`], ['Call-ID', call.callId], ['CSeq', '1 INVITE'],
        ['Contact', `<${contactUri(identity, local)}>`], ['Allow', PHONE_ALLOW], ['Content-Type', 'application/sdp'],
      ],
      body: sdpBody(local.host, this.#session++),
    });
    let ringing = false;
    const result = await this.#o.send(invite, {
      destination: identity.registrar,
      timeoutMs: this.#o.inviteTimeoutMs,
      ...(identity.credentials === undefined ? {} : { credentials: identity.credentials }),
      onProvisional: (response) => {
        if (response.status > 100 && !ringing) {
          ringing = true;
          state.updateCall(call.id, 'ringing');
        }
      },
    });
    if (!result.ok || result.response.status >= 300) {
      this.#dialogs.delete(call.callId);
      state.releaseCall(call.id, result.ok ? `${result.response.status} ${result.response.reason}`.slice(0, 120) : result.error);
      return;
    }
    this.#confirmOutgoing(dialog, result.response);
    // Hung up while it was ringing (no CANCEL is sent): end the call the moment it is answered.
    if (!state.updateCall(call.id, 'connected')) this.#bye(dialog);
  }

  #confirmOutgoing(dialog: Dialog, response: SipResponse): void {
    dialog.remote = response.headers.get('to') ?? dialog.remote;
    const contacts = getContacts(response);
    const target = contacts !== undefined && contacts !== '*' ? contacts[0]?.rawUri : undefined;
    if (target !== undefined) dialog.remoteTarget = target;
    dialog.routeSet = routeSetOf(response).reverse();
    dialog.localCseq = getCSeq(response)?.seq ?? dialog.localCseq;
    dialog.confirmed = true;
  }

  /** A new INVITE (no To tag): rings (180), then follows the policy; DND answers 480 at once. */
  incomingInvite(incoming: IncomingRequest, at: number): void {
    const req = incoming.request;
    const callId = getCallId(req)!;
    if (this.#dialogs.has(callId)) {
      this.#final(incoming, at, 482, 'Loop Detected');
      return;
    }
    const from = getFrom(req);
    const number = from?.uri.kind === 'sip' ? from.uri.user ?? from.uri.host : from?.uri.kind === 'tel' ? from.uri.number : 'anonymous';
    const { state } = this.#o;
    const call = state.incomingCall({ number, callId, ...(from?.displayName ? { displayName: from.displayName } : {}) });
    if (state.dnd) {
      this.#final(incoming, at, 480, 'Temporarily Unavailable');
      state.releaseCall(call.id, 'dnd');
      return;
    }
    const identity = this.#identityOfRequest(req);
    const local = identity && this.#o.local(incoming.source.transport);
    if (!identity || !local) {
      this.#final(incoming, at, 480, 'Temporarily Unavailable');
      state.releaseCall(call.id, 'no identity');
      return;
    }
    const tag = newTag();
    const contacts = getContacts(req);
    const dialog: Dialog = {
      callId, direction: 'in', identity, transport: incoming.source.transport,
      local: `${req.headers.get('to') ?? `<${identity.aor}>`};tag=${tag}`,
      remote: req.headers.get('from') ?? '', remoteTarget: contacts !== undefined && contacts !== '*' ? contacts[0]?.rawUri ?? '' : '',
      routeSet: routeSetOf(req), localCseq: 0, confirmed: false,
      invite: { incoming, at, cseq: getCSeq(req)?.seq ?? 0, tag },
    };
    this.#dialogs.set(callId, dialog);
    incoming.respond(180, 'Ringing', { toTag: tag, headers: [['Contact', `<${contactUri(identity, local)}>`]] });
    // `ring` waits for a key or CANCEL, but not beyond the INVITE timeout (then 480, unanswered)
    const policy = this.#o.policy;
    dialog.ringTask = this.#o.scheduler.schedule(policy === 'ring' ? this.#o.inviteTimeoutMs : this.#o.ringMs, () => {
      if (policy === 'answer') this.#answer(dialog);
      else this.#reject(dialog, policy === 'busy' ? 486 : 480, policy === 'ring' ? 'no answer' : 'policy');
    });
  }

  /** An INVITE inside a dialog (re-INVITE): 200 with the same SDP, 481 when the dialog is unknown. */
  reinvite(incoming: IncomingRequest, at: number): void {
    const dialog = this.#dialogs.get(getCallId(incoming.request)!);
    const local = dialog && this.#o.local(dialog.transport);
    if (!dialog?.confirmed || !local) {
      this.#final(incoming, at, 481, 'Call/Transaction Does Not Exist');
      return;
    }
    this.#final(incoming, at, 200, 'OK', [
      ['Contact', `<${contactUri(dialog.identity, local)}>`], ['Content-Type', 'application/sdp'],
    ], sdpBody(local.host, this.#session++));
  }

  /** CANCEL of a ringing INVITE (§9.2): 200, then 487 to the INVITE; 481 when nothing matches. */
  cancel(incoming: IncomingRequest, at: number): void {
    const dialog = this.#dialogs.get(getCallId(incoming.request)!);
    const cseq = getCSeq(incoming.request)?.seq;
    if (dialog?.invite === undefined || dialog.invite.cseq !== cseq) {
      this.#final(incoming, at, 481, 'Call/Transaction Does Not Exist');
      return;
    }
    this.#final(incoming, at, 200, 'OK');
    this.#reject(dialog, 487, 'cancelled', 'Request Terminated');
  }

  /** BYE: 200 and the call released; 481 when the dialog is unknown. */
  bye(incoming: IncomingRequest, at: number): void {
    const callId = getCallId(incoming.request)!;
    const dialog = this.#dialogs.get(callId);
    if (dialog === undefined) {
      this.#final(incoming, at, 481, 'Call/Transaction Does Not Exist');
      return;
    }
    this.#final(incoming, at, 200, 'OK');
    this.#drop(dialog);
    this.#o.state.releaseCall(callId, 'remote hangup');
  }

  /** Answers the oldest ringing incoming call (a hook or ENTER key); false when none rings. */
  answerRinging(): boolean {
    const dialog = this.#ringing();
    if (dialog) this.#answer(dialog);
    return dialog !== undefined;
  }

  /** Rejects the oldest ringing incoming call with 486 (the CANCEL key); false when none rings. */
  rejectRinging(reason = 'rejected'): boolean {
    const dialog = this.#ringing();
    if (dialog) this.#reject(dialog, 486, reason);
    return dialog !== undefined;
  }

  /** Ends calls PhoneState already released: BYE when confirmed, 486 when still ringing here. */
  hangUp(callIds: Iterable<string>): void {
    for (const callId of callIds) {
      const dialog = this.#dialogs.get(callId);
      if (dialog === undefined) continue;
      if (dialog.invite) this.#reject(dialog, 486, 'released');
      else if (dialog.confirmed) this.#bye(dialog);
      // an outgoing INVITE still waiting: dial() sends BYE if it is answered
    }
  }

  /** Hangs up every confirmed call (on hook): released in PhoneState, BYE sent. */
  hangUpConnected(reason: string): void {
    for (const dialog of [...this.#dialogs.values()]) {
      if (!dialog.confirmed) continue;
      this.#o.state.releaseCall(dialog.callId, reason);
      this.#bye(dialog);
    }
  }

  /** Forgets every dialog without a word (a reboot). */
  clear(): void {
    for (const d of this.#dialogs.values()) d.ringTask?.cancel();
    this.#dialogs.clear();
  }

  #ringing(): Dialog | undefined {
    for (const d of this.#dialogs.values()) if (d.invite) return d;
    return undefined;
  }

  #answer(dialog: Dialog): void {
    const invite = dialog.invite;
    const local = this.#o.local(dialog.transport);
    if (!invite || !local) return;
    dialog.ringTask?.cancel();
    dialog.invite = undefined;
    dialog.confirmed = true;
    this.#final(invite.incoming, invite.at, 200, 'OK', [
      ['Contact', `<${contactUri(dialog.identity, local)}>`], ['Allow', PHONE_ALLOW], ['Content-Type', 'application/sdp'],
    ], sdpBody(local.host, this.#session++), invite.tag);
    this.#o.state.updateCall(dialog.callId, 'connected');
  }

  #reject(dialog: Dialog, status: number, reason: string, phrase?: string): void {
    const invite = dialog.invite;
    if (!invite) return;
    this.#drop(dialog);
    const text = phrase ?? (status === 486 ? 'Busy Here' : status === 480 ? 'Temporarily Unavailable' : 'Request Terminated');
    this.#final(invite.incoming, invite.at, status, text, [], undefined, invite.tag);
    this.#o.state.releaseCall(dialog.callId, reason === 'policy' ? `${status} ${text}` : reason);
  }

  #drop(dialog: Dialog): void {
    dialog.ringTask?.cancel();
    dialog.invite = undefined;
    this.#dialogs.delete(dialog.callId);
  }

  /** Sends BYE in a confirmed dialog (§15.1.1) and forgets it. */
  #bye(dialog: Dialog): void {
    this.#drop(dialog);
    const route = dialog.routeSet[0];
    const destination = route === undefined ? undefined : destinationOf(route);
    if (!parseUri(dialog.remoteTarget).ok || (route !== undefined && destination === undefined)) return;
    let bye: SipRequest;
    try {
      bye = createRequest({
        method: 'BYE',
        uri: dialog.remoteTarget,
        headers: [
          ['From', dialog.local], ['To', dialog.remote], ['Call-ID', dialog.callId], ['CSeq', `${++dialog.localCseq} BYE`],
          ...dialog.routeSet.map((r) => ['Route', r] as [string, string]),
        ],
      });
    } catch {
      return; // a peer value that cannot be written back
    }
    void this.#o.send(bye, {
      timeoutMs: 10_000,
      ...(destination === undefined ? {} : { destination }),
      ...(dialog.identity.credentials === undefined ? {} : { credentials: dialog.identity.credentials }),
    });
  }

  #final(
    incoming: IncomingRequest, at: number, status: number, reason: string,
    headers: [string, string][] = [], body?: string, toTag?: string,
  ): void {
    incoming.respond(status, reason, { headers, ...(body === undefined ? {} : { body }), ...(toTag === undefined ? {} : { toTag }) });
    this.#o.record(incoming, status, at);
  }

  #identityFor(outgoingUri: string | undefined): SipIdentity | undefined {
    const ids = this.#o.identities;
    if (outgoingUri !== undefined) {
      const want = outgoingUri.replace(/^sips?:/i, '').toLowerCase();
      const found = ids.find((i) => `${i.user}@${i.domain}`.toLowerCase() === want || i.user.toLowerCase() === want);
      if (found) return found;
    }
    return ids[0];
  }

  #identityOfRequest(req: SipRequest): SipIdentity | undefined {
    const uri = getRequestUri(req);
    const line = uri?.kind === 'sip' ? uri.params.get('line') : undefined;
    const user = uri?.kind === 'sip' ? uri.user : undefined;
    const ids = this.#o.identities;
    return ids.find((i) => line !== undefined && i.lineId === line) ?? ids.find((i) => i.user === user) ?? ids[0];
  }
}

/** Record-Route values of a message, one name-addr text per entry, in message order. */
function routeSetOf(msg: SipRequest | SipResponse): string[] {
  const out: string[] = [];
  for (const value of msg.headers.getAll('record-route')) {
    const list = parseNameAddrList(value);
    if (!list.ok) continue;
    for (const entry of list.value) out.push(`<${entry.rawUri}>`);
  }
  return out;
}

/** Where a Route entry points (§16.12: a loose router is sent to directly). */
function destinationOf(route: string): Destination | undefined {
  const uri = parseUri(route.replace(/^<|>$/g, ''));
  if (!uri.ok || uri.value.kind !== 'sip') return undefined;
  const t = uri.value.params.get('transport')?.toLowerCase();
  return { host: bareHost(uri.value.host), port: uri.value.port ?? 5060, ...(t === 'tcp' || t === 'udp' ? { transport: t } : {}) };
}
