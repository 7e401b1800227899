import { err, ok, type Result } from '../util/errors.js';
import { parseCommandTarget, type CommandTarget, type CommandTargetError } from './command-target.js';
import {
  BIND_KEY_USAGE_REPLY,
  COMMAND_USAGE_REPLY,
  ONLY_KEY_OR_ACTION_REPLY,
  REDACTED,
  SNOM_COMMAND_ACTIONS,
  actionNotSupportedReply,
  commandNotFoundReply,
  notRegisteredReply,
  redactCommandLine,
} from './mod-snom-reply.js';
import { separateString, stripApiWhitespace } from './separate-string.js';

/**
 * mod_snom's API grammar (snom-protocol.md §1.2, §1.4, §1.5), checked in mod_snom's order and
 * answering with its exact error replies. Values are returned as plain strings: keys, lights and
 * labels are validated later by the service, which decides what reaches the wire.
 *
 * Accepted input, as FreeSWITCH accepted it:
 * - a full line `snom_bind_key 2 on DND 2000 pbx.example internal`: the API name ends at the first
 *   space (blanks before it are ignored) and is case-insensitive (FreeSWITCH's API table ignores
 *   case); an unknown name gets the Event Socket's `-ERR <name> Command not found!`;
 * - or the arguments alone: `parseBindKeyArgs` / `parseSnomCommandArgs` / `parseSnomUrlArgs`;
 * - argument strings are stripped of blanks (space, TAB, CR, LF, VT) at both ends, as
 *   `switch_api_execute` did, then split by `separateString` (8 slots for `snom_bind_key`, 5 for
 *   `snom_command`); a `readonly string[]` is taken as already split (a shell's argv), extra elements
 *   joining the last slot with single spaces.
 *
 * Differences from mod_snom, all deliberate:
 * - `snom_command` with no arguments gets the usage reply; mod_snom wrote nothing (over the Event
 *   Socket: `-ERR no reply`).
 * - an unsupported action is refused at parse time; mod_snom first resolved a user target, so for an
 *   unregistered user it said `not registered` instead.
 * - targets mod_snom would have sent to `sofia_contact` but that cannot be a SIP user spec (see
 *   `parseCommandTarget`) are refused with the reply mod_snom gave for them: `not registered`.
 */

/** `snom_bind_key <key> <light> <label> <user> <host> <profile> [<action_name> <action>]`, parsed. */
export interface BindKeyRequest {
  readonly command: 'snom_bind_key';
  readonly key: string;
  readonly light: string;
  readonly label: string;
  readonly user: string;
  readonly host: string;
  readonly profile: string;
  /** Present only with `action`: with exactly 7 arguments mod_snom silently dropped the action name. */
  readonly actionName?: string;
  readonly action?: string;
  /** The argument string mod_snom echoed in `+OK <line>`. */
  readonly line: string;
  /** The same, safe to echo (identical here: no secret). */
  readonly echoLine: string;
}

/** One of {@link SNOM_COMMAND_ACTIONS}. */
export type SnomCommandAction = (typeof SNOM_COMMAND_ACTIONS)[number];

interface SnomCommandFields {
  readonly command: 'snom_command';
  readonly target: CommandTarget;
  readonly username?: string;
  readonly password?: string;
  /** The argument string mod_snom echoed in `+OK <line>` / `-ERR <line> [HTTP:n]`, password included. */
  readonly line: string;
  /** `line` with the password replaced by `***`: what this project echoes. */
  readonly echoLine: string;
}

/** `snom_command <ip|user> key|action <type> [<username> <password>]`, parsed. */
export type SnomCommandRequest = SnomCommandFields &
  (
    | { readonly kind: 'key'; /** The key sequence as given (`enter,50,5000;cancel,50,1000`). */ readonly type: string }
    | { readonly kind: 'action'; /** Lower-cased. */ readonly type: SnomCommandAction }
  );

/** `snom_url`: accepted and ignored, as mod_snom did. */
export interface SnomUrlRequest {
  readonly command: 'snom_url';
  readonly line: string;
  readonly echoLine: string;
}

/** Any parsed mod_snom API call. */
export type ModSnomRequest = BindKeyRequest | SnomCommandRequest | SnomUrlRequest;

/** A refused call: a stable code and mod_snom's exact reply line (without its LF; see `toWireReply`). */
export interface ModSnomParseError {
  readonly code: 'unknown-command' | 'usage' | 'unsupported-command' | 'bad-target' | 'unsupported-action';
  readonly reply: string;
  /** Why the target was refused, for `bad-target`. */
  readonly targetError?: CommandTargetError;
}

/** The three API names mod_snom registered. */
export const MOD_SNOM_COMMANDS = ['snom_bind_key', 'snom_command', 'snom_url'] as const;
/** One of {@link MOD_SNOM_COMMANDS}. */
export type ModSnomCommandName = (typeof MOD_SNOM_COMMANDS)[number];

/** Argument slots of `snom_bind_key` (`char *argv[8]`). */
export const BIND_KEY_MAX_ARGS = 8;
/** Argument slots of `snom_command` (`char *argv[5]`). */
export const SNOM_COMMAND_MAX_ARGS = 5;

type Args = string | readonly string[];
type ParseResult<T> = Result<T, ModSnomParseError>;

/** Parses a full API line (`snom_bind_key …`, `snom_command …`, `snom_url …`); never throws. */
export function parseModSnomCommand(line: string): ParseResult<ModSnomRequest> {
  const text = stripApiWhitespace(cutAtNul(String(line)));
  const space = text.indexOf(' ');
  const name = space === -1 ? text : text.slice(0, space);
  return parseModSnomApiCall(name, space === -1 ? '' : text.slice(space + 1));
}

/** Parses a call given as API name and argument string, as the Event Socket splits `api <name> <args>`. */
export function parseModSnomApiCall(name: string, args: Args): ParseResult<ModSnomRequest> {
  const api = stripApiWhitespace(cutAtNul(String(name)));
  switch (asciiLower(api)) {
    case 'snom_bind_key':
      return parseBindKeyArgs(args);
    case 'snom_command':
      return parseSnomCommandArgs(args);
    case 'snom_url':
      return parseSnomUrlArgs(args);
    default:
      return err({ code: 'unknown-command', reply: commandNotFoundReply(api) });
  }
}

/** Parses `snom_bind_key`'s arguments: 6–8 of them, else `-Error <usage>`. */
export function parseBindKeyArgs(args: Args): ParseResult<BindKeyRequest> {
  const { argv, line } = separate(args, BIND_KEY_MAX_ARGS);
  if (argv.length < 6) return err({ code: 'usage', reply: BIND_KEY_USAGE_REPLY });
  const [key, light, label, user, host, profile, actionName, action] = argv as [
    string, string, string, string, string, string, string?, string?,
  ];
  const base = { command: 'snom_bind_key', key, light, label, user, host, profile } as const;
  const withAction = action !== undefined && actionName !== undefined ? { actionName, action } : {};
  return ok({ ...base, ...withAction, line, echoLine: line });
}

/** Parses `snom_command`'s arguments: exactly 3 or 5, `key`/`action`, a valid target and action. */
export function parseSnomCommandArgs(args: Args): ParseResult<SnomCommandRequest> {
  const { argv, line } = separate(args, SNOM_COMMAND_MAX_ARGS);
  if (argv.length !== 3 && argv.length !== 5) return err({ code: 'usage', reply: COMMAND_USAGE_REPLY });
  const [spec, command, type, username, password] = argv as [string, string, string, string?, string?];
  const kind = asciiLower(command);
  if (kind !== 'key' && kind !== 'action') return err({ code: 'unsupported-command', reply: ONLY_KEY_OR_ACTION_REPLY });

  const target = parseCommandTarget(spec);
  if (!target.ok) return err({ code: 'bad-target', reply: notRegisteredReply(spec), targetError: target.error });

  const credentials = username !== undefined && password !== undefined ? { username, password } : {};
  let echoLine = line;
  if (password !== undefined) {
    echoLine = typeof args === 'string' ? redactCommandLine(line) : [...argv.slice(0, 4), REDACTED].join(' ');
  }
  const fields = { command: 'snom_command', target: target.value, ...credentials, line, echoLine } as const;
  if (kind === 'key') return ok({ ...fields, kind, type });

  const action = SNOM_COMMAND_ACTIONS.find((a) => a === asciiLower(type));
  if (action === undefined) return err({ code: 'unsupported-action', reply: actionNotSupportedReply(type) });
  return ok({ ...fields, kind, type: action });
}

/** Parses `snom_url`'s arguments: anything; mod_snom ignored them and wrote nothing. */
export function parseSnomUrlArgs(args: Args): ParseResult<SnomUrlRequest> {
  const { line } = separate(args, 1);
  return ok({ command: 'snom_url', line, echoLine: line });
}

/** FreeSWITCH's argument preparation: NUL cut, blanks stripped, split into at most `max` slots. */
function separate(args: Args, max: number): { argv: string[]; line: string } {
  if (typeof args !== 'string') {
    const list = args.map(String);
    const argv = list.length > max ? [...list.slice(0, max - 1), list.slice(max - 1).join(' ')] : list;
    return { argv, line: list.join(' ') };
  }
  const line = stripApiWhitespace(cutAtNul(String(args)));
  return { argv: separateString(line, max), line };
}

function cutAtNul(s: string): string {
  const i = s.indexOf('\u0000');
  return i === -1 ? s : s.slice(0, i);
}

/** `strcasecmp` folds ASCII only: `\u212Aey` (Kelvin sign) is not `key`. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}
