#!/usr/bin/env node
// The `snomctl` binary: serve (the service), phone (a virtual Snom phone) and the REST client commands.
// `serve` and `phone` load the whole service / SIP stack, so they are imported only when invoked:
// one-shot REST commands start as fast as the CLI module alone.
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { registerCliCommands } from './cli/index.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const HEAVY: Record<string, { summary: string; load: () => Promise<Command> }> = {
  serve: {
    summary: 'run the service: SIP registrar, key delivery, REST API',
    load: async () => (await import('./serve.js')).serveCommand(),
  },
  phone: {
    summary: 'run a virtual Snom phone (SIP + web server) or a fleet of them',
    load: async () => (await import('./sim/phone-command.js')).phoneCommand(),
  },
};

const program = new Command('snomctl')
  .description("control Snom desk phones' keys over SIP and their web server (the successor of FreeSWITCH's mod_snom)")
  .version(version)
  .showHelpAfterError();

const invoked = process.argv[2];
for (const [name, heavy] of Object.entries(HEAVY)) {
  if (name === invoked) program.addCommand(await heavy.load());
  else program.command(name).summary(heavy.summary).helpOption(false).allowUnknownOption().allowExcessArguments();
}
registerCliCommands(program);

await program.parseAsync(process.argv);
