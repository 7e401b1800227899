// Read and re-send what the service knows about phones: phones, keys, resync.
import type { Command } from 'commander';
import { EXIT, type CliIo } from './cli-io.js';
import { restAction, withConnectionOptions } from './cli-context.js';
import { cell, field, formatExpiry, formatTable, jsonLine, list } from './format.js';
import { printable, UsageError } from './rest-client.js';

/** The `phones` table: one row per contact (a phone without contacts gets one row). */
export function phonesTable(body: unknown, now: number): string {
  const rows: string[][] = [];
  for (const phone of list(body, 'phones')) {
    const aor = `${cell(field(phone, 'user'))}@${cell(field(phone, 'host'))}`;
    const profile = cell(field(phone, 'profile'));
    const contacts = list(phone, 'contacts');
    if (contacts.length === 0) rows.push([aor, profile, '-', '-', '-']);
    for (const c of contacts) {
      const src = field(c, 'source');
      const address = field(src, 'address');
      const network = address === undefined ? '-' : `${cell(field(src, 'transport'))}:${hostPort(cell(address), field(src, 'port'))}`;
      rows.push([aor, profile, network, cell(field(c, 'userAgent')), formatExpiry(field(c, 'expiresAt'), now)]);
    }
  }
  if (rows.length === 0) return 'no phones\n';
  return formatTable(['PHONE', 'PROFILE', 'NETWORK ADDRESS', 'USER AGENT', 'EXPIRES'], rows);
}

function hostPort(host: string, port: unknown): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return typeof port === 'number' ? `${h}:${port}` : h;
}

/** The `keys` table: desired light/label/action per key and how many contacts have it. */
export function keysTable(body: unknown): string {
  const rows = list(body, 'keys').map((k) => {
    const desired = field(k, 'desired');
    const state = field(desired, 'state');
    const action = field(state, 'action');
    const number = field(state, 'number');
    const deliveries = list(k, 'deliveries');
    const delivered = deliveries.filter((d) => field(d, 'status') === 'delivered').length;
    return [
      cell(field(desired, 'key') ?? field(state, 'key')),
      cell(field(state, 'light')),
      cell(field(state, 'label')),
      number === undefined ? cell(action) : `${cell(action ?? 'invite')} ${cell(number)}`,
      `${delivered}/${deliveries.length}`,
      deliveryState(deliveries),
    ];
  });
  if (rows.length === 0) return 'no keys\n';
  return formatTable(['KEY', 'LIGHT', 'LABEL', 'ACTION', 'DELIVERED', 'STATE'], rows);
}

function deliveryState(deliveries: readonly unknown[]): string {
  if (deliveries.length === 0) return 'pending (no contact)';
  const failed = deliveries.find((d) => field(d, 'status') === 'failed');
  if (failed !== undefined) {
    const reason = field(failed, 'reason');
    return typeof reason === 'string' ? `failed: ${reason}` : 'failed';
  }
  return deliveries.every((d) => field(d, 'status') === 'delivered') ? 'delivered' : 'pending';
}

/** `user@host` checked and escaped for a URL path; a UsageError for anything else. */
export function aorPath(aor: string): string {
  const at = aor.lastIndexOf('@');
  if (at <= 0 || at === aor.length - 1 || /[\u0000-\u0020\u007f/]/.test(aor)) {
    throw new UsageError(`'${printable(aor)}' is not a phone address: expected user@host`);
  }
  return encodeURIComponent(aor);
}

/** `?profile=P`, or nothing. */
export function profileQuery(profile: unknown): string {
  return typeof profile === 'string' ? `?profile=${encodeURIComponent(profile)}` : '';
}

/** Registers phones, keys and resync. */
export function registerPhoneCommands(program: Command, io: CliIo, now: () => number = Date.now): void {
  withConnectionOptions(program.command('phones'))
    .summary('list registered phones and their contacts')
    .addHelpText('after', `
Examples:
  $ snomctl phones
  $ snomctl phones --json`)
    .action(restAction(io, async (ctx) => {
      const body = await ctx.client.json('GET', '/v1/phones');
      io.out(ctx.json ? jsonLine(body) : phonesTable(body, now()));
      return EXIT.ok;
    }));

  withConnectionOptions(program.command('keys'))
    .summary('show a phone\'s desired keys and their delivery state')
    .argument('<user@host>', 'the phone\'s address of record')
    .option('--profile <name>', 'the profile (route) the keys belong to')
    .addHelpText('after', `
Examples:
  $ snomctl keys 2000@pbx.example.com
  $ snomctl keys 2000@pbx.example.com --profile internal --json`)
    .action(restAction(io, async (ctx) => {
      const path = `/v1/phones/${aorPath(ctx.args[0] as string)}/keys${profileQuery(ctx.opts.profile)}`;
      const body = await ctx.client.json('GET', path);
      io.out(ctx.json ? jsonLine(body) : keysTable(body));
      return EXIT.ok;
    }));

  withConnectionOptions(program.command('resync'))
    .summary('send a phone its whole desired key set again')
    .argument('<user@host>', 'the phone\'s address of record')
    .option('--profile <name>', 'the profile (route) the keys belong to')
    .addHelpText('after', `
Examples:
  $ snomctl resync 2000@pbx.example.com --profile internal

Exit codes: 0 sent; 2 not a user@host; 1 failure.`)
    .action(restAction(io, async (ctx) => {
      const path = `/v1/phones/${aorPath(ctx.args[0] as string)}/resync${profileQuery(ctx.opts.profile)}`;
      const body = await ctx.client.json('POST', path, {});
      if (ctx.json) io.out(jsonLine(body));
      else {
        const results = field(body, 'results');
        const n = Array.isArray(results) ? results.length : undefined;
        io.out(`resync requested${n === undefined ? '' : `: ${n} result${n === 1 ? '' : 's'}`}\n`);
      }
      return EXIT.ok;
    }));
}
