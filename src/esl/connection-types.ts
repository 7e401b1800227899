// Public result and stats types of FreeswitchConnection, and the error helpers its parts share.
import { EslCommandError, type EslCommandErrorCode, type EslOutcome } from './esl-errors.js';
import type { EslHeaders } from './esl-headers.js';

/** Where the connection stands. `auth-failed` persists across retries until a login succeeds. */
export type EslConnectionState = 'disconnected' | 'connecting' | 'connected' | 'auth-failed' | 'closed';

/** Counters for /healthz and metrics. */
export interface FreeswitchConnectionStats {
  readonly state: EslConnectionState;
  readonly connectAttempts: number;
  /** Logins that succeeded. */
  readonly connects: number;
  /** Authenticated connections that ended. */
  readonly disconnects: number;
  readonly authFailures: number;
  readonly protocolErrors: number;
  readonly commandsSent: number;
  readonly commandsSucceeded: number;
  /** Answered with `-ERR`. */
  readonly commandsRejected: number;
  readonly commandsTimedOut: number;
  /** Written, then the connection dropped before the reply (outcome unknown). */
  readonly commandsLost: number;
  readonly eventsReceived: number;
  readonly eventsUndecodable: number;
  readonly listenerErrors: number;
  /** Commands waiting for a connection. */
  readonly queued: number;
  /** Commands written and not yet answered. */
  readonly inFlight: number;
  /** Epoch ms of the current login, when connected. */
  readonly connectedSince: number | undefined;
  /** Last connection-level failure, without secrets. */
  readonly lastError: string | undefined;
}

/** A `command/reply`. */
export interface EslCommandReply {
  readonly replyText: string;
  readonly headers: EslHeaders;
}

/** Per-command options. */
export interface EslCommandOptions {
  /** Overrides commandTimeoutMs. */
  readonly timeoutMs?: number;
}

/** Result of bgapi: the job's id and its output (the BACKGROUND_JOB body). */
export interface BackgroundJobResult {
  readonly jobUuid: string;
  readonly body: string;
}

/** An error value for a command, labelled without its arguments. */
export function commandFailure(code: EslCommandErrorCode, command: string, outcome: EslOutcome, message: string, jobUuid?: string): EslCommandError {
  return new EslCommandError(code, `${command}: ${message}`, { outcome, command, ...(jobUuid ? { jobUuid } : {}) });
}

/** A command refused before sending. */
export function invalidCommand(command: string, message: string): EslCommandError {
  return commandFailure('SNOM_ERR_ESL_INVALID_COMMAND', command, 'not-sent', message);
}

/** The same error, naming the bgapi job it concerns. */
export function withJobUuid(e: EslCommandError, jobUuid: string): EslCommandError {
  return new EslCommandError(e.code, e.message, { outcome: e.outcome, command: e.command, ...(e.reply !== undefined ? { reply: e.reply } : {}), jobUuid });
}
