import type { CommandTarget } from './command-target.js';
import { separateStringDetailed } from './separate-string.js';

/**
 * mod_snom's replies, byte for byte (snom-protocol.md §1.2–§1.5, read from mod_snom.c).
 *
 * Every reply mod_snom wrote was one line ending in LF (`stream->write_function(stream, "+OK %s\n",
 * cmd)`), and that LF reached the caller: the Event Socket `api/response` body, fs_cli's output and a
 * dialplan `${snom_bind_key(...)}` expansion all carried it. The functions here return the line
 * WITHOUT the LF (what logs, REST and tests compare); {@link toWireReply} gives the exact bytes.
 *
 * `<line>` in `+OK`/`-ERR … [HTTP:n]` is the argument string as mod_snom received it: everything after
 * the command name, with blanks stripped from both ends by FreeSWITCH (not the command name itself):
 * `snom_command 192.0.2.7 key enter` → `+OK 192.0.2.7 key enter`.
 */

/** The usage text of `snom_bind_key` (`KEY_BIND_SYNTAX`). */
export const BIND_KEY_SYNTAX = '<key> <light> <label> <user> <host> <profile> <action_name> <action>';
/** The usage text of `snom_command` (`COMMAND_SYNTAX`). */
export const COMMAND_SYNTAX = '<ip|user> <command> <type> <username> <password>';
/** The actions `snom_command <target> action <type>` supports, in mod_snom's order. */
export const SNOM_COMMAND_ACTIONS = ['reboot', 'reset', 'dialeddel', 'misseddel', 'receiveddel'] as const;

/** `snom_bind_key` with fewer than 6 arguments (note `-Error`, not `-ERR`). */
export const BIND_KEY_USAGE_REPLY = `-Error ${BIND_KEY_SYNTAX}`;
/** `snom_command` with other than 3 or 5 arguments. */
export const COMMAND_USAGE_REPLY = `-ERR ${COMMAND_SYNTAX}`;
/** `snom_command` whose `<command>` is neither `key` nor `action`. */
export const ONLY_KEY_OR_ACTION_REPLY = '-ERR only key or action commands allowed at the moment';
/** `snom_url` wrote nothing (over the Event Socket that empty reply arrived as `-ERR no reply`). */
export const SNOM_URL_REPLY = '';
/** The password placeholder {@link redactCommandLine} writes. */
export const REDACTED = '***';

/** `+OK <line>`: `snom_bind_key` always; `snom_command` when the phone answered HTTP 200. */
export function okReply(line: string): string {
  return `+OK ${line}`;
}

/** `-ERR <line> [HTTP:<status>]`: `snom_command` got a final status other than 200 (0 = unreachable). */
export function errReply(line: string, httpStatus: number): string {
  const status = Number.isSafeInteger(httpStatus) ? httpStatus : 0;
  return `-ERR ${line} [HTTP:${status}]`;
}

/** `-ERR user '<target>' not registered`: the user spec resolved to no registration. */
export function notRegisteredReply(target: string | CommandTarget): string {
  return `-ERR user '${typeof target === 'string' ? target : target.spec}' not registered`;
}

/** `-ERR action '<type>' not supported (…)`: `<type>` is echoed as split, before case folding. */
export function actionNotSupportedReply(type: string): string {
  return `-ERR action '${type}' not supported (supported actions are ${SNOM_COMMAND_ACTIONS.join(', ')})`;
}

/** `-ERR <name> Command not found!`: an unknown API name, as FreeSWITCH's Event Socket answered it. */
export function commandNotFoundReply(name: string): string {
  return `-ERR ${name} Command not found!`;
}

/** The exact bytes mod_snom wrote for a reply line: the line plus LF (nothing for the empty reply). */
export function toWireReply(reply: string): string {
  return reply === '' ? '' : `${reply}\n`;
}

/**
 * Replaces the password (5th argument) of a `snom_command` argument string with `***`, keeping every
 * other byte (spacing, quotes, escapes) as written: `10.0.0.9 key enter admin 's e c'` →
 * `10.0.0.9 key enter admin ***`. Lines without a 5th argument come back unchanged. The password is
 * found with FreeSWITCH's own splitting, so it is the one the phone would have received.
 */
export function redactCommandLine(args: string): string {
  const split = separateStringDetailed(args, 5);
  const password = split.args[4];
  if (password === undefined) return args;
  let end = split.scannedLength;
  if (end === args.length && !password.value.endsWith(' ')) {
    while (end > password.start && args[end - 1] === ' ') end--;
  } else {
    end = args.length;
  }
  return `${args.slice(0, password.start)}${REDACTED}${args.slice(end)}`;
}

/**
 * As {@link redactCommandLine} for a full API line (`snom_command <args>`, any case, as on fs_cli);
 * other lines come back unchanged.
 */
export function redactApiLine(line: string): string {
  const m = /^([\t\n\v\r ]*snom_command )(.*)$/is.exec(line);
  return m ? `${m[1] as string}${redactCommandLine(m[2] as string)}` : line;
}
