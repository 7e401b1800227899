// Web-server commands through the service: press, dial and bulk (POST /v1/commands).
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { EXIT, type CliIo } from './cli-io.js';
import { restAction, withConnectionOptions, type CliContext } from './cli-context.js';
import { cell, field, jsonLine, list, millis } from './format.js';
import { printable, UsageError } from './rest-client.js';
import { runBulk } from './bulk-runner.js';

/** A `command` object of the REST contract. */
export type CommandBody =
  | { readonly kind: 'key'; readonly keys: string }
  | { readonly kind: 'action'; readonly action: string }
  | { readonly kind: 'dial'; readonly number: string }
  | { readonly kind: 'dtmf'; readonly digits: string };

/** The contract's command for `<command> <value>` (key, action, dial, dtmf); a UsageError for another name. */
export function toCommandBody(command: string, value: string): CommandBody {
  switch (command.toLowerCase()) {
    case 'key':
      return { kind: 'key', keys: value };
    case 'action':
      return { kind: 'action', action: value };
    case 'dial':
      return { kind: 'dial', number: value };
    case 'dtmf':
      return { kind: 'dtmf', digits: value };
    default:
      throw new UsageError(`unknown command '${printable(command)}': expected key, action, dial or dtmf`);
  }
}

/** Credentials for the phone's web server: `--username` and the SNOMCTL_PHONE_PASSWORD env. */
export function credentials(ctx: CliContext): { username?: string; password?: string } {
  const username = ctx.opts.username;
  if (typeof username !== 'string') return {};
  const password = ctx.io.env.SNOMCTL_PHONE_PASSWORD;
  return password === undefined ? { username } : { username, password };
}

/** One line per phone of a TargetOutcome (`ok`/`FAIL`, URL, HTTP status, latency, why). */
export function outcomeText(outcome: unknown): string {
  const error = field(outcome, 'error');
  const lines = list(outcome, 'results').map((r) => {
    const message = field(r, 'message');
    return `${field(r, 'ok') === true ? 'ok  ' : 'FAIL'}  ${cell(field(field(r, 'phone'), 'url'))}  HTTP ${cell(field(r, 'status'))}  ${millis(field(r, 'latencyMs'))}` +
      (typeof message === 'string' ? `  ${message}` : '');
  });
  if (error !== undefined) lines.push(`FAIL  ${cell(field(outcome, 'target'))}: ${cell(field(error, 'message'))}`);
  if (lines.length === 0) lines.push(`FAIL  ${cell(field(outcome, 'target'))}: no phone`);
  return lines.map((l) => `${printable(l)}\n`).join('');
}

async function sendOne(ctx: CliContext, target: string, command: CommandBody): Promise<number> {
  const outcome = await ctx.client.json('POST', '/v1/commands', { target, command, ...credentials(ctx) });
  ctx.io.out(ctx.json ? jsonLine(outcome) : outcomeText(outcome));
  return field(outcome, 'ok') === true ? EXIT.ok : EXIT.failure;
}

function parseConcurrency(text: string): number {
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || n < 1 || n > 64) throw new InvalidArgumentError('expected a number from 1 to 64');
  return n;
}

const CREDENTIALS_HELP = 'the phone web login (the password comes from the SNOMCTL_PHONE_PASSWORD env)';

/** Registers press, dial and bulk. */
export function registerPhoneCommandCommands(program: Command, io: CliIo): void {
  withConnectionOptions(program.command('press'))
    .summary('press keys on a phone (command.htm?key=…)')
    .argument('<target>', 'an IP or host name, */user, */user@domain or profile/user@domain')
    .argument('<keys>', 'a key or key sequence (KEY[,hold ms[,pause ms]];…)')
    .option('--username <name>', CREDENTIALS_HELP)
    .addHelpText('after', `
Examples:
  $ snomctl press '*/2000' enter
  $ snomctl press 192.0.2.7 'enter,50,5000;cancel,50,1000'

Exit codes: 0 every phone answered with success; 2 bad arguments; 1 otherwise.`)
    .action(restAction(io, (ctx) => sendOne(ctx, ctx.args[0] as string, { kind: 'key', keys: ctx.args[1] as string })));

  withConnectionOptions(program.command('dial'))
    .summary('make a phone dial a number')
    .argument('<target>', 'an IP or host name, */user, */user@domain or profile/user@domain')
    .argument('<number>', 'the number to dial')
    .option('--username <name>', CREDENTIALS_HELP)
    .addHelpText('after', `
Examples:
  $ snomctl dial '*/2000@pbx.example.com' 3000

Exit codes: 0 every phone answered with success; 2 bad arguments; 1 otherwise.`)
    .action(restAction(io, (ctx) => sendOne(ctx, ctx.args[0] as string, { kind: 'dial', number: ctx.args[1] as string })));

  withConnectionOptions(program.command('bulk'))
    .summary('run one command on many phones, with progress')
    .argument('<command>', 'key, action, dial or dtmf')
    .argument('<value>', 'the keys, action name, number or digits')
    .option('--all-registered', 'every registered phone (listed with GET /v1/phones first)')
    .option('--targets <list>', 'comma-separated targets (IPs, */user, profile/user@domain)')
    .option('--concurrency <n>', 'targets in flight', parseConcurrency, 4)
    .option('--username <name>', CREDENTIALS_HELP)
    .addHelpText('after', `
Examples:
  $ snomctl bulk key enter --targets 192.0.2.7,192.0.2.8
  $ snomctl bulk action reboot --all-registered

Progress goes to stderr (a bar on a terminal, a line per target otherwise); the summary to stdout.
Exit codes: 0 every target succeeded; 2 bad arguments; 1 otherwise.`)
    .action(restAction(io, async (ctx) => {
      const command = toCommandBody(ctx.args[0] as string, ctx.args[1] as string);
      const all = ctx.opts.allRegistered === true;
      const list = ctx.opts.targets;
      if (all === (typeof list === 'string')) throw new UsageError('give either --all-registered or --targets a,b');
      return runBulk(ctx, command, all ? 'all-registered' : (list as string).split(',').map((t) => t.trim()).filter((t) => t !== ''), credentials(ctx));
    }));
}
