// bulk: one POST /v1/commands per target, a few at a time, with progress on stderr.
import { EXIT } from './cli-io.js';
import type { CliContext } from './cli-context.js';
import { cell, field, jsonLine, list } from './format.js';
import type { CommandBody } from './phone-command-commands.js';
import { CliError, printable, UsageError } from './rest-client.js';

/** A target spec for each registered phone of a `GET /v1/phones` answer: `profile/user@host` or `*\/user@host`. */
export function registeredTargets(body: unknown): string[] {
  const out = new Set<string>();
  for (const phone of list(body, 'phones')) {
    const user = field(phone, 'user');
    const host = field(phone, 'host');
    const profile = field(phone, 'profile');
    if (typeof user !== 'string' || typeof host !== 'string' || list(phone, 'contacts').length === 0) continue;
    out.add(`${typeof profile === 'string' ? profile : '*'}/${user}@${host}`);
  }
  return [...out];
}

/** A progress bar line for a terminal: `[#####-----] 5/10 (1 failed)`. */
export function progressBar(done: number, total: number, failed: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}${failed > 0 ? ` (${failed} failed)` : ''}`;
}

/** Why a target failed, in one line. */
export function failureReason(outcome: unknown): string {
  const error = field(outcome, 'error');
  if (error !== undefined) return cell(field(error, 'message'));
  const bad = list(outcome, 'results').find((r) => field(r, 'ok') !== true);
  if (bad === undefined) return 'no phone';
  const message = field(bad, 'message');
  return `${cell(field(field(bad, 'phone'), 'url'))} HTTP ${cell(field(bad, 'status'))}${typeof message === 'string' ? ` ${message}` : ''}`;
}

/** Runs `command` on every target and prints progress and a summary; returns the exit code. */
export async function runBulk(
  ctx: CliContext,
  command: CommandBody,
  targetsOrAll: readonly string[] | 'all-registered',
  creds: { username?: string; password?: string },
): Promise<number> {
  const targets = targetsOrAll === 'all-registered' ? registeredTargets(await ctx.client.json('GET', '/v1/phones')) : targetsOrAll;
  if (targets.length === 0) throw targetsOrAll === 'all-registered' ? new CliError('no phone is registered') : new UsageError('no targets given');
  const concurrency = typeof ctx.opts.concurrency === 'number' ? ctx.opts.concurrency : 4;
  const outcomes: { target: string; ok: boolean; outcome: unknown; reason?: string }[] = [];
  let failed = 0;
  const tty = ctx.io.stderrIsTTY;
  const report = (target: string, ok: boolean, reason: string | undefined): void => {
    if (tty) ctx.io.err(`\r${progressBar(outcomes.length, targets.length, failed)}`);
    else ctx.io.err(`${outcomes.length}/${targets.length} ${printable(target)}: ${ok ? 'ok' : `failed: ${printable(reason ?? '')}`}\n`);
  };
  if (tty) ctx.io.err(progressBar(0, targets.length, 0));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const target = targets[next++]!;
      let outcome: unknown;
      let reason: string | undefined;
      try {
        outcome = await ctx.client.json('POST', '/v1/commands', { target, command, ...creds });
        if (field(outcome, 'ok') !== true) reason = failureReason(outcome);
      } catch (e) {
        if (e instanceof CliError && e.status === undefined) throw e; // the service is gone: stop
        reason = e instanceof Error ? e.message : 'failed';
      }
      if (reason !== undefined) failed++;
      outcomes.push({ target, ok: reason === undefined, outcome, ...(reason === undefined ? {} : { reason }) });
      report(target, reason === undefined, reason);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  } finally {
    if (tty) ctx.io.err('\n');
  }
  const succeeded = outcomes.length - failed;
  if (ctx.json) {
    ctx.io.out(jsonLine({ ok: failed === 0, total: targets.length, succeeded, failed, targets: outcomes }));
  } else {
    ctx.io.out(`${targets.length} target${targets.length === 1 ? '' : 's'}: ${succeeded} ok, ${failed} failed\n`);
    for (const o of outcomes) if (!o.ok) ctx.io.out(`failed ${printable(o.target)}: ${printable(o.reason ?? '')}\n`);
  }
  return failed === 0 ? EXIT.ok : EXIT.failure;
}
