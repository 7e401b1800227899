// One operation on a phone's web server, as data: what bulk runs, REST/CLI send, and snom_command means.
import type { PhoneAddress } from '../../phone/phone-address.js';
import type { OperationOptions, PhoneOperations, ScreenshotResult } from '../../phone/phone-operations.js';
import type { PhoneResult } from '../../phone/phone-result.js';
import {
  buildActionRequest,
  buildDialRequest,
  buildDtmfRequest,
  buildKeyRequest,
  buildLineRequest,
  buildPlayRingerRequest,
  buildSettingRequest,
  type CommandKind,
} from '../../snom/command-request.js';
import type { KeyEvent } from '../../snom/key-sequence.js';

/** An operation and its arguments (snom-protocol.md §1.4, §3). */
export type PhoneCommand =
  | { readonly kind: 'key'; readonly sequence: string | readonly KeyEvent[] }
  | { readonly kind: 'action'; readonly action: string }
  | { readonly kind: 'dial'; readonly number: string; readonly outgoingUri?: string }
  | { readonly kind: 'dtmf'; readonly digits: string }
  | { readonly kind: 'release-all-calls' }
  | { readonly kind: 'log-off-all' }
  | { readonly kind: 'reregister'; readonly line: number }
  | { readonly kind: 'log-off-line'; readonly line: number }
  | { readonly kind: 'play-ringer'; readonly ringer: number }
  | { readonly kind: 'setting'; readonly name: string; readonly value: string }
  | { readonly kind: 'screenshot' };

/** The PhoneOperations methods a CommandService calls (a PhoneOperations, or a test double). */
export type PhoneOperationsLike = Pick<
  PhoneOperations,
  'pressKeys' | 'action' | 'dial' | 'dtmf' | 'releaseAllCalls' | 'logOffAll' | 'reregister' | 'logOffLine' | 'playRinger' | 'setSetting' | 'screenshot'
>;

/** An argument the phone would refuse: which one and why (never the value: a setting may be a password). */
export interface CommandArgumentError {
  readonly field: string;
  readonly message: string;
}

const KINDS: ReadonlySet<CommandKind> = new Set<CommandKind>([
  'key', 'action', 'dial', 'dtmf', 'release-all-calls', 'log-off-all', 'reregister', 'log-off-line', 'play-ringer', 'setting', 'screenshot',
]);

/**
 * Checks a command's arguments with the request builders, so a bad argument is refused once, before
 * any phone is looked up or contacted. Undefined when the command is fine.
 */
export function checkPhoneCommand(command: PhoneCommand): CommandArgumentError | undefined {
  if (command === null || typeof command !== 'object' || !KINDS.has(command.kind)) {
    return { field: 'kind', message: `must be one of ${[...KINDS].join(', ')}` };
  }
  const built = build(command);
  if (built === undefined || built.ok) return undefined;
  const e = built.error;
  return { field: 'field' in e && typeof e.field === 'string' ? e.field : 'sequence', message: e.message };
}

function build(c: PhoneCommand): { ok: true } | { ok: false; error: Error & { field?: string } } | undefined {
  switch (c.kind) {
    case 'key':
      return buildKeyRequest(c.sequence);
    case 'action':
      return buildActionRequest(c.action);
    case 'dial':
      return buildDialRequest(c.number, c.outgoingUri === undefined ? {} : { outgoingUri: c.outgoingUri });
    case 'dtmf':
      return buildDtmfRequest(c.digits);
    case 'reregister':
      return buildLineRequest('REREGISTER', c.line);
    case 'log-off-line':
      return buildLineRequest('LOGOFFLINE', c.line);
    case 'play-ringer':
      return buildPlayRingerRequest(c.ringer);
    case 'setting':
      return buildSettingRequest(c.name, c.value);
    default:
      return undefined;
  }
}

/** Runs a command on one phone through PhoneOperations; never throws. */
export function runPhoneCommand(
  ops: PhoneOperationsLike,
  phone: PhoneAddress,
  c: PhoneCommand,
  options: OperationOptions,
): Promise<PhoneResult | ScreenshotResult> {
  switch (c.kind) {
    case 'key':
      return ops.pressKeys(phone, c.sequence, options);
    case 'action':
      return ops.action(phone, c.action, options);
    case 'dial':
      return ops.dial(phone, c.number, c.outgoingUri, options);
    case 'dtmf':
      return ops.dtmf(phone, c.digits, options);
    case 'release-all-calls':
      return ops.releaseAllCalls(phone, options);
    case 'log-off-all':
      return ops.logOffAll(phone, options);
    case 'reregister':
      return ops.reregister(phone, c.line, options);
    case 'log-off-line':
      return ops.logOffLine(phone, c.line, options);
    case 'play-ringer':
      return ops.playRinger(phone, c.ringer, options);
    case 'setting':
      return ops.setSetting(phone, c.name, c.value, options);
    case 'screenshot':
      return ops.screenshot(phone, options);
  }
}
