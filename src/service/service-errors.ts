// The service's own errors: refused requests (bad input, unknown profile) and calls in the wrong state.
import { SnomError } from '../util/errors.js';

/** A bindKey target that cannot be used: an empty or control-character user/host, no keys, repeated keys. */
export class InvalidBindRequestError extends SnomError<'SNOM_ERR_INVALID_BIND_REQUEST'> {
  /** The offending field (`user`, `host`, `keys`, `keys[2].key`). */
  readonly field: string;

  constructor(field: string, problem: string) {
    super('SNOM_ERR_INVALID_BIND_REQUEST', `${field} ${problem}`);
    this.name = 'InvalidBindRequestError';
    this.field = field;
  }
}

/** A profile name that no configured profile has. */
export class UnknownProfileError extends SnomError<'SNOM_ERR_UNKNOWN_PROFILE'> {
  readonly profile: string;

  constructor(profile: string) {
    super('SNOM_ERR_UNKNOWN_PROFILE', `unknown profile ${JSON.stringify(profile.slice(0, 64))}`);
    this.name = 'UnknownProfileError';
    this.profile = profile;
  }
}

/** The service is not started yet, or is closing / closed. */
export class ServiceStateError extends SnomError<'SNOM_ERR_SERVICE_STATE'> {
  readonly state: 'created' | 'starting' | 'running' | 'closing' | 'closed';

  constructor(state: 'created' | 'starting' | 'running' | 'closing' | 'closed', action: string) {
    super('SNOM_ERR_SERVICE_STATE', `cannot ${action}: the service is ${state === 'created' ? 'not started' : state}`);
    this.name = 'ServiceStateError';
    this.state = state;
  }
}
