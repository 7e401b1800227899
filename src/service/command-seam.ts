// The seam where `snom_command` execution (src/service/commands, written separately) plugs in.
import type { Registrar } from '../registrar/registrar.js';
import type { SnomCommandRequest } from '../snom/mod-snom-command.js';
import type { SqliteStore } from '../store/sqlite-store.js';
import type { RouteKind } from './route.js';

/** What running a `snom_command` gives: mod_snom's reply line (`+OK …` / `-ERR …`), maybe a structured result. */
export type CommandReply = string | { readonly reply: string; readonly result?: unknown };

/**
 * Runs `snom_command`. `execute` takes the parsed request (preferred); `run` the argument string or whole
 * line as typed. Either may be given; both resolve (never reject) with mod_snom's reply.
 */
export interface CommandSeam {
  execute?(request: SnomCommandRequest, options?: { readonly signal?: AbortSignal }): Promise<CommandReply>;
  run?(line: string, options?: { readonly signal?: AbortSignal }): Promise<CommandReply>;
  close?(): Promise<void>;
}

/** What a CommandSeam factory gets to resolve targets: the live registrar (`*\/user` → network IP) and the store (phones table). */
export interface CommandSeamContext {
  readonly registrar: Registrar;
  readonly store: SqliteStore;
  /** The service's domains; the first is the default domain of a target without one. */
  readonly domains: readonly string[];
  readonly profiles: readonly string[];
  /** Each profile's route kind (always given by Service; optional for hand-made contexts). */
  readonly routes?: Readonly<Record<string, RouteKind>>;
}

/** Builds the CommandSeam once the service's parts exist. */
export type CommandSeamFactory = (context: CommandSeamContext) => CommandSeam;

/** A reply as `{ reply, result }`. */
export function normalizeReply(r: CommandReply): { reply: string; result: unknown } {
  if (typeof r === 'string') return { reply: r, result: undefined };
  return { reply: String(r.reply), result: r.result };
}

/** Runs a parsed `snom_command` through the seam; `undefined` when no seam is configured. */
export async function runSnomCommand(
  seam: CommandSeam | undefined, request: SnomCommandRequest, signal?: AbortSignal,
): Promise<{ reply: string; result: unknown } | undefined> {
  if (seam === undefined) return undefined;
  const options = signal === undefined ? undefined : { signal };
  if (typeof seam.execute === 'function') return normalizeReply(await seam.execute(request, options));
  if (typeof seam.run === 'function') return normalizeReply(await seam.run(`snom_command ${request.line}`, options));
  return undefined;
}
