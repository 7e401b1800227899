// A command on its way through the connection: queued (no login yet), sent (waiting for its reply, in
// order), or done. Each settles exactly once; a reply or failure after that is ignored.
import type { EslCommandError } from './esl-errors.js';
import type { EslHeaders } from './esl-headers.js';

/** What answered a command: `command/reply` headers, or the `api/response` body. */
export type EslReply = { readonly kind: 'command'; readonly headers: EslHeaders } | { readonly kind: 'api'; readonly body: Buffer };

/** One command and where it stands. */
export interface PendingCommand {
  /** The command without its arguments (for errors and logs). */
  readonly label: string;
  /** Which reply frame answers it. */
  readonly expects: 'command' | 'api';
  readonly wire: Buffer;
  /** The connection's own (auth, event): not counted, no timer. */
  readonly internal: boolean;
  status: 'queued' | 'sent' | 'done';
  timer: NodeJS.Timeout | undefined;
  settle(reply: EslReply | EslCommandError): void;
}

/** A caller's command: settling clears its timer and resolves `resolve` once. */
export function callerCommand(
  label: string, expects: 'command' | 'api', wire: Buffer, resolve: (reply: EslReply | EslCommandError) => void,
): PendingCommand {
  const pending: PendingCommand = {
    label, expects, wire, internal: false, status: 'queued', timer: undefined,
    settle: (r) => {
      if (pending.status === 'done') return;
      pending.status = 'done';
      if (pending.timer) clearTimeout(pending.timer);
      resolve(r);
    },
  };
  return pending;
}

/** One of the connection's own commands (answered by `command/reply`). */
export function internalCommand(label: string, wire: Buffer, onReply: (reply: EslReply | EslCommandError) => void): PendingCommand {
  const pending: PendingCommand = {
    label, expects: 'command', wire, internal: true, status: 'queued', timer: undefined,
    settle: (r) => {
      if (pending.status === 'done') return;
      pending.status = 'done';
      onReply(r);
    },
  };
  return pending;
}
