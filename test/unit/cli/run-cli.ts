// Runs the CLI in-process with a recording io (commander's own errors become exit codes, not exits).
import { Command } from 'commander';
import { registerCliCommands } from '../../../src/cli/index.js';
import { recordingIo, type RecordedIo } from './fake-rest-server.js';

/** Starts a command; `done` resolves when it has finished. */
export function startCli(args: string[], env: Record<string, string | undefined> = {}, tty = false): { io: RecordedIo; done: Promise<RecordedIo> } {
  const io = recordingIo(env, tty);
  const program = new Command('snomctl').exitOverride().configureOutput({ writeOut: (t) => io.out(t), writeErr: (t) => io.err(t) });
  registerCliCommands(program, io);
  const configure = (cmd: Command): void => {
    for (const c of cmd.commands) {
      c.exitOverride().configureOutput({ writeOut: (t) => io.out(t), writeErr: (t) => io.err(t) });
      configure(c);
    }
  };
  configure(program);
  const done = program.parseAsync(args, { from: 'user' }).then(
    () => io,
    (e: unknown) => {
      io.exitCode = (e as { exitCode?: number }).exitCode ?? 99;
      return io;
    },
  );
  return { io, done };
}

/** Runs a command to its end. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, tty = false): Promise<RecordedIo> {
  return startCli(args, env, tty).done;
}
