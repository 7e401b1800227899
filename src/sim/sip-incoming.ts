// What the virtual phone answers to SIP requests (snom-protocol.md §2): x-buttons MESSAGEs change its
// keys, text/plain MESSAGEs (replies to key presses) are accepted, "Filter Packets from Registrar"
// refuses other senders; OPTIONS, NOTIFY, INVITE, CANCEL, BYE as a desk phone. Every request is recorded.
import { getCallId, getTo } from '../sip/accessors.js';
import type { IncomingRequest } from '../sip/transaction/endpoint-types.js';
import { X_BUTTONS_CONTENT_TYPE } from '../snom/x-buttons.js';
import type { PhoneState } from './phone-state.js';
import type { SipCalls } from './sip-calls.js';
import { PHONE_ALLOW } from './sip-registration.js';

/** Content types a MESSAGE may carry; the 415 answer lists them in Accept (RFC 3261 §21.4.13). */
export const PHONE_ACCEPT = `${X_BUTTONS_CONTENT_TYPE}, text/plain`;

/** What the handler needs from the phone. */
export interface IncomingContext {
  readonly state: PhoneState;
  readonly calls: SipCalls;
  /** Whether "Filter Packets from Registrar" is on now (setting `filter_registrar`). */
  readonly filterOn: () => boolean;
  /** Whether a source IP address is one of the identities' registrars. */
  readonly fromRegistrar: (address: string) => boolean;
  /** NOTIFY `Event: check-sync` asked for a reboot (after the 200 went out). */
  readonly onCheckSync: () => void;
}

/** The media type of a Content-Type value, lower-cased, without parameters. */
export function mediaType(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const semi = value.indexOf(';');
  return (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
}

/** Text safe for a quoted Warning text (RFC 3261 §20.43): no quotes, backslashes or controls, at most 100 characters. */
function warningText(text: string): string {
  return text.replace(/["\\\u0000-\u001f\u007f-\u009f]/g, ' ').slice(0, 100);
}

/** Records a received request in the state (`sipRequests`): `status` is the final answer (none for ACK), `at` when it came. */
export function recordIncoming(state: PhoneState, incoming: IncomingRequest, status: number | undefined, at: number): void {
  const req = incoming.request;
  const contentType = req.headers.get('content-type');
  const callId = getCallId(req);
  const from = req.headers.get('from');
  const to = req.headers.get('to');
  const source = incoming.source;
  state.recordSipRequest({
    at,
    method: req.method,
    requestUri: req.uri,
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    ...(callId === undefined ? {} : { callId }),
    ...(contentType === undefined ? {} : { contentType }),
    ...(req.body.length > 0 ? { body: req.body.subarray(0, 4096).toString('utf8') } : {}),
    source: `${source.family === 6 ? `[${source.address}]` : source.address}:${source.port}`,
    ...(status === undefined ? {} : { status }),
  });
}

/**
 * Makes the endpoint's request handler. Order: ACK is recorded and passed on (never answered); a
 * source that is not a registrar gets 403 while the filter is on (every method); then by method:
 * MESSAGE (x-buttons → applied, 200, or 400 with a Warning for a body that does not decode; text/plain
 * → 200; anything else, or no Content-Type → 415 with Accept), OPTIONS 200 with Allow and Accept,
 * NOTIFY 200 (`Event: check-sync` then reboots unless `reboot=false` [inferred from Snom provisioning
 * practice]), INVITE (new → SipCalls rings; with To tag → re-INVITE), CANCEL, BYE.
 */
export function createIncomingHandler(ctx: IncomingContext): (incoming: IncomingRequest) => void {
  const record = (incoming: IncomingRequest, status: number | undefined, at: number): void => recordIncoming(ctx.state, incoming, status, at);
  const answer = (
    incoming: IncomingRequest, at: number, status: number, reason: string, headers: [string, string][] = [],
  ): void => {
    incoming.respond(status, reason, { headers });
    record(incoming, status, at);
  };

  return (incoming) => {
    const at = ctx.state.now();
    const req = incoming.request;
    if (req.method === 'ACK') {
      record(incoming, undefined, at);
      return;
    }
    if (ctx.filterOn() && !ctx.fromRegistrar(incoming.source.address)) {
      answer(incoming, at, 403, 'Forbidden');
      return;
    }
    switch (req.method) {
      case 'MESSAGE':
        message(incoming, at);
        return;
      case 'OPTIONS':
        answer(incoming, at, 200, 'OK', [['Allow', PHONE_ALLOW], ['Accept', PHONE_ACCEPT]]);
        return;
      case 'NOTIFY': {
        answer(incoming, at, 200, 'OK');
        const event = req.headers.get('event')?.toLowerCase().replace(/\s+/g, '') ?? '';
        if (/^check-sync(;|$)/.test(event) && !/;reboot=false(;|$)/.test(event)) ctx.onCheckSync();
        return;
      }
      case 'INVITE':
        if (getTo(req)?.params.has('tag')) ctx.calls.reinvite(incoming, at);
        else ctx.calls.incomingInvite(incoming, at);
        return;
      case 'CANCEL':
        ctx.calls.cancel(incoming, at);
        return;
      case 'BYE':
        ctx.calls.bye(incoming, at);
        return;
      default:
        answer(incoming, at, 501, 'Not Implemented', [['Allow', PHONE_ALLOW]]);
    }
  };

  function message(incoming: IncomingRequest, at: number): void {
    const type = mediaType(incoming.request.headers.get('content-type'));
    if (type === X_BUTTONS_CONTENT_TYPE) {
      const applied = ctx.state.applyXButtonsBody(incoming.request.body);
      if (applied.ok) answer(incoming, at, 200, 'OK');
      else answer(incoming, at, 400, 'Bad x-buttons Body', [['Warning', `399 snom "${warningText(applied.error.message)}"`]]);
      return;
    }
    if (type === 'text/plain') {
      answer(incoming, at, 200, 'OK');
      return;
    }
    answer(incoming, at, 415, 'Unsupported Media Type', [['Accept', PHONE_ACCEPT]]);
  }
}
