#!/usr/bin/env node
// The `snomctl` binary: serve (the service), phone (a virtual Snom phone) and the REST client commands.
// `serve` and `phone` load the whole service / SIP stack, so they are imported only when invoked:
// one-shot REST commands start as fast as the CLI module alone.
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { EXIT, registerCliCommands } from './cli/index.js';

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

const EXAMPLES = `
Examples:
  $ snomctl serve --domain pbx.example.com --user 2000:secret
  $ snomctl bind-key 2 on DND 2000 pbx.example.com internal
  $ snomctl api 'snom_bind_key 2 off DND 2000 pbx.example.com internal'
  $ snomctl command '*/2000' key enter
  $ snomctl phones --server http://10.0.0.2:8088
  $ snomctl events --types registered,delivery
  $ snomctl phone --registrar 127.0.0.1:5060 --domain pbx.example.com --user 2000 --password secret
  $ snomctl <command> --help

Exit codes: 0 ok, 1 failure, 2 bad usage, 3 bind-key stored but not delivered yet (docs/cli.md).
The service's address and token: --server/SNOMCTL_URL (default http://127.0.0.1:8088), SNOMCTL_TOKEN.`;

const program = new Command('snomctl')
  .description("control Snom desk phones' keys over SIP and their web server (the successor of FreeSWITCH's mod_snom)")
  .version(version)
  .addHelpText('after', EXAMPLES)
  .showHelpAfterError();
// an unknown command or top-level option is bad usage (2), as in every subcommand
const programError = program.error.bind(program);
program.error = (message, options) => programError(message, { ...options, exitCode: EXIT.usage });

const invoked = process.argv[2];
for (const [name, heavy] of Object.entries(HEAVY)) {
  if (name === invoked) program.addCommand(await heavy.load());
  else program.command(name).summary(heavy.summary).helpOption(false).allowUnknownOption().allowExcessArguments();
}
registerCliCommands(program);

if (process.argv.length <= 2) {
  // no command at all: the help on stderr, as bad usage
  program.outputHelp({ error: true });
  process.exitCode = EXIT.usage;
} else {
  await program.parseAsync(process.argv);
}
