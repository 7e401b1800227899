// The REST API's errors and the one place HTTP statuses are decided (DESIGN.md: status in api/ only).
import { SnomError } from '../util/errors.js';

/** A request the API refuses itself (not found, unauthorized, unavailable). */
export class ApiError extends SnomError<
  | 'SNOM_ERR_BAD_REQUEST' | 'SNOM_ERR_UNAUTHORIZED' | 'SNOM_ERR_NOT_FOUND' | 'SNOM_ERR_UNAVAILABLE' | 'SNOM_ERR_CONFLICT' | 'SNOM_ERR_LOOKUP_FAILED'
  | 'SNOM_ERR_TOO_MANY_PHONES' | 'SNOM_ERR_URI_TOO_LONG' | 'SNOM_ERR_METHOD_NOT_ALLOWED'
> {
  constructor(code: ApiError['code'], message: string) {
    super(code, message);
    this.name = 'ApiError';
  }
}

/** Error code → HTTP status. Codes absent here answer 500. */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = Object.freeze({
  SNOM_ERR_BAD_REQUEST: 400,
  SNOM_ERR_INVALID_KEY_STATE: 400,
  SNOM_ERR_INVALID_BIND_REQUEST: 400,
  SNOM_ERR_INVALID_OPTION: 400,
  SNOM_ERR_UNAUTHORIZED: 401,
  SNOM_ERR_NOT_FOUND: 404,
  SNOM_ERR_UNKNOWN_PROFILE: 404,
  SNOM_ERR_METHOD_NOT_ALLOWED: 405,
  SNOM_ERR_CONFLICT: 409,
  SNOM_ERR_URI_TOO_LONG: 414,
  SNOM_ERR_TOO_MANY_PHONES: 409,
  SNOM_ERR_SERVICE_STATE: 503,
  SNOM_ERR_UNAVAILABLE: 503,
  SNOM_ERR_LOOKUP_FAILED: 503,
  SNOM_ERR_STORE: 503,
});

/** The JSON body of every error answer. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

/** A command's target-level error code → the API's error code. */
export const TARGET_ERROR_CODES: Readonly<Record<string, ApiError['code']>> = Object.freeze({
  syntax: 'SNOM_ERR_BAD_REQUEST',
  'bad-target': 'SNOM_ERR_BAD_REQUEST',
  'invalid-argument': 'SNOM_ERR_BAD_REQUEST',
  'not-found': 'SNOM_ERR_NOT_FOUND',
  'too-many-phones': 'SNOM_ERR_TOO_MANY_PHONES',
  'lookup-failed': 'SNOM_ERR_LOOKUP_FAILED',
});

/** An Action URL rejection (ActionUrlRejectCode) → the API's error code. */
export function actionUrlErrorCode(code: string): ApiError['code'] {
  if (code === 'bad-path' || code === 'unknown-event') return 'SNOM_ERR_NOT_FOUND';
  if (code === 'query-too-long') return 'SNOM_ERR_URI_TOO_LONG';
  if (code === 'method-not-allowed') return 'SNOM_ERR_METHOD_NOT_ALLOWED';
  return 'SNOM_ERR_BAD_REQUEST';
}

interface ValidationItem {
  readonly instancePath?: string;
  readonly keyword?: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

/** `/keys/0/key` → `keys[0].key`. */
function jsonPath(context: string, pointer: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = context === 'body' ? '' : context;
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
  return out === '' ? context : out;
}

/** A schema validation failure as a message naming the field and what is allowed. */
export function validationMessage(context: string, items: readonly ValidationItem[]): string {
  const any = items.find((i) => i.keyword === 'anyOf');
  if (any !== undefined) {
    const forms = items.filter((i) => i !== any && i.instancePath === any.instancePath).map((i) => (i.keyword === 'enum'
      ? `one of ${(i.params?.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(', ')}`
      : (i.message ?? 'valid').replace(/^must (be )?/, '')));
    return `${jsonPath(context, any.instancePath ?? '')} must be ${forms.join(' or ')}`;
  }
  const v = items[0];
  if (v === undefined) return `${context} is invalid`;
  const at = jsonPath(context, v.instancePath ?? '');
  const p = v.params ?? {};
  const inside = (name: string): string => (at === context ? (context === 'body' ? name : `${context}.${name}`) : `${at}.${name}`);
  switch (v.keyword) {
    case 'required':
      return `${inside(String(p.missingProperty))} is required`;
    case 'additionalProperties':
      return `${inside(String(p.additionalProperty))} is not allowed here`;
    case 'enum':
      return `${at} must be one of ${(p.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(', ')}`;
    default:
      return `${at} ${v.message ?? 'is invalid'}`;
  }
}

/** Status and body for anything thrown by a route or fastify itself; never leaks internals for 5xx. */
export function toErrorReply(error: unknown): { status: number; body: ErrorBody } {
  const e = error as { code?: unknown; statusCode?: unknown; validation?: ValidationItem[]; validationContext?: string; message?: unknown };
  if (Array.isArray(e?.validation)) {
    return { status: 400, body: { error: { code: 'SNOM_ERR_BAD_REQUEST', message: validationMessage(e.validationContext ?? 'body', e.validation) } } };
  }
  if (error instanceof SnomError) {
    const code: string = (error as SnomError<string>).code;
    const status = STATUS_BY_CODE[code] ?? 500;
    return { status, body: { error: { code, message: status >= 500 && status !== 503 ? 'internal error' : error.message } } };
  }
  const fastifyStatus = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (fastifyStatus >= 400 && fastifyStatus < 500) {
    // fastify's own client errors: bad JSON, wrong content type, body too large
    const code = fastifyStatus === 404 ? 'SNOM_ERR_NOT_FOUND' : 'SNOM_ERR_BAD_REQUEST';
    return { status: fastifyStatus, body: { error: { code, message: typeof e.message === 'string' ? e.message : 'bad request' } } };
  }
  return { status: 500, body: { error: { code: 'SNOM_ERR_INTERNAL', message: 'internal error' } } };
}
