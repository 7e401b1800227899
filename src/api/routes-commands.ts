// POST /v1/commands (phone web commands, one target or bulk) and POST /v1/api (mod_snom command lines).
import type { FastifyInstance } from 'fastify';
import type { PhoneCommand } from '../service/commands/phone-command.js';
import { ApiError, TARGET_ERROR_CODES } from './api-errors.js';
import type { AppContext } from './app.js';
import { apiBody, commandsBody } from './schemas.js';

interface CommandBody {
  readonly target?: string;
  readonly targets?: readonly string[] | 'all-registered';
  readonly command: Record<string, unknown> & { kind: string };
  readonly username?: string;
  readonly password?: string;
}

/** Fields each kind needs (required) and may have (optional). */
const KIND_FIELDS: Readonly<Record<string, { required: readonly string[]; optional: readonly string[] }>> = {
  key: { required: ['keys'], optional: [] },
  action: { required: ['action'], optional: [] },
  dial: { required: ['number'], optional: ['outgoingUri'] },
  dtmf: { required: ['digits'], optional: [] },
  'release-all-calls': { required: [], optional: [] },
  'play-ringer': { required: ['ringer'], optional: [] },
  setting: { required: ['name', 'value'], optional: [] },
};

/** The PhoneCommand a body's `command` asks for; ApiError naming the field when it does not fit its kind. */
export function toPhoneCommand(c: CommandBody['command']): PhoneCommand {
  const spec = KIND_FIELDS[c.kind];
  if (spec === undefined) throw new ApiError('SNOM_ERR_BAD_REQUEST', `command.kind must be one of ${Object.keys(KIND_FIELDS).join(', ')}`);
  for (const f of spec.required) {
    if (c[f] === undefined) throw new ApiError('SNOM_ERR_BAD_REQUEST', `command.${f} is required for kind '${c.kind}'`);
  }
  for (const f of Object.keys(c)) {
    if (f !== 'kind' && !spec.required.includes(f) && !spec.optional.includes(f)) {
      throw new ApiError('SNOM_ERR_BAD_REQUEST', `command.${f} is not allowed for kind '${c.kind}'`);
    }
  }
  switch (c.kind) {
    case 'key': return { kind: 'key', sequence: c.keys as string };
    case 'action': return { kind: 'action', action: c.action as string };
    case 'dial': return { kind: 'dial', number: c.number as string, ...(c.outgoingUri === undefined ? {} : { outgoingUri: c.outgoingUri as string }) };
    case 'dtmf': return { kind: 'dtmf', digits: c.digits as string };
    case 'release-all-calls': return { kind: 'release-all-calls' };
    case 'play-ringer': return { kind: 'play-ringer', ringer: c.ringer as number };
    default: return { kind: 'setting', name: c.name as string, value: c.value as string };
  }
}

/**
 * A command line from `{ command, args }`: elements beyond the command's slots join the last slot
 * (mod_snom's argv); an earlier element with blanks is single-quoted, as separate_string reads quotes.
 */
export function apiLine(command: string, args: readonly string[]): string {
  const max = command === 'snom_bind_key' ? 8 : command === 'snom_command' ? 5 : 1;
  const parts = args.map((a, i) => {
    if (/[\0\r\n]/.test(a)) throw new ApiError('SNOM_ERR_BAD_REQUEST', `args[${i}] must not contain NUL, CR or LF`);
    if (i >= max - 1 || !/[\t ]/.test(a) && a !== '') return a;
    if (a.includes("'")) throw new ApiError('SNOM_ERR_BAD_REQUEST', `args[${i}] must not contain both blanks and ' (only the last argument of ${command} may)`);
    return `'${a}'`;
  });
  return parts.length === 0 ? command : `${command} ${parts.join(' ')}`;
}

/** Registers the command routes. */
export function commandRoutes(app: FastifyInstance, ctx: AppContext): void {
  const redact = ctx.options.redactLine ?? ((line: string) => line.trim().split(/\s/, 1)[0] ?? '');
  app.post('/v1/commands', { config: { summary: "run a command on a phone's web server (target) or many (targets)" }, schema: { body: commandsBody } }, async (request, reply) => {
    const body = request.body as CommandBody;
    if ((body.target === undefined) === (body.targets === undefined)) throw new ApiError('SNOM_ERR_BAD_REQUEST', 'give either target or targets');
    if ((body.username === undefined) !== (body.password === undefined)) throw new ApiError('SNOM_ERR_BAD_REQUEST', 'username and password go together');
    const command = toPhoneCommand(body.command);
    const commands = ctx.options.commands?.();
    if (commands === undefined) throw new ApiError('SNOM_ERR_UNAVAILABLE', 'phone commands are not available (the service is not running)');
    const credentials = body.username === undefined ? {} : { credentials: { username: body.username, password: body.password! } };
    const abort = new AbortController();
    // the client went away before the answer: stop waiting for phones
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    const options = { ...credentials, signal: abort.signal };
    if (body.target !== undefined) {
      const outcome = await commands.command(body.target, command, options);
      ctx.metrics.commands.inc({ kind: command.kind, outcome: outcome.ok ? 'ok' : outcome.error?.code ?? 'failed' });
      if (outcome.error !== undefined) throw new ApiError(TARGET_ERROR_CODES[outcome.error.code] ?? 'SNOM_ERR_BAD_REQUEST', targetMessage(outcome.error));
      return outcome;
    }
    const outcome = await commands.bulk(body.targets!, command, options);
    ctx.metrics.commands.inc({ kind: command.kind, outcome: outcome.ok ? 'ok' : outcome.error?.code ?? 'failed' }, Math.max(outcome.total, 1));
    if (outcome.error !== undefined) throw new ApiError(TARGET_ERROR_CODES[outcome.error.code] ?? 'SNOM_ERR_BAD_REQUEST', targetMessage(outcome.error));
    return outcome;
  });

  app.post('/v1/api', { config: { summary: 'run a mod_snom API line; HTTP 200 whenever it was processed' }, schema: { body: apiBody } }, async (request) => {
    const body = request.body as { line?: string; command?: string; args?: readonly string[] };
    let line: string;
    if (body.line !== undefined) {
      if (body.command !== undefined || body.args !== undefined) throw new ApiError('SNOM_ERR_BAD_REQUEST', 'give line, or command and args, not both');
      line = body.line;
    } else if (body.command !== undefined) {
      line = apiLine(body.command, body.args ?? []);
    } else {
      throw new ApiError('SNOM_ERR_BAD_REQUEST', 'line (or command and args) is required');
    }
    request.log.debug({ line: redact(line) }, 'api line');
    const result = await ctx.service.api(line);
    return { reply: result.reply.replace(/\n$/, ''), ok: result.result.ok, result: result.result };
  });
}

function targetMessage(e: { message: string; field?: string }): string {
  return e.field === undefined ? e.message : `${e.field}: ${e.message}`;
}
