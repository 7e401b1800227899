// A tiny snomctl launcher for tests: a commander program with only the CLI's REST commands.
import { Command } from 'commander';
import { registerCliCommands } from './index.js';

const program = new Command('snomctl').version('0.0.0-test');
registerCliCommands(program);
await program.parseAsync(process.argv);
