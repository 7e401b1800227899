// Outcomes of requests to a phone's web server: values, never exceptions (DESIGN.md).

/** Which credentials the final request carried. */
export type PhoneAuthScheme = 'none' | 'basic' | 'digest';

/** How the final connection was secured: plain HTTP, a verified certificate, or any certificate. */
export type PhoneTlsMode = 'none' | 'verified' | 'insecure';

/** Why a request did not succeed. */
export type PhoneFailureCode =
  | 'unreachable' // refused, reset, DNS failure, closed or malformed answer: no usable HTTP response
  | 'timeout' // the total time ran out (queue wait, connect, response and body together)
  | 'connect-timeout' // the TCP/TLS connection was not established within connectTimeoutMs
  | 'auth-failed' // 401 and no credentials, wrong credentials, or a challenge that cannot be answered
  | 'tls' // certificate refused or TLS handshake failed
  | 'http-status' // a final status that is not a success for this operation
  | 'aborted' // the caller's AbortSignal fired, or the client was closed
  | 'too-many-redirects'
  | 'invalid-request'; // a bad address, path, option or operation argument: nothing was sent

/** A request that reached a success status. */
export interface PhoneSuccess {
  readonly ok: true;
  readonly status: number;
  /** The final response's headers, names in lower case. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The final response's body, only when the request asked for it (e.g. a screenshot). */
  readonly body?: Buffer;
  readonly tls: PhoneTlsMode;
  readonly auth: PhoneAuthScheme;
  /** From the call to the end of the response, queue wait included. */
  readonly latencyMs: number;
  /** Redirects followed. */
  readonly redirects: number;
}

/** A request that did not succeed. `message` never contains a password, an Authorization value or the query. */
export interface PhoneFailure {
  readonly ok: false;
  readonly code: PhoneFailureCode;
  /** The final HTTP status; 0 when there was none (mod_snom's `[HTTP:0]`). */
  readonly status: number;
  readonly message: string;
  readonly latencyMs: number;
}

/** Outcome of one request or operation. */
export type PhoneResult = PhoneSuccess | PhoneFailure;

/** Builds a failure. */
export function phoneFailure(code: PhoneFailureCode, status: number, message: string, latencyMs = 0): PhoneFailure {
  return { ok: false, code, status, message, latencyMs };
}

/**
 * Replaces every occurrence of each secret (passwords, Authorization values, queries) in a message
 * with `***`; empty secrets are ignored.
 */
export function scrubSecrets(message: string, secrets: readonly (string | undefined)[]): string {
  let out = message;
  for (const secret of secrets) {
    if (secret !== undefined && secret !== '') out = out.split(secret).join('***');
  }
  return out;
}
