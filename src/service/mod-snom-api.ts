// mod_snom's API commands over the service: the same command lines, the same replies, and a structured
// result that says what really happened.
import { KeyStateError, type KeyState } from '../snom/key-state.js';
import {
  parseModSnomCommand, type BindKeyRequest as ModSnomBindKey, type ModSnomParseError, type ModSnomRequest,
} from '../snom/mod-snom-command.js';
import { SNOM_URL_REPLY, okReply } from '../snom/mod-snom-reply.js';
import { SnomError } from '../util/errors.js';
import { runSnomCommand, type CommandSeam } from './command-seam.js';
import type { BindKeyResult } from './delivery-types.js';
import type { BindKeyRequest } from './key-service.js';

/** What happened, beyond the reply line. */
export type ApiOutcome =
  | { readonly command: 'snom_bind_key'; readonly ok: true; readonly bind: BindKeyResult }
  | { readonly command: 'snom_command'; readonly ok: boolean; readonly result: unknown }
  | { readonly command: 'snom_url'; readonly ok: true }
  /** The line was refused before anything ran (mod_snom's usage/parse errors, validation, unknown profile). */
  | { readonly command: string; readonly ok: false; readonly code: string; readonly message: string };

/** The reply mod_snom would have written (without its LF; see toWireReply) and the structured outcome. */
export interface ApiResult {
  readonly reply: string;
  readonly result: ApiOutcome;
}

/** What the API needs from the service. */
export interface ModSnomApiParts {
  readonly bindKey: (req: BindKeyRequest) => Promise<BindKeyResult>;
  readonly commands: () => CommandSeam | undefined;
}

/** The key state a `snom_bind_key` line asks for (mod_snom: `a=` is the action name, `n=` the action). */
export function bindKeyState(req: ModSnomBindKey): KeyState {
  const base = { key: req.key, light: req.light, label: req.label } as unknown as KeyState;
  return req.actionName !== undefined && req.action !== undefined
    ? ({ ...base, action: req.actionName, number: req.action } as unknown as KeyState)
    : base;
}

/**
 * Runs mod_snom command lines. Differences from mod_snom, deliberate: a `snom_bind_key` whose values
 * cannot be sent (an unknown light, a control character, an unknown profile) answers `-ERR <why>` instead
 * of mod_snom's unconditional `+OK` (nothing is persisted or sent then); an accepted one answers
 * `+OK <args>` exactly as mod_snom, and the result carries every contact's real answer. `snom_command`
 * without a configured command runner answers `-ERR snom_command is not available`.
 */
export class ModSnomApi {
  readonly #p: ModSnomApiParts;

  constructor(parts: ModSnomApiParts) {
    this.#p = parts;
  }

  /** Parses and runs a full line (`snom_bind_key 2 on DND 2000 pbx.example internal`). */
  async line(line: string, signal?: AbortSignal): Promise<ApiResult> {
    const parsed = parseModSnomCommand(typeof line === 'string' ? line : '');
    if (!parsed.ok) return refused(commandName(line), parsed.error);
    return this.execute(parsed.value, signal);
  }

  /** Runs a parsed request. */
  async execute(request: ModSnomRequest, signal?: AbortSignal): Promise<ApiResult> {
    switch (request.command) {
      case 'snom_url':
        return { reply: SNOM_URL_REPLY, result: { command: 'snom_url', ok: true } };
      case 'snom_command': {
        const out = await runSnomCommand(this.#p.commands(), request, signal);
        if (out === undefined) {
          const message = 'snom_command is not available';
          return { reply: `-ERR ${message}`, result: { command: 'snom_command', ok: false, code: 'unavailable', message } };
        }
        return { reply: out.reply, result: { command: 'snom_command', ok: out.reply.startsWith('+OK'), result: out.result } };
      }
      case 'snom_bind_key':
        return this.#bindKey(request);
    }
  }

  async #bindKey(request: ModSnomBindKey): Promise<ApiResult> {
    try {
      const bind = await this.#p.bindKey({
        profile: request.profile, user: request.user, host: request.host, keys: [bindKeyState(request)],
      });
      return { reply: okReply(request.echoLine), result: { command: 'snom_bind_key', ok: true, bind } };
    } catch (error) {
      if (!(error instanceof SnomError)) throw error;
      // one key state: its position in the document says nothing
      const message = error instanceof KeyStateError ? `${error.subject} ${error.problem}` : error.message;
      return { reply: `-ERR ${message}`, result: { command: 'snom_bind_key', ok: false, code: String(error.code), message } };
    }
  }
}

function refused(command: string, e: ModSnomParseError): ApiResult {
  return { reply: e.reply, result: { command, ok: false, code: e.code, message: e.reply } };
}

function commandName(line: unknown): string {
  if (typeof line !== 'string') return '';
  return line.trim().split(' ', 1)[0]!.toLowerCase();
}
