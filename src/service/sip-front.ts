// What the service answers to requests arriving on its SIP listeners.
import type { RegisterSource, RegistrarEvent } from '../registrar/binding.js';
import type { RegisterOutcome, Registrar } from '../registrar/registrar.js';
import { getTo } from '../sip/accessors.js';
import type { IncomingRequest } from '../sip/transaction/endpoint-types.js';
import { respondWith } from '../sip/transaction/incoming-request.js';
import type { AuthFailureLimiter } from './auth-failure-limiter.js';
import type { ButtonPressHandler } from './button-press.js';

const STATELESS = Object.freeze({ stateless: true });

/** Methods the service's endpoint implements (OPTIONS is answered by the endpoint itself). */
export const SERVICE_METHODS = Object.freeze(['REGISTER', 'MESSAGE', 'INVITE']);

/** What the front needs. */
export interface SipFrontParts {
  readonly registrar: Registrar;
  readonly buttons: ButtonPressHandler;
  /** Refuses (403) REGISTERs of a source and user that failed authentication too often. */
  readonly limiter: AuthFailureLimiter;
  /** Registration changes of an answered REGISTER (after its 200 was sent). */
  readonly onRegistrarEvents: (events: readonly RegistrarEvent[]) => void;
  /** True once the service is closing: everything gets 503. */
  readonly closing: () => boolean;
}

/**
 * The endpoint's request handler: REGISTER → the registrar (its response sent as is; 403 at once while the
 * source and user are over the AuthFailureLimiter's limit); MESSAGE → button
 * presses (`api+…`), anything else 404; INVITE → 480 Temporarily Unavailable (this is no PBX: a key with
 * `a=invite` must call through a real one); while closing, 503 for everything.
 */
export function sipFront(p: SipFrontParts): (incoming: IncomingRequest) => Promise<void> | void {
  return (incoming) => {
    const req = incoming.request;
    if (req.method === 'ACK') return;
    if (p.closing()) {
      incoming.respond(503, 'Service Unavailable');
      return;
    }
    switch (req.method) {
      case 'REGISTER':
        return register(p, incoming);
      case 'MESSAGE':
        p.buttons.handle(incoming);
        return;
      case 'INVITE':
        incoming.respond(480, 'Temporarily Unavailable');
        return;
      default:
        incoming.respond(405, 'Method Not Allowed', { headers: [['Allow', `${SERVICE_METHODS.join(', ')}, OPTIONS`]] });
    }
  };
}

function register(p: SipFrontParts, incoming: IncomingRequest): Promise<void> | void {
  const s = incoming.source;
  const user = getTo(incoming.request)?.uri;
  const aorUser = user?.kind === 'sip' ? user.user ?? '' : '';
  if (p.limiter.blocked(s.address, aorUser)) {
    // refused again for a retransmission: no transaction held for it (a storm would fill them)
    incoming.respond(403, 'Forbidden', STATELESS);
    return;
  }
  // a MessageSource is a RegisterSource (the registrar copies the fields it keeps); the endpoint
  // (SERVICE_METHODS, default schemes, no extensions) validated the request already
  const source: RegisterSource = s;
  const outcome = p.registrar.handle(incoming.request, source, true);
  if (outcome instanceof Promise) return outcome.then((o) => answer(p, incoming, aorUser, o));
  answer(p, incoming, aorUser, outcome);
}

/**
 * Counts the outcome for the AuthFailureLimiter, sends the registrar's response as it is, reports the
 * events. The challenge to a REGISTER without credentials goes without a server transaction (RFC 3261
 * §8.2.7): a retransmission is challenged again, and none is held for 32 s per first leg; a 401 for wrong
 * credentials keeps its transaction, so a retransmission is not counted as a second failure.
 */
function answer(p: SipFrontParts, incoming: IncomingRequest, aorUser: string, outcome: RegisterOutcome): void {
  const address = incoming.source.address;
  const status = outcome.response.status;
  const credentials = status === 401 && incoming.request.headers.has('Authorization');
  if (outcome.authFailed) p.limiter.failed(address, aorUser);
  else if (status === 200) p.limiter.succeeded(address, aorUser);
  respondWith(incoming, outcome.response, status === 401 && !credentials ? STATELESS : undefined);
  if (outcome.events.length > 0) p.onRegistrarEvents(outcome.events);
}
