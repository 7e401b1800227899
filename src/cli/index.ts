// The snomctl commands that talk to a running service over REST (docs/cli.md).
import type { Command } from 'commander';
import { usageErrorsExit2 } from './cli-context.js';
import { processIo, type CliIo } from './cli-io.js';
import { registerConfigCommand } from './config-command.js';
import { registerEventsCommand } from './events-command.js';
import { registerModSnomCommands } from './mod-snom-commands.js';
import { registerPhoneCommandCommands } from './phone-command-commands.js';
import { registerPhoneCommands } from './phone-commands.js';

export { EXIT, processIo, type CliIo } from './cli-io.js';
export { CliError, DEFAULT_SERVER_URL, RestClient, UsageError, type RestClientOptions } from './rest-client.js';

/**
 * Adds bind-key, command, api, phones, keys, events, resync, press, dial, bulk and `config check` to
 * `program`. Cheap: nothing heavier than commander loads until a command runs. `io` defaults to the process.
 * Usage errors of these commands exit 2 (EXIT.usage).
 */
export function registerCliCommands(program: Command, io: CliIo = processIo()): void {
  const before = new Set(program.commands);
  registerModSnomCommands(program, io);
  registerPhoneCommands(program, io);
  registerPhoneCommandCommands(program, io);
  registerEventsCommand(program, io);
  registerConfigCommand(program, io);
  for (const cmd of program.commands) if (!before.has(cmd)) usageErrorsExit2(cmd);
}
