// The events a phone's Action URLs report (snom-protocol.md §4), by the names the endpoint accepts.

/**
 * Canonical event names (kebab-case, as they appear in `/v1/action-url/<event>`), one per §4 setting:
 * `registration` is `action_log_on_url` (an identity logged on), `registration-failed` is
 * `action_reg_failed`, `setup` is "setup finished" after a boot; `key` is a function key of type `url`.
 */
export const ACTION_URL_EVENT_NAMES = Object.freeze([
  'setup', 'registration', 'registration-failed', 'log-off', 'incoming', 'outgoing', 'offhook', 'onhook',
  'connected', 'disconnected', 'missed', 'dnd-on', 'dnd-off', 'redirection-on', 'redirection-off',
  'hold', 'unhold', 'transfer', 'key',
] as const);

/** One of ACTION_URL_EVENT_NAMES. */
export type ActionUrlEventName = (typeof ACTION_URL_EVENT_NAMES)[number];

/** Other spellings administrators write, after folding (lower case, `_` → `-`, `action-` and `-url` cut). */
const ALIASES: Readonly<Record<string, ActionUrlEventName>> = Object.freeze({
  'log-on': 'registration',
  logon: 'registration',
  'reg-failed': 'registration-failed',
  logoff: 'log-off',
  'function-key': 'key',
});

const NAMES: ReadonlySet<string> = new Set(ACTION_URL_EVENT_NAMES);

/**
 * The canonical name of an event as written in a URL, or undefined. Accepted: the canonical names, the
 * same with `_` for `-` (`dnd_on`, the virtual phone's spelling), any ASCII case, the §4 setting names
 * (`action_dnd_on_url`, `action_hold`) and the aliases `log-on`/`logon`, `reg-failed`, `logoff`,
 * `function-key`.
 */
export function parseActionUrlEventName(text: string): ActionUrlEventName | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 64 || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  let name = text.toLowerCase().replace(/_/g, '-');
  if (name.startsWith('action-')) name = name.slice('action-'.length);
  if (name.endsWith('-url')) name = name.slice(0, -'-url'.length);
  if (NAMES.has(name)) return name as ActionUrlEventName;
  return Object.hasOwn(ALIASES, name) ? ALIASES[name] : undefined;
}

/** The phone that called: its address (IPv4-mapped IPv6 unmapped) and, when known, its user. */
export interface ActionUrlPhone {
  readonly remoteAddress: string;
  readonly user?: string;
  readonly domain?: string;
}

/** An Action URL call as an event for the service's event stream. */
export interface ActionUrlEvent {
  readonly event: ActionUrlEventName;
  readonly phone: ActionUrlPhone;
  /** The query's parameters, decoded: the `$variables` the phone expanded (`remote`, `call-id`, …). */
  readonly variables: Readonly<Record<string, string>>;
  /** When it was received, ms since the epoch. */
  readonly at: number;
}
