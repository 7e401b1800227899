// Maps what undici and Node's net/tls throw to a PhoneFailureCode and a message without secrets.
import type { PhoneFailureCode } from './phone-result.js';

const UNREACHABLE_TEXT: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (temporary)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  UND_ERR_SOCKET: 'the phone closed the connection',
  UND_ERR_CLOSED: 'the connection pool is closed',
};

/** Error codes of certificate checks and TLS handshakes (Node/OpenSSL). */
function isTlsCode(code: string): boolean {
  return code === 'EPROTO' || code.includes('CERT') || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'HOSTNAME_MISMATCH';
}

function codeOf(e: unknown): string {
  if (e !== null && typeof e === 'object' && 'code' in e && typeof e.code === 'string') return e.code;
  return '';
}

/** Short, single-line, bounded text of an error's message (no stack). */
function brief(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 200);
}

/**
 * Classifies a thrown network error: connect timeout, TLS, invalid arguments, or unreachable (refused,
 * reset, DNS, closed or malformed answers). The message names the error code, not request data.
 */
export function classifyNetworkError(e: unknown, connectTimeoutMs: number): { code: PhoneFailureCode; message: string } {
  // Node's happy-eyeballs connect wraps per-address errors in an AggregateError.
  const inner = e instanceof AggregateError && e.errors.length > 0 ? (e.errors[0] as unknown) : e;
  const code = codeOf(inner) || codeOf(e);
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') {
    return { code: 'connect-timeout', message: `no connection within ${connectTimeoutMs} ms` };
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return { code: 'timeout', message: 'the phone stopped answering' };
  }
  if (isTlsCode(code)) return { code: 'tls', message: `TLS failed (${code}): ${brief(inner)}` };
  if (code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_ARG_TYPE' || code === 'ERR_INVALID_ARG_VALUE') {
    return { code: 'invalid-request', message: `refused by the HTTP client (${code})` };
  }
  if (code.startsWith('HPE_')) return { code: 'unreachable', message: `malformed HTTP answer (${code})` };
  const known = UNREACHABLE_TEXT[code];
  if (known !== undefined) return { code: 'unreachable', message: `${known} (${code})` };
  return { code: 'unreachable', message: code === '' ? brief(inner) : `${brief(inner)} (${code})` };
}
