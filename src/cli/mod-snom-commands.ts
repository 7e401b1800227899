// mod_snom's own command lines over REST: bind-key, command and api print mod_snom's reply verbatim.
import type { Command } from 'commander';
import type { CliIo } from './cli-io.js';
import { EXIT } from './cli-io.js';
import { restAction, withConnectionOptions, type CliContext } from './cli-context.js';
import { cell, field, jsonLine, list, millis } from './format.js';
import { CliError, printable } from './rest-client.js';

/** The `POST /v1/api` answer (rest-contract.md). */
export interface ApiAnswer {
  readonly reply: string;
  readonly ok: boolean;
  readonly result?: unknown;
}

/** Checks the shape of a `POST /v1/api` answer. */
export function toApiAnswer(body: unknown): ApiAnswer {
  const reply = field(body, 'reply');
  const ok = field(body, 'ok');
  if (typeof reply !== 'string' || typeof ok !== 'boolean') throw new CliError('the service\'s /v1/api answer has no reply');
  return { reply, ok, result: field(body, 'result') };
}

/** The reply as mod_snom wrote it: one line ending in LF; nothing for an empty reply (`snom_url`). */
export function wireReply(reply: string): string {
  return reply === '' ? '' : `${reply}\n`;
}

/**
 * Whether the service refused the line before running anything because of its arguments: mod_snom's usage
 * reply (`-Error …`), a value that cannot be sent, an unknown profile or API name (not: snom_command unavailable).
 */
export function refusedArguments(answer: ApiAnswer): boolean {
  const code = field(answer.result, 'code');
  return !answer.ok && field(answer.result, 'ok') === false && typeof code === 'string' && code !== 'unavailable';
}

/** The exit code of `command` and `api`: 0 for `+OK` (api: any ok reply), 2 for refused arguments, else 1. */
export function replyExitCode(answer: ApiAnswer, needOk: boolean): number {
  if (answer.ok && (!needOk || answer.reply.startsWith('+OK'))) return EXIT.ok;
  return refusedArguments(answer) ? EXIT.usage : EXIT.failure;
}

/**
 * bind-key's exit code: 2 for refused arguments, 1 for another `-ERR`; 3 for `+OK` when not every contact
 * answered 2xx (the desired state is stored and sent when the phone registers); 0 when delivered everywhere.
 */
export function bindKeyExitCode(answer: ApiAnswer): number {
  if (!answer.ok || !answer.reply.startsWith('+OK')) return refusedArguments(answer) ? EXIT.usage : EXIT.failure;
  return field(field(answer.result, 'bind'), 'delivered') === true ? EXIT.ok : EXIT.notDelivered;
}

/** One stderr line per contact of a bind-key result, or the reason nothing was sent. */
export function deliverySummary(result: unknown): string {
  const bind = field(result, 'bind');
  if (bind === undefined) return '';
  const contacts = list(bind, 'contacts');
  if (contacts.length === 0) {
    const reason = field(bind, 'reason');
    return `pending: ${typeof reason === 'string' ? printable(reason) : 'no contact'}; the key is sent when the phone registers\n`;
  }
  return contacts.map((c) => {
    const what = field(c, 'delivered') === true
      ? `delivered (${cell(field(c, 'status'))} ${cell(field(c, 'reason'))})`
      : field(c, 'status') !== undefined
        ? `failed (${cell(field(c, 'status'))} ${cell(field(c, 'reason'))})`
        : `failed (${cell(field(c, 'error'))}: ${cell(field(c, 'message'))})`;
    return `${printable(cell(field(c, 'contact')))}: ${what}, ${millis(field(c, 'latencyMs'))}\n`;
  }).join('');
}

/** `text` with every occurrence of `secret` replaced by `***` (a secret shorter than 3 characters is left alone). */
export function hideSecret(text: string, secret: string | undefined): string {
  return secret === undefined || secret.length < 3 ? text : text.split(secret).join('***');
}

async function postApi(ctx: CliContext, body: unknown): Promise<ApiAnswer> {
  return toApiAnswer(await ctx.client.json('POST', '/v1/api', body));
}

/** Registers bind-key, command and api. */
export function registerModSnomCommands(program: Command, io: CliIo): void {
  withConnectionOptions(program.command('bind-key'))
    .summary('set a key\'s light, label and action (mod_snom\'s snom_bind_key)')
    .description('Sends mod_snom\'s snom_bind_key arguments to the service and prints its reply verbatim.\n' +
      'Words beyond the 8th join the action, as in mod_snom. Put -- before arguments that start with "-".')
    .usage('[options] <key> <light> <label> <user> <host> <profile> [<action_name>] [<action>...]')
    .argument('[args...]', 'mod_snom\'s arguments')
    .option('-q, --quiet', 'no per-contact delivery summary on stderr')
    .addHelpText('after', `
Examples:
  $ snomctl bind-key 2 on DND 2000 pbx.example.com internal
  $ snomctl bind-key 2 on 'Day mode' 2000 pbx.example.com internal message api+uuid_transfer 1234 9001

stdout is exactly mod_snom's reply (+OK <args> / -ERR … / -Error …); the delivery summary goes to stderr.
Exit codes: 0 delivered to every contact; 3 accepted (+OK, stored) but not delivered everywhere yet;
2 arguments refused (-Error usage, a bad light, an unknown profile); 1 another failure.`)
    .action(restAction(io, async (ctx) => {
      const args = (ctx.args[0] ?? []) as string[];
      const answer = await postApi(ctx, { command: 'snom_bind_key', args });
      if (ctx.json) io.out(jsonLine(answer));
      else {
        io.out(wireReply(answer.reply));
        if (ctx.opts.quiet !== true) io.err(deliverySummary(answer.result));
      }
      return bindKeyExitCode(answer);
    }));

  withConnectionOptions(program.command('command'))
    .summary('press keys or run an action through a phone\'s web server (mod_snom\'s snom_command)')
    .description('Sends mod_snom\'s snom_command arguments to the service and prints its reply verbatim\n' +
      '(a password is shown as ***).')
    .usage('[options] <ip|user> <command> <type> [<username> <password>]')
    .argument('[args...]', 'mod_snom\'s arguments')
    .addHelpText('after', `
Examples:
  $ snomctl command '*/2000' key enter
  $ snomctl command 192.0.2.7 key 'enter,50,5000;cancel,50,1000'
  $ snomctl command internal/2000@pbx.example.com action reboot admin secret

Exit codes: 0 +OK; 2 arguments refused (usage, a bad target or type); 1 -ERR from the phone or another failure.`)
    .action(restAction(io, async (ctx) => {
      const args = (ctx.args[0] ?? []) as string[];
      const answer = await postApi(ctx, { command: 'snom_command', args });
      const password = args.length >= 5 ? args[args.length - 1] : undefined;
      io.out(hideSecret(ctx.json ? jsonLine(answer) : wireReply(answer.reply), password));
      return replyExitCode(answer, true);
    }));

  withConnectionOptions(program.command('api'))
    .summary('run a mod_snom command line (snom_bind_key, snom_command, snom_url)')
    .description('Sends one mod_snom API line as FreeSWITCH received it (split by the service with\n' +
      'mod_snom\'s rules: quotes, backslash escapes, ^^X separators) and prints the reply verbatim.')
    .argument('<line>', 'the whole command line, quoted once for your shell')
    .addHelpText('after', `
Examples:
  $ snomctl api 'snom_bind_key 2 on DND 2000 pbx.example.com internal'
  $ snomctl api "snom_command */2000 key enter"

Exit codes: 0 +OK (or snom_url); 2 the line was refused (usage, unknown command, bad values); 1 another -ERR or failure.`)
    .action(restAction(io, async (ctx) => {
      const line = ctx.args[0] as string;
      const answer = await postApi(ctx, { line });
      io.out(ctx.json ? jsonLine(answer) : wireReply(answer.reply));
      return replyExitCode(answer, false);
    }));
}
