// Query strings as the phone's web server reads them: `&`-separated `name[=value]` pairs, percent-decoded
// as UTF-8 with `+` read as a space (HTML form encoding, which the phone's own forms use).
import { SnomError, err, ok, type Result } from '../../util/errors.js';

/** One query parameter; `value` is undefined for a bare name (`?RELEASE_ALL_CALLS`). */
export interface QueryParam {
  readonly name: string;
  readonly value: string | undefined;
}

/** A query the phone could not read (bad percent-encoding, invalid UTF-8, too many parameters). */
export class QueryError extends SnomError<'SNOM_ERR_SIM_QUERY'> {
  constructor(message: string) {
    super('SNOM_ERR_SIM_QUERY', message);
    this.name = 'QueryError';
  }
}

/** At most this many parameters are read from one query. */
export const MAX_QUERY_PARAMS = 100;

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * Parses a query (without `?`). Empty parts (`a=1&&b=2`, a trailing `&`) are skipped; a part splits at
 * its first `=`. A `%` not followed by two hex digits, or bytes that are not UTF-8, fail the whole
 * query (QueryError, naming the 1-based parameter). Never throws.
 */
export function parseQuery(query: string): Result<QueryParam[], QueryError> {
  if (typeof query !== 'string') return err(new QueryError('the query is not a string'));
  const out: QueryParam[] = [];
  if (query === '') return ok(out);
  for (const part of query.split('&')) {
    if (part === '') continue;
    if (out.length === MAX_QUERY_PARAMS) return err(new QueryError(`more than ${MAX_QUERY_PARAMS} parameters`));
    const eq = part.indexOf('=');
    const name = decode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? undefined : decode(part.slice(eq + 1));
    if (name === undefined || (eq >= 0 && value === undefined)) {
      return err(new QueryError(`parameter ${out.length + 1}: bad percent-encoding or not UTF-8`));
    }
    out.push({ name, value });
  }
  return ok(out);
}

/** The value of the first parameter called `name` ('' for a bare name); undefined when absent. */
export function queryValue(params: readonly QueryParam[], name: string): string | undefined {
  const param = params.find((p) => p.name === name);
  return param === undefined ? undefined : (param.value ?? '');
}
