// The events the service publishes on its bus (for SSE, metrics, tests).
import type { Binding, RegistrarEvent } from '../registrar/binding.js';
import type { KeyState } from '../snom/key-state.js';
import type { DeliveryEvent } from './delivery-types.js';

/** A registration change, with the binding's public fields (no Call-ID). */
export interface RegistrationEvent {
  readonly type: RegistrarEvent['type'];
  readonly aor: string;
  readonly user: string;
  readonly domain: string;
  readonly contact: string;
  readonly transport: Binding['transport'];
  readonly address: string;
  readonly port: number;
  readonly expiresAt: number;
  readonly userAgent: string | undefined;
  readonly at: number;
}

/** Desired key states written by a bindKey. */
export interface KeysEvent {
  readonly profile: string;
  readonly user: string;
  readonly host: string;
  readonly keys: readonly { readonly key: string; readonly version: number; readonly state: KeyState }[];
  readonly at: number;
}

/** A MESSAGE to `api+<command>@domain` from a phone, and what became of it. */
export interface ButtonPressEvent {
  /** The authenticated user (undefined when authentication failed). */
  readonly user: string | undefined;
  readonly domain: string;
  /** `udp:192.0.2.5:5060`. */
  readonly source: string;
  /** The API name as sent (`snom_bind_key`) and its arguments. */
  readonly command: string;
  readonly args: string;
  /** The SIP status answered. */
  readonly status: number;
  readonly outcome: 'accepted' | 'forbidden' | 'not-found' | 'bad-request';
  /** mod_snom's reply sent back to the phone (accepted presses, once the command ran). */
  readonly reply?: string;
  readonly at: number;
}

/** Event type → payload, for EventBus<ServiceEventMap>. */
export interface ServiceEventMap {
  registration: RegistrationEvent;
  keys: KeysEvent;
  delivery: DeliveryEvent;
  buttonPress: ButtonPressEvent;
}

/** The public view of a registrar event. */
export function registrationEvent(e: RegistrarEvent, at: number): RegistrationEvent {
  const b = e.binding;
  return {
    type: e.type, aor: b.aor, user: b.user, domain: b.domain, contact: b.contact, transport: b.transport,
    address: b.address, port: b.port, expiresAt: b.expiresAt, userAgent: b.userAgent, at,
  };
}
