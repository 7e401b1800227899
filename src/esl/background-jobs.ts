// bgapi bookkeeping: each job waits for the BACKGROUND_JOB event carrying its Job-UUID
// (mod_event_socket.c api_exec: headers Job-UUID, Job-Command, Job-Command-Arg; the output as body).
// The event may be seen before or after the bgapi's own `+OK Job-UUID` reply; both orders work.
import { err, ok, type Result } from '../util/errors.js';
import { commandFailure, withJobUuid, type BackgroundJobResult, type EslCommandReply } from './connection-types.js';
import type { EslCommandError } from './esl-errors.js';
import type { EslEvent } from './esl-event.js';

interface Waiter {
  readonly settle: (r: Result<BackgroundJobResult, EslCommandError>) => void;
  body: string | undefined;
  accepted: boolean;
}

/** The jobs waiting for their BACKGROUND_JOB. */
export class BackgroundJobs {
  readonly #waiting = new Map<string, Waiter>();
  readonly #onTimeout: () => void;

  /** `onTimeout` is called for each job whose result did not come in time (for counters). */
  constructor(onTimeout: () => void) {
    this.#onTimeout = onTimeout;
  }

  /** Whether a job with that id is waiting. */
  has(jobUuid: string): boolean {
    return this.#waiting.has(jobUuid);
  }

  /**
   * Registers the job, then calls `submit` (the bgapi command). A refused or lost submission ends the
   * job with that error (a lost one naming the Job-UUID); an accepted one waits for its event until
   * `timeoutMs` after the call, else ends with SNOM_ERR_ESL_TIMEOUT / outcome unknown.
   */
  run(
    jobUuid: string,
    label: string,
    timeoutMs: number,
    submit: () => Promise<Result<EslCommandReply, EslCommandError>>,
  ): Promise<Result<BackgroundJobResult, EslCommandError>> {
    const started = Date.now();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        body: undefined,
        accepted: false,
        settle: (r) => {
          if (this.#waiting.get(jobUuid) !== waiter) return;
          this.#waiting.delete(jobUuid);
          if (timer) clearTimeout(timer);
          resolve(r);
        },
      };
      this.#waiting.set(jobUuid, waiter);
      void submit().then((r) => {
        if (!r.ok) {
          waiter.settle(err(r.error.outcome === 'unknown' ? withJobUuid(r.error, jobUuid) : r.error));
          return;
        }
        waiter.accepted = true;
        if (waiter.body !== undefined) {
          waiter.settle(ok({ jobUuid, body: waiter.body }));
          return;
        }
        timer = setTimeout(() => {
          this.#onTimeout();
          waiter.settle(err(commandFailure('SNOM_ERR_ESL_TIMEOUT', label, 'unknown', `no BACKGROUND_JOB within ${timeoutMs} ms`, jobUuid)));
        }, Math.max(1, timeoutMs - (Date.now() - started)));
      });
    });
  }

  /** Feeds an event: a BACKGROUND_JOB for a waiting job completes it. */
  onEvent(event: EslEvent): void {
    if (event.name !== 'BACKGROUND_JOB') return;
    const jobUuid = event.headers.get('Job-UUID');
    const waiter = jobUuid === undefined ? undefined : this.#waiting.get(jobUuid);
    if (!waiter || jobUuid === undefined) return;
    if (waiter.accepted) waiter.settle(ok({ jobUuid, body: event.body ?? '' }));
    else waiter.body = event.body ?? '';
  }

  /** Ends every waiting job with SNOM_ERR_ESL_CLOSED / outcome unknown. */
  closeAll(): void {
    for (const [jobUuid, w] of [...this.#waiting]) {
      w.settle(err(commandFailure('SNOM_ERR_ESL_CLOSED', 'bgapi', 'unknown', 'the connection was closed before the job finished', jobUuid)));
    }
  }
}
