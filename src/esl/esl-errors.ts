// Failures of Event Socket commands and of the wire format, returned as values (DESIGN.md: an ESL
// `-ERR` or a lost connection is an expected outcome, not an exception).
import { SnomError } from '../util/errors.js';

/** What became of a command that did not succeed. */
export type EslOutcome =
  /** Never written to the socket: FreeSWITCH did not see it; safe to send again. */
  | 'not-sent'
  /** Written, but no reply came (timeout, connection lost): FreeSWITCH may or may not have run it. */
  | 'unknown'
  /** FreeSWITCH answered and refused it (`-ERR …`). */
  | 'failed';

/** Stable codes of EslCommandError. */
export type EslCommandErrorCode =
  | 'SNOM_ERR_ESL_INVALID_COMMAND'
  | 'SNOM_ERR_ESL_TIMEOUT'
  | 'SNOM_ERR_ESL_CONNECTION_LOST'
  | 'SNOM_ERR_ESL_CLOSED'
  | 'SNOM_ERR_ESL_REJECTED'
  | 'SNOM_ERR_ESL_BAD_REPLY';

/**
 * A command that did not succeed. `command` names it without its arguments (`api sofia_contact`,
 * `sendevent SEND_MESSAGE`) so no secret or user data reaches logs; `reply` is FreeSWITCH's
 * `Reply-Text` for `SNOM_ERR_ESL_REJECTED`.
 */
export class EslCommandError extends SnomError<EslCommandErrorCode> {
  readonly outcome: EslOutcome;
  readonly command: string;
  readonly reply: string | undefined;
  /** Job-UUID of a `bgapi` whose result never arrived: a later BACKGROUND_JOB can be matched to it. */
  readonly jobUuid: string | undefined;

  constructor(
    code: EslCommandErrorCode,
    message: string,
    details: { outcome: EslOutcome; command: string; reply?: string; jobUuid?: string },
  ) {
    super(code, message);
    this.name = 'EslCommandError';
    this.outcome = details.outcome;
    this.command = details.command;
    this.reply = details.reply;
    this.jobUuid = details.jobUuid;
  }
}

/** Input that breaks the Event Socket framing (a frame parser or event decoder refused it). */
export class EslProtocolError extends SnomError<'SNOM_ERR_ESL_PROTOCOL'> {
  constructor(message: string) {
    super('SNOM_ERR_ESL_PROTOCOL', message);
    this.name = 'EslProtocolError';
  }
}

/** The command's verb and, for `api`/`bgapi`/`sendevent`, its first word; never the arguments. */
export function commandLabel(commandLine: string): string {
  const words = commandLine.trim().split(/\s+/u);
  const verb = (words[0] ?? '').toLowerCase();
  const first = words[1];
  if (first !== undefined && (verb === 'api' || verb === 'bgapi' || verb === 'sendevent' || verb === 'event')) {
    return `${verb} ${first.slice(0, 64)}`;
  }
  return verb.slice(0, 64);
}
