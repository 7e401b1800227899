// mod_sofia's registration events (sofia_reg.c), typed. Header names as mod_sofia writes them:
// - sofia::register: profile-name, from-user, from-host, presence-hosts, contact, call-id, rpid,
//   status, expires, to-user, to-host, network-ip, network-port, username, realm, user-agent
//   [, update-reg: true for a refresh of an existing binding];
// - sofia::unregister: profile-name, username, from-user, from-host, contact, call-id, rpid, realm,
//   expires;
// - sofia::expire (a binding timed out): profile-name, call-id, user, host, contact, expires,
//   user-agent, realm.
import { err, ok, type Result } from '../util/errors.js';
import type { EslEvent } from './esl-event.js';
import { contactUrl } from './sofia-contact.js';

/** The CUSTOM subclasses this module reads. */
export const REGISTRATION_SUBCLASSES = ['sofia::register', 'sofia::unregister', 'sofia::expire'] as const;

/** What happened to the binding. */
export type RegistrationEventKind = 'register' | 'unregister' | 'expire';

/** A registration event, typed; absent headers are undefined. */
export interface RegistrationEvent {
  readonly kind: RegistrationEventKind;
  readonly profile: string;
  /** The registered user (`from-user`, or `user` for expire). */
  readonly user: string;
  /** Its domain (`from-host`, or `host` for expire). */
  readonly host: string;
  /** The Contact value as registered (may carry a display name, `<>`, `;fs_…` parameters). */
  readonly contact: string;
  /** The URL inside the Contact (see contactUrl). */
  readonly contactUri: string;
  /** Source address of the REGISTER (register only). */
  readonly networkIp: string | undefined;
  readonly networkPort: number | undefined;
  readonly userAgent: string | undefined;
  readonly callId: string | undefined;
  /** Seconds granted (register) or the stored expiry (expire); undefined when absent or not a number. */
  readonly expires: number | undefined;
  readonly username: string | undefined;
  readonly realm: string | undefined;
  /** True when mod_sofia marked the REGISTER as a refresh of a binding it already had. */
  readonly refresh: boolean;
}

/** Why an event is not a usable registration event. */
export interface RegistrationEventError {
  readonly code: 'not-registration' | 'missing-header';
  readonly message: string;
}

const KIND_OF: Readonly<Record<string, RegistrationEventKind>> = {
  'sofia::register': 'register',
  'sofia::unregister': 'unregister',
  'sofia::expire': 'expire',
};

/**
 * Types a sofia::register / unregister / expire event. `not-registration` for any other event;
 * `missing-header` when profile-name, the user, the host or the contact is absent or empty. Never throws.
 */
export function parseRegistrationEvent(event: EslEvent): Result<RegistrationEvent, RegistrationEventError> {
  const kind = event.name === 'CUSTOM' && event.subclass !== undefined ? KIND_OF[event.subclass.toLowerCase()] : undefined;
  if (kind === undefined) {
    return err({ code: 'not-registration', message: `not a registration event (${event.name}${event.subclass ? ` ${event.subclass}` : ''})` });
  }
  const h = event.headers;
  const get = (name: string): string | undefined => {
    const v = h.get(name);
    return v === undefined || v === '' ? undefined : v;
  };
  const profile = get('profile-name');
  const user = kind === 'expire' ? get('user') : get('from-user');
  const host = kind === 'expire' ? get('host') : get('from-host');
  const contact = get('contact');
  const missing = [
    ['profile-name', profile],
    [kind === 'expire' ? 'user' : 'from-user', user],
    [kind === 'expire' ? 'host' : 'from-host', host],
    ['contact', contact],
  ].find(([, v]) => v === undefined);
  if (missing) return err({ code: 'missing-header', message: `${event.subclass ?? ''} event without ${missing[0] as string}` });
  return ok({
    kind,
    profile: profile as string,
    user: user as string,
    host: host as string,
    contact: contact as string,
    contactUri: contactUrl(contact as string),
    networkIp: kind === 'register' ? get('network-ip') : undefined,
    networkPort: kind === 'register' ? portOf(get('network-port')) : undefined,
    userAgent: get('user-agent'),
    callId: get('call-id'),
    expires: wholeOf(get('expires')),
    username: get('username'),
    realm: get('realm'),
    refresh: (get('update-reg') ?? '').toLowerCase() === 'true',
  });
}

function wholeOf(v: string | undefined): number | undefined {
  return v !== undefined && /^\d{1,12}$/.test(v) ? Number(v) : undefined;
}

function portOf(v: string | undefined): number | undefined {
  const n = wholeOf(v);
  return n !== undefined && n >= 1 && n <= 65535 ? n : undefined;
}
