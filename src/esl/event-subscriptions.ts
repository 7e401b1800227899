// What the connection subscribes to (`event plain|json NAME… CUSTOM subclass…`, mod_event_socket.c
// parse_command): kept across reconnections and sent again after every login.
import type { EslEventFormat } from './connection-options.js';

const EVENT_NAME = /^[A-Z][A-Z0-9_]*$/;
const SUBCLASS = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Event names asked for; the names of one `add` call that were not subscribed before. */
export interface NewSubscriptions {
  readonly events: readonly string[];
  readonly subclasses: readonly string[];
}

/** The event names and CUSTOM subclasses subscribed so far (BACKGROUND_JOB always, for bgapi). */
export class EventSubscriptions {
  readonly #events = new Set<string>(['BACKGROUND_JOB']);
  readonly #subclasses = new Set<string>();

  /**
   * Adds names: upper-case event names (`CHANNEL_CREATE`, not `CUSTOM`) and CUSTOM subclasses
   * (`sofia::register`). Undefined (nothing added) when one is malformed; else the ones that are new.
   */
  add(names: { events?: readonly string[]; subclasses?: readonly string[] }): NewSubscriptions | undefined {
    const events = names.events ?? [];
    const subclasses = names.subclasses ?? [];
    if (!events.every((e) => EVENT_NAME.test(e) && e !== 'CUSTOM') || !subclasses.every((s) => SUBCLASS.test(s))) return undefined;
    const fresh = { events: events.filter((e) => !this.#events.has(e)), subclasses: subclasses.filter((s) => !this.#subclasses.has(s)) };
    for (const e of fresh.events) this.#events.add(e);
    for (const s of fresh.subclasses) this.#subclasses.add(s);
    return fresh;
  }

  /** Everything subscribed (what a new login asks for). */
  all(): NewSubscriptions {
    return { events: [...this.#events], subclasses: [...this.#subclasses] };
  }
}

/** The wire form of `event <format> NAME… [CUSTOM subclass…]`, or undefined when there is nothing to ask. */
export function subscriptionCommand(format: EslEventFormat, names: NewSubscriptions): Buffer | undefined {
  const words = [...names.events, ...(names.subclasses.length > 0 ? ['CUSTOM', ...names.subclasses] : [])];
  if (words.length === 0) return undefined;
  return Buffer.from(`event ${format} ${words.join(' ')}\n\n`, 'utf8');
}

/** Whether `name` is an upper-case FreeSWITCH event name (what sendevent accepts here). */
export function isEventName(name: string): boolean {
  return EVENT_NAME.test(name);
}
