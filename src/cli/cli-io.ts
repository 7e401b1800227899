// Where the CLI writes and how it ends: the real process, or a test's recorder.

/** The process surface the commands use; tests pass a recorder instead of the real process. */
export interface CliIo {
  /** Writes to stdout as given (no newline added). */
  readonly out: (text: string) => void;
  /** Writes to stderr as given (no newline added). */
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** stderr is a terminal (progress bars instead of progress lines). */
  readonly stderrIsTTY: boolean;
  /** Sets the exit code the process ends with (the last call wins). */
  readonly setExitCode: (code: number) => void;
  /** Calls `handler` on SIGINT until the returned function is called. */
  readonly onInterrupt: (handler: () => void) => () => void;
}

/**
 * Exit codes: 0 success; 1 failure (`-ERR`, unreachable service, refused request); 2 bad usage (arguments or
 * options the CLI or the service refused before doing anything); 3 bind-key stored but not delivered.
 */
export const EXIT = Object.freeze({ ok: 0, failure: 1, usage: 2, notDelivered: 3 });

/** The real process's CliIo. A closed stdout (`snomctl events | head -1`) ends the process quietly. */
export function processIo(): CliIo {
  let guarded = false;
  return {
    out: (text) => {
      if (!guarded) {
        guarded = true;
        process.stdout.on('error', (e: NodeJS.ErrnoException) => {
          if (e.code !== 'EPIPE') throw e;
          process.exit(process.exitCode ?? 0);
        });
      }
      process.stdout.write(text);
    },
    err: (text) => void process.stderr.write(text),
    env: process.env,
    stderrIsTTY: process.stderr.isTTY === true,
    setExitCode: (code) => {
      process.exitCode = code;
    },
    onInterrupt: (handler) => {
      process.on('SIGINT', handler);
      return () => void process.off('SIGINT', handler);
    },
  };
}
