// The Snom web pages the virtual phone serves (snom-protocol.md §3), as pure functions of the query.
import type { SnomError, Result } from '../../util/errors.js';
import { ok } from '../../util/errors.js';
import type { PhoneState } from '../phone-state.js';
import type { CallListName } from '../phone-state-types.js';
import { queryValue, type QueryParam } from './query.js';
import { renderScreen } from './screen-bmp.js';

/** What a page answers; `after` runs once the answer has been sent (a reboot must not cut it off). */
export interface PageResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
  readonly after?: () => void;
}

/** A Snom page: the query's parameters in order, and the phone. */
export type SnomPage = (params: readonly QueryParam[], state: PhoneState) => PageResponse;

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** A minimal HTML page with a title and one paragraph (both escaped). */
export function htmlPage(status: number, title: string, message: string, headers: Record<string, string> = {}): PageResponse {
  const body = `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
    `<body><p>${escapeHtml(message)}</p></body></html>\n`;
  return { status, headers: { 'Content-Type': 'text/html; charset=utf-8', ...headers }, body };
}

function failed(error: SnomError): PageResponse {
  return htmlPage(400, 'Error', error.message);
}

/** A line number as the phone reads it: one or two digits; anything else becomes NaN (refused later). */
function lineNumber(value: string): number {
  return /^[0-9]{1,2}$/.test(value) ? Number(value) : NaN;
}

/**
 * `/command.htm`: runs each known parameter in order and stops at the first bad one (400, earlier ones
 * stay done): `key=<sequence>` (queued, pressed after the answer; an unknown key or bad time gives
 * 400), `number=<N>[&outgoing_uri=<URI>]` (dials; answers 302 `Location: /index.htm`), `key_dtmf=`,
 * `RELEASE_ALL_CALLS`, `REREGISTER=<n>`, `LOGOFFLINE=<n>`, `LOGOFFALL`, `touch=`. Unknown parameters
 * are ignored, as a web form would; without any the page answers 200.
 */
export const commandPage: SnomPage = (params, state) => {
  let dialled = false;
  for (const { name, value = '' } of params) {
    let result: Result<unknown, SnomError>;
    switch (name) {
      case 'key':
        result = state.pressKeys(value, 'http');
        break;
      case 'number':
        result = state.dial(value, { outgoingUri: queryValue(params, 'outgoing_uri'), source: 'http' });
        dialled ||= result.ok;
        break;
      case 'key_dtmf':
        result = state.sendDtmf(value, 'http');
        break;
      case 'RELEASE_ALL_CALLS':
        result = ok(state.releaseAllCalls('http'));
        break;
      case 'REREGISTER':
        result = state.reregister(lineNumber(value), 'http');
        break;
      case 'LOGOFFLINE':
        result = state.logOff(lineNumber(value), 'http');
        break;
      case 'LOGOFFALL':
        result = state.logOff('all', 'http');
        break;
      case 'touch':
        result = state.touch(value, 'http');
        break;
      default:
        continue;
    }
    if (!result.ok) return failed(result.error);
  }
  return dialled ? htmlPage(302, 'Moved', 'Dialling.', { Location: '/index.htm' }) : htmlPage(200, 'Command', 'OK');
};

/** `/advanced_update.htm?reboot=Reboot` / `?reset=Reset`: answers 200, then reboots or resets. */
export const advancedUpdatePage: SnomPage = (params, state) => {
  if (queryValue(params, 'reboot') !== undefined) return { ...htmlPage(200, 'Reboot', 'Rebooting...'), after: () => state.reboot('http') };
  if (queryValue(params, 'reset') !== undefined) return { ...htmlPage(200, 'Reset', 'Resetting...'), after: () => state.reset('http') };
  return htmlPage(200, 'Advanced', 'Advanced settings');
};

const LIST_PARAMS: Readonly<Record<string, CallListName>> = { dialeddel: 'dialed', misseddel: 'missed', receiveddel: 'received' };

/** `/index.htm?dialeddel=0|clear` (also `misseddel`, `receiveddel`): empties the list; other values 400. */
export const indexPage: SnomPage = (params, state) => {
  for (const { name, value } of params) {
    const list = LIST_PARAMS[name];
    if (list === undefined) continue;
    if (value !== '0' && value !== 'clear') return htmlPage(400, 'Error', `${name}: must be 0 or clear`);
    state.clearList(list, 'http');
  }
  return htmlPage(200, 'Snom', 'Virtual Snom phone');
};

/**
 * `/dummy.htm?settings=save&<name>=<value>…`: stores every other parameter as a setting (a bare name
 * stores ''; the last of a repeated name wins); a bad name or value stores nothing and answers 400.
 * Without `settings=save` nothing is stored.
 */
export const dummyPage: SnomPage = (params, state) => {
  if (queryValue(params, 'settings') !== 'save') return htmlPage(200, 'Settings', 'Nothing saved');
  const entries: Record<string, string> = {};
  for (const { name, value } of params) if (name !== 'settings') entries[name] = value ?? '';
  const saved = state.saveSettings(entries, 'http');
  return saved.ok ? htmlPage(200, 'Settings', 'Saved') : failed(saved.error);
};

/** `/line_login.htm?PLAY_RINGER:<n>=+Ringer`: plays ringer n (recorded); a bad n answers 400. */
export const lineLoginPage: SnomPage = (params, state) => {
  for (const { name } of params) {
    if (!name.startsWith('PLAY_RINGER:')) continue;
    const n = name.slice('PLAY_RINGER:'.length);
    const played = state.playRinger(/^[0-9]{1,2}$/.test(n) ? Number(n) : NaN, 'http');
    if (!played.ok) return failed(played.error);
  }
  return htmlPage(200, 'Identity', 'OK');
};

/** `/screen.bmp`: a 24-bit BMP of the key LEDs (renderScreen). */
export const screenPage: SnomPage = (_params, state) => ({
  status: 200,
  headers: { 'Content-Type': 'image/bmp', 'Cache-Control': 'no-store' },
  body: renderScreen(state.functionKeys()),
});

/** The Snom pages by path. */
export const SNOM_PAGES: ReadonlyMap<string, SnomPage> = new Map([
  ['/command.htm', commandPage],
  ['/advanced_update.htm', advancedUpdatePage],
  ['/index.htm', indexPage],
  ['/dummy.htm', dummyPage],
  ['/line_login.htm', lineLoginPage],
  ['/screen.bmp', screenPage],
]);
