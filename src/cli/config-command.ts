// config check: validates a configuration the way `snomctl serve` loads it, without starting anything.
import type { Command } from 'commander';
import { EXIT, type CliIo } from './cli-io.js';
import { reportError } from './cli-context.js';
import { jsonLine } from './format.js';
import { printable } from './rest-client.js';

/** One configuration problem as printed: its key, where it came from, and the whole message. */
export interface ConfigProblem {
  readonly key: string;
  readonly source: string;
  readonly message: string;
}

/**
 * Loads the file (`--config`, else SNOMCTL_CONFIG) merged with the SNOMCTL_* environment through the
 * service's loadConfig and returns the problems (none = valid). Never prints the configuration itself.
 */
export async function checkConfig(file: string | undefined, env: CliIo['env']): Promise<ConfigProblem[]> {
  const { loadConfig } = await import('../service/config/index.js');
  const loaded = loadConfig({ ...(file === undefined ? {} : { file }), env });
  return loaded.ok ? [] : loaded.error.map((e) => ({ key: e.key, source: e.source, message: e.message }));
}

/** Registers `config check`. */
export function registerConfigCommand(program: Command, io: CliIo): void {
  const config = program.command('config').summary('work with snomctl\'s configuration')
    .addHelpText('after', `
Examples:
  $ snomctl config check --config /etc/snomctl/config.json`);
  config.command('check')
    .summary('validate a configuration file (and the SNOMCTL_* environment) and print its errors')
    .option('--config <file>', 'the JSON configuration file (env SNOMCTL_CONFIG)')
    .option('--json', 'print {"ok":…,"errors":[{key,source,message}]}')
    .addHelpText('after', `
Examples:
  $ snomctl config check --config /etc/snomctl/config.json
  $ SNOMCTL_TOKENS=… snomctl config check --config ./snomctl.json --json

Exit codes: 0 valid; 1 invalid (one error per line on stderr); 2 bad options.`)
    .action(async (opts: { config?: string; json?: boolean }) => {
      try {
        const file = opts.config ?? (io.env.SNOMCTL_CONFIG === '' ? undefined : io.env.SNOMCTL_CONFIG);
        const problems = await checkConfig(file, io.env);
        if (opts.json === true) io.out(jsonLine({ ok: problems.length === 0, errors: problems }));
        else if (problems.length === 0) io.out(`configuration ok${file === undefined ? ' (defaults and environment only)' : `: ${printable(file)}`}\n`);
        else for (const p of problems) io.err(`snomctl: config: ${printable(p.message)}\n`);
        io.setExitCode(problems.length === 0 ? EXIT.ok : EXIT.failure);
      } catch (e) {
        reportError(io, e);
      }
    });
}
