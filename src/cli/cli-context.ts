// What every REST command shares: the connection options, the client, and how a failure is reported.
import { InvalidArgumentError, type Command } from 'commander';
import { EXIT, type CliIo } from './cli-io.js';
import { CliError, DEFAULT_SERVER_URL, RestClient, UsageError, printable } from './rest-client.js';

/** What a command's handler gets. */
export interface CliContext {
  readonly io: CliIo;
  readonly client: RestClient;
  /** `--json`: machine-readable stdout. */
  readonly json: boolean;
  /** The command's own options merged with the program's. */
  readonly opts: Readonly<Record<string, unknown>>;
  /** The positional arguments as commander processed them. */
  readonly args: readonly unknown[];
}

/** Adds `--server`, `--token`, `--timeout` and `--json` to `cmd`. */
export function withConnectionOptions(cmd: Command): Command {
  return cmd
    .option('--server <url>', `snomctl service URL (env SNOMCTL_URL, default ${DEFAULT_SERVER_URL})`)
    .option('--token <token>', 'API bearer token (env SNOMCTL_TOKEN; prefer the env: options show in ps)')
    .option('--timeout <ms>', 'how long to wait for the service per request', parseTimeout, 60_000)
    .option('--json', 'print the service\'s JSON answer instead of text');
}

/** The `--timeout` parser: a positive integer of milliseconds. */
export function parseTimeout(text: string): number {
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive number of milliseconds');
  return n;
}

/**
 * An action for commander: builds the context, runs `handler`, sets its exit code; an error is printed as
 * `snomctl: <message>` on stderr with exit code 2 for a UsageError, else 1.
 */
export function restAction(io: CliIo, handler: (ctx: CliContext) => Promise<number>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    let client: RestClient | undefined;
    try {
      const opts = cmd.optsWithGlobals<Record<string, unknown>>();
      const server = str(opts.server) ?? nonEmpty(io.env.SNOMCTL_URL) ?? DEFAULT_SERVER_URL;
      const token = str(opts.token) ?? nonEmpty(io.env.SNOMCTL_TOKEN);
      const timeoutMs = typeof opts.timeout === 'number' ? opts.timeout : 60_000;
      client = new RestClient({ server, timeoutMs, ...(token === undefined ? {} : { token }) });
      io.setExitCode(await handler({ io, client, json: opts.json === true, opts, args: cmd.processedArgs as unknown[] }));
    } catch (e) {
      reportError(io, e);
    } finally {
      await client?.close();
    }
  };
}

/** Prints `snomctl: <message>` and sets exit code 2 (UsageError) or 1. */
export function reportError(io: CliIo, e: unknown): void {
  const message = e instanceof CliError ? e.message : e instanceof Error ? `unexpected error: ${printable(e.message)}` : 'unexpected error';
  io.err(`snomctl: ${message}\n`);
  io.setExitCode(e instanceof UsageError ? EXIT.usage : EXIT.failure);
}

/**
 * Makes commander's own usage errors of `cmd` and its subcommands (a missing argument, an unknown option,
 * a bad option value) exit with EXIT.usage instead of commander's 1. Help and version still exit 0.
 */
export function usageErrorsExit2(cmd: Command): void {
  const error = cmd.error.bind(cmd);
  cmd.error = (message, options) => error(message, { ...options, exitCode: EXIT.usage });
  for (const sub of cmd.commands) usageErrorsExit2(sub);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
