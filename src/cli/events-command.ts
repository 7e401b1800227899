// events: follows the service's Server-Sent Events stream, one line per event, until SIGINT.
import type { Command } from 'commander';
import { EXIT, type CliIo } from './cli-io.js';
import { restAction, withConnectionOptions } from './cli-context.js';
import { cell, field, list } from './format.js';
import { printable, UsageError } from './rest-client.js';
import type { SseEvent } from './sse-parser.js';

/** The event types the service publishes (rest-contract.md). */
export const EVENT_TYPES = ['registered', 'refreshed', 'restarted', 'unregistered', 'expired', 'delivery', 'keys', 'button-press', 'action-url'] as const;

const DETAIL_FIELDS = ['status', 'event', 'contact', 'destination', 'sipStatus', 'reason', 'error', 'cause', 'command', 'key', 'ip'];

/** One readable line for an event: `HH:MM:SS type user@host field=value …`; never a password. */
export function eventLine(event: SseEvent, now: Date): string {
  let data: unknown;
  try {
    data = JSON.parse(event.data) as unknown;
  } catch {
    data = undefined;
  }
  const parts = [now.toISOString().slice(11, 19), event.event];
  const user = field(data, 'user');
  const host = field(data, 'host');
  if (typeof user === 'string') parts.push(typeof host === 'string' ? `${user}@${host}` : user);
  if (data === undefined) parts.push(event.data);
  for (const name of DETAIL_FIELDS) {
    const v = field(data, name);
    if (v !== undefined && v !== null && typeof v !== 'object') parts.push(`${name}=${cell(v)}`);
  }
  const keys = list(data, 'keys').map((k) => (typeof k === 'object' ? cell(field(k, 'key')) : cell(k)));
  if (keys.length > 0) parts.push(`keys=${keys.join(',')}`);
  return `${printable(parts.join(' '))}\n`;
}

/** `--json` form of an event: `{"type":…,"data":…}` on one line. */
export function eventJson(event: SseEvent): string {
  let data: unknown;
  try {
    data = JSON.parse(event.data) as unknown;
  } catch {
    data = event.data;
  }
  return `${JSON.stringify({ type: event.event, data })}\n`;
}

/** `?types=a,b` from a `--types` value (names checked against EVENT_TYPES); empty for all. */
export function typesQuery(types: unknown): string {
  if (typeof types !== 'string' || types.trim() === '') return '';
  const names = types.split(',').map((t) => t.trim()).filter((t) => t !== '');
  const unknown = names.filter((n) => !(EVENT_TYPES as readonly string[]).includes(n));
  if (unknown.length > 0) throw new UsageError(`unknown event type ${printable(unknown.join(', '))} (known: ${EVENT_TYPES.join(', ')})`);
  return `?types=${names.map(encodeURIComponent).join(',')}`;
}

/** Registers events. */
export function registerEventsCommand(program: Command, io: CliIo, now: () => Date = () => new Date()): void {
  withConnectionOptions(program.command('events'))
    .summary('follow the service\'s live events (Ctrl-C to stop)')
    .option('--types <list>', `comma-separated event types: ${EVENT_TYPES.join(', ')}`)
    .addHelpText('after', `
Examples:
  $ snomctl events
  $ snomctl events --types registered,delivery --json`)
    .action(restAction(io, async (ctx) => {
      const query = typesQuery(ctx.opts.types);
      const abort = new AbortController();
      const off = io.onInterrupt(() => abort.abort());
      try {
        await ctx.client.events(`/v1/events${query}`, (e) => io.out(ctx.json ? eventJson(e) : eventLine(e, now())), abort.signal);
      } finally {
        off();
      }
      if (!abort.signal.aborted) {
        io.err('snomctl: the service closed the event stream\n');
        return EXIT.failure;
      }
      return EXIT.ok;
    }));
}
