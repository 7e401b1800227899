// Requests to a Snom phone's web server (`command.htm` and friends, snom-protocol.md §1.4 and §3).
// Every builder validates its input and returns the path and query to append to `http(s)://host[:port]`;
// nothing a caller passes can add a query parameter or change the path.
import { SnomError, err, ok, type Result } from '../util/errors.js';
import { findControlChar } from '../util/text.js';
import { parseKeySequence, formatKeySequence, type KeyEvent, type KeySequenceError } from './key-sequence.js';

/** Which operation a request performs (for logs and metrics). */
export type CommandKind =
  | 'key'
  | 'action'
  | 'dial'
  | 'dtmf'
  | 'release-all-calls'
  | 'log-off-all'
  | 'reregister'
  | 'log-off-line'
  | 'play-ringer'
  | 'setting'
  | 'screenshot';

/** A GET request for the phone: `pathAndQuery` is `path` plus `?query` when the query is not empty. */
export interface CommandRequest {
  readonly kind: CommandKind;
  readonly path: string;
  /** The query without its `?`; already escaped; '' when there is none. */
  readonly query: string;
  readonly pathAndQuery: string;
}

/** A builder argument the phone would not accept or that could change the request. */
export class CommandRequestError extends SnomError<'SNOM_ERR_INVALID_COMMAND_REQUEST'> {
  /** The argument concerned (`number`, `outgoingUri`, `digits`, `line`, `ringer`, `name`, `value`, `action`). */
  readonly field: string;

  constructor(field: string, message: string) {
    super('SNOM_ERR_INVALID_COMMAND_REQUEST', `${field}: ${message}`);
    this.name = 'CommandRequestError';
    this.field = field;
  }
}

/** mod_snom's `snom_command … action <type>` names. */
export const SNOM_ACTIONS = Object.freeze(['reboot', 'reset', 'dialeddel', 'misseddel', 'receiveddel'] as const);

/** One of SNOM_ACTIONS. */
export type SnomAction = (typeof SNOM_ACTIONS)[number];

/** Lines a phone may have for REREGISTER / LOGOFFLINE (snom-protocol.md §3). */
export const MAX_LINE = 12;
/**
 * Highest ringer number for PLAY_RINGER. Snom phones ship Ringer1–Ringer10; 99 leaves room for models
 * with more while keeping the value a small integer.
 */
export const MAX_RINGER = 99;
/** Length bounds for free-text values; far above any real number, URI or setting sent this way. */
export const COMMAND_TEXT_LIMITS = Object.freeze({ number: 256, outgoingUri: 512, settingName: 64, settingValue: 2048, dtmf: 64 });

const HEX = '0123456789ABCDEF';

/**
 * Percent-escapes text exactly as libcurl's `curl_easy_escape` (what mod_snom used): every UTF-8 byte
 * except ALPHA, DIGIT, `-`, `.`, `_` and `~` becomes `%XX` with upper-case hex. Lone surrogates are
 * encoded as U+FFFD (builders reject them before this).
 */
export function curlEscape(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const unreserved =
      (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) ||
      byte === 0x2d || byte === 0x2e || byte === 0x5f || byte === 0x7e;
    out += unreserved ? String.fromCharCode(byte) : `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

function request(kind: CommandKind, path: string, query: string): CommandRequest {
  return { kind, path, query, pathAndQuery: query === '' ? path : `${path}?${query}` };
}

const LONE_SURROGATE = /\p{Cs}/u;

/** Checks free text that will be escaped: a string, bounded, no control characters or lone surrogates. */
function checkText(
  field: string,
  value: unknown,
  limit: number,
  options: { allowEmpty?: boolean; allowSpace?: boolean } = {},
): CommandRequestError | undefined {
  if (typeof value !== 'string') return new CommandRequestError(field, 'must be a string');
  if (value.length === 0 && !options.allowEmpty) return new CommandRequestError(field, 'must not be empty');
  if (value.length > limit) return new CommandRequestError(field, `longer than ${limit} characters`);
  const control = findControlChar(value);
  if (control) return new CommandRequestError(field, `contains ${control.name} at ${control.index}`);
  if (LONE_SURROGATE.test(value)) return new CommandRequestError(field, 'contains an unpaired UTF-16 surrogate');
  if (!options.allowSpace && value.includes(' ')) return new CommandRequestError(field, 'must not contain spaces');
  return undefined;
}

function checkInteger(field: string, value: unknown, min: number, max: number): CommandRequestError | undefined {
  return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max
    ? undefined
    : new CommandRequestError(field, `must be a whole number from ${min} to ${max}`);
}

/**
 * `GET /command.htm?key=<sequence>`: presses a key or runs a key sequence (`enter,50,5000;cancel`).
 * A string is validated with parseKeySequence and sent as written (key case kept, like mod_snom); events
 * are formatted first. The whole text is escaped with curlEscape, as mod_snom did (`;` → `%3B`,
 * `,` → `%2C`, `#` → `%23`, `*` → `%2A`).
 */
export function buildKeyRequest(sequence: string | readonly KeyEvent[]): Result<CommandRequest, KeySequenceError> {
  let text: string;
  if (typeof sequence === 'string') {
    const parsed = parseKeySequence(sequence);
    if (!parsed.ok) return parsed;
    text = sequence;
  } else {
    const formatted = formatKeySequence(sequence);
    if (!formatted.ok) return formatted;
    text = formatted.value;
  }
  return ok(request('key', '/command.htm', `key=${curlEscape(text)}`));
}

/** Parses an action name case-insensitively (mod_snom compared with strcasecmp). */
export function parseSnomAction(text: string): SnomAction | undefined {
  if (typeof text !== 'string') return undefined;
  const lower = text.toLowerCase();
  return SNOM_ACTIONS.find((a) => a === lower);
}

/** How `dialeddel`/`misseddel`/`receiveddel` are sent: `=0` (mod_snom, older firmware) or `=clear` (newer). */
export type ListClearValue = '0' | 'clear';

/**
 * mod_snom's actions: reboot → `/advanced_update.htm?reboot=Reboot`, reset → `…?reset=Reset`,
 * dialeddel|misseddel|receiveddel → `/index.htm?<action>=0` (or `=clear` with `listClearValue`).
 * The action name is matched case-insensitively and sent in lower case, the phone's form field names.
 */
export function buildActionRequest(
  action: string,
  options: { listClearValue?: ListClearValue } = {},
): Result<CommandRequest, CommandRequestError> {
  const name = parseSnomAction(action);
  if (name === undefined) {
    return err(new CommandRequestError('action', `not supported (supported actions are ${SNOM_ACTIONS.join(', ')})`));
  }
  const clear = options.listClearValue ?? '0';
  if (clear !== '0' && clear !== 'clear') return err(new CommandRequestError('listClearValue', "must be '0' or 'clear'"));
  switch (name) {
    case 'reboot':
      return ok(request('action', '/advanced_update.htm', 'reboot=Reboot'));
    case 'reset':
      return ok(request('action', '/advanced_update.htm', 'reset=Reset'));
    default:
      return ok(request('action', '/index.htm', `${name}=${clear}`));
  }
}

/**
 * `GET /command.htm?number=<N>[&outgoing_uri=<URI>]`: dials. Both values are escaped (curlEscape); spaces
 * and control characters are refused. The phone answers 302 to index.htm on success.
 */
export function buildDialRequest(
  number: string,
  options: { outgoingUri?: string } = {},
): Result<CommandRequest, CommandRequestError> {
  const bad = checkText('number', number, COMMAND_TEXT_LIMITS.number);
  if (bad) return err(bad);
  let query = `number=${curlEscape(number)}`;
  if (options.outgoingUri !== undefined) {
    const badUri = checkText('outgoingUri', options.outgoingUri, COMMAND_TEXT_LIMITS.outgoingUri);
    if (badUri) return err(badUri);
    query += `&outgoing_uri=${curlEscape(options.outgoingUri)}`;
  }
  return ok(request('dial', '/command.htm', query));
}

const DTMF = /^[0-9*#ABCD]+$/;

/** `GET /command.htm?key_dtmf=<digits>`: sends DTMF in the active call; digits are `0-9 * # A B C D`. */
export function buildDtmfRequest(digits: string): Result<CommandRequest, CommandRequestError> {
  if (typeof digits !== 'string' || !DTMF.test(digits)) {
    return err(new CommandRequestError('digits', 'must be one or more of 0-9 * # A B C D'));
  }
  if (digits.length > COMMAND_TEXT_LIMITS.dtmf) {
    return err(new CommandRequestError('digits', `longer than ${COMMAND_TEXT_LIMITS.dtmf} characters`));
  }
  return ok(request('dtmf', '/command.htm', `key_dtmf=${curlEscape(digits)}`));
}

/** `GET /command.htm?RELEASE_ALL_CALLS`: hangs up every call. */
export function buildReleaseAllCallsRequest(): CommandRequest {
  return request('release-all-calls', '/command.htm', 'RELEASE_ALL_CALLS');
}

/** `GET /command.htm?LOGOFFALL`: logs every identity off. */
export function buildLogOffAllRequest(): CommandRequest {
  return request('log-off-all', '/command.htm', 'LOGOFFALL');
}

/** `GET /command.htm?REREGISTER=<line>` or `?LOGOFFLINE=<line>`, line 1..12. */
export function buildLineRequest(
  command: 'REREGISTER' | 'LOGOFFLINE',
  line: number,
): Result<CommandRequest, CommandRequestError> {
  if (command !== 'REREGISTER' && command !== 'LOGOFFLINE') {
    return err(new CommandRequestError('command', 'must be REREGISTER or LOGOFFLINE'));
  }
  const bad = checkInteger('line', line, 1, MAX_LINE);
  if (bad) return err(bad);
  return ok(request(command === 'REREGISTER' ? 'reregister' : 'log-off-line', '/command.htm', `${command}=${line}`));
}

/**
 * `GET /line_login.htm?PLAY_RINGER:<n>=+Ringer`: plays ringer n (1..99). Sent literally: the firmware
 * matches this exact text (the `:` is legal in a query and `+` is the form encoding of the button's
 * leading space), and the only variable part is a validated integer, so nothing needs escaping.
 */
export function buildPlayRingerRequest(ringer: number): Result<CommandRequest, CommandRequestError> {
  const bad = checkInteger('ringer', ringer, 1, MAX_RINGER);
  if (bad) return err(bad);
  return ok(request('play-ringer', '/line_login.htm', `PLAY_RINGER:${ringer}=+Ringer`));
}

const SETTING_NAME = /^[a-z0-9_]+$/;

/**
 * `GET /dummy.htm?settings=save&<name>=<value>`: sets one setting. `name` is a Snom settings identifier
 * (`[a-z0-9_]+`, e.g. `user_realname1`); `value` may be empty or hold spaces and any printable text, and
 * is escaped (curlEscape). Error messages never repeat the value (settings include passwords).
 */
export function buildSettingRequest(name: string, value: string): Result<CommandRequest, CommandRequestError> {
  if (typeof name !== 'string' || !SETTING_NAME.test(name) || name.length > COMMAND_TEXT_LIMITS.settingName) {
    return err(new CommandRequestError('name', `must be 1 to ${COMMAND_TEXT_LIMITS.settingName} of a-z 0-9 _`));
  }
  const bad = checkText('value', value, COMMAND_TEXT_LIMITS.settingValue, { allowEmpty: true, allowSpace: true });
  if (bad) return err(bad);
  return ok(request('setting', '/dummy.htm', `settings=save&${name}=${curlEscape(value)}`));
}

/** `GET /screen.bmp`: a screenshot of the phone's display. */
export function buildScreenshotRequest(): CommandRequest {
  return request('screenshot', '/screen.bmp', '');
}
