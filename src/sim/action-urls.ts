// Action URLs (snom-protocol.md §4): which setting holds the URL of each event, and `$variable` expansion.
import { SnomError, err, ok, type Result } from '../util/errors.js';
import { findControlChar } from '../util/text.js';
import { curlEscape } from '../snom/command-request.js';

/**
 * The setting each event reads its URL from, named as §4 lists them (some lack the `_url` suffix there:
 * `action_reg_failed`, `action_hold`, `action_unhold`, `action_transfer`). `registration` is a successful
 * registration of an identity, which Snom calls "log on" (`action_log_on_url`); `setup` is "setup
 * finished" after a boot.
 */
export const ACTION_URL_SETTINGS = Object.freeze({
  setup: 'action_setup_url',
  registration: 'action_log_on_url',
  registration_failed: 'action_reg_failed',
  log_off: 'action_log_off_url',
  incoming: 'action_incoming_url',
  outgoing: 'action_outgoing_url',
  offhook: 'action_offhook_url',
  onhook: 'action_onhook_url',
  connected: 'action_connected_url',
  disconnected: 'action_disconnected_url',
  missed: 'action_missed_url',
  dnd_on: 'action_dnd_on_url',
  dnd_off: 'action_dnd_off_url',
  redirection_on: 'action_redirection_on_url',
  redirection_off: 'action_redirection_off_url',
  hold: 'action_hold',
  unhold: 'action_unhold',
  transfer: 'action_transfer',
} as const);

/** An event that can fire an Action URL. */
export type ActionUrlEvent = keyof typeof ACTION_URL_SETTINGS;

/** Every ActionUrlEvent, in ACTION_URL_SETTINGS order. */
export const ACTION_URL_EVENTS = Object.freeze(Object.keys(ACTION_URL_SETTINGS) as ActionUrlEvent[]);

/** Whether `value` names an ActionUrlEvent. */
export function isActionUrlEvent(value: unknown): value is ActionUrlEvent {
  return typeof value === 'string' && Object.hasOwn(ACTION_URL_SETTINGS, value);
}

/** The runtime variables of §4 (besides `$sip_header(NAME)` and setting names). */
export const ACTION_URL_VARIABLES = Object.freeze([
  'local', 'remote', 'active_url', 'active_user', 'active_host', 'call-id', 'display_local',
  'display_remote', 'active_key', 'phone_ip', 'nr_ongoing_calls', 'cancel_reason',
] as const);

/** Values of runtime variables by name without `$` (`call-id`, `remote`, …); absent ones expand to ''. */
export type ActionUrlVariables = Readonly<Partial<Record<(typeof ACTION_URL_VARIABLES)[number], string>>>;

/** What expandActionUrl substitutes besides runtime variables. */
export interface ActionUrlContext {
  /** The phone's settings; `$<name>` of any setting expands to its value (`$mac`). */
  readonly settings: Readonly<Record<string, string>>;
  /** Header values of the SIP message behind the event, for `$sip_header(NAME)` (name case-insensitive). */
  readonly sipHeaders?: Readonly<Record<string, string>>;
}

/** An Action URL that cannot be fired: not http(s), or not a URL after expansion. */
export class ActionUrlError extends SnomError<'SNOM_ERR_ACTION_URL'> {
  constructor(message: string) {
    super('SNOM_ERR_ACTION_URL', message);
    this.name = 'ActionUrlError';
  }
}

const RUNTIME = new Set<string>(ACTION_URL_VARIABLES);
const NAME_CHARS = /[A-Za-z0-9_-]/;
const SIP_HEADER = /^sip_header\(([A-Za-z0-9!%*_+`'~.-]{1,64})\)/;

/**
 * Expands `$variables` in an Action URL template (§4). At each `$`, `$sip_header(NAME)` takes the SIP
 * header's value, otherwise the longest runtime variable or setting name that starts there is replaced
 * (runtime variables win over settings of the same name; a runtime variable without a value gives '');
 * a `$` matching nothing stays as it is. Unlike a real phone, which substitutes text as it is, every value
 * is escaped with curlEscape, so a value can add no query parameter, path segment or host. The result
 * must be an absolute http or https URL without control characters. Never throws.
 */
export function expandActionUrl(
  template: string,
  vars: ActionUrlVariables,
  context: ActionUrlContext,
): Result<string, ActionUrlError> {
  if (typeof template !== 'string') return err(new ActionUrlError('the template is not a string'));
  let out = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, dollar);
    const found = variableAt(template, dollar + 1, vars, context);
    if (found === undefined) {
      out += '$';
      i = dollar + 1;
    } else {
      out += curlEscape(found.value);
      i = dollar + 1 + found.length;
    }
  }
  return checkUrl(out);
}

function variableAt(
  text: string,
  start: number,
  vars: ActionUrlVariables,
  context: ActionUrlContext,
): { value: string; length: number } | undefined {
  const header = SIP_HEADER.exec(text.slice(start, start + 80));
  if (header) {
    const wanted = header[1]!.toLowerCase();
    const entry = Object.entries(context.sipHeaders ?? {}).find(([name]) => name.toLowerCase() === wanted);
    return { value: entry?.[1] ?? '', length: header[0].length };
  }
  let end = start;
  while (end < text.length && end - start < 64 && NAME_CHARS.test(text[end]!)) end++;
  for (; end > start; end--) {
    const name = text.slice(start, end);
    if (RUNTIME.has(name)) return { value: (vars as Record<string, string | undefined>)[name] ?? '', length: name.length };
    if (Object.hasOwn(context.settings, name)) return { value: context.settings[name]!, length: name.length };
  }
  return undefined;
}

function checkUrl(text: string): Result<string, ActionUrlError> {
  const control = findControlChar(text);
  if (control) return err(new ActionUrlError(`the URL contains ${control.name}`));
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return err(new ActionUrlError('not an absolute URL'));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return err(new ActionUrlError(`scheme ${JSON.stringify(url.protocol.slice(0, 16))} is not http or https`));
  }
  return ok(text);
}

/**
 * The identity variables of §4 for identity `line`, from its settings `user_name<line>`,
 * `user_host<line>` and `user_realname<line>`: `local` (`user@host`), `active_url` (`sip:user@host`),
 * `active_user`, `active_host`, `display_local`; '' for what is not configured.
 */
export function identityVariables(settingOf: (name: string) => string | undefined, line: number): ActionUrlVariables {
  const user = settingOf(`user_name${line}`) ?? '';
  const host = settingOf(`user_host${line}`) ?? '';
  const configured = user !== '' || host !== '';
  return {
    local: host === '' ? user : `${user}@${host}`,
    active_url: configured ? `sip:${user}@${host}` : '',
    active_user: user,
    active_host: host,
    display_local: settingOf(`user_realname${line}`) ?? '',
  };
}
