/**
 * FreeSWITCH's argument splitting (`switch_separate_string` in `src/switch_utils.c`, with its helpers
 * `separate_string_blank_delim`, `separate_string_char_delim` and `cleanup_separated_string`),
 * re-implemented from its observable behaviour. mod_snom split every API argument string with it
 * (snom-protocol.md §1.1), so pasted mod_snom lines must split exactly as FreeSWITCH split them.
 *
 * Rules (read in FreeSWITCH's source as of 2014, when `snom_command` was added, and in a recent copy
 * of the tree; both behave the same):
 * - Only the space character (U+0020) separates; TAB, CR, LF… are ordinary characters:
 *   `a\tb c` → [`a\tb`, `c`].
 * - Runs of spaces are one separator; leading and trailing spaces are ignored: `␠a␠␠b␠` → [`a`, `b`].
 * - A string of only spaces gives ONE empty argument, the empty string none: `␠␠` → [``]; `` → [].
 * - Single quotes group and are removed: `'My Label' x` → [`My Label`, `x`]; `a'b c'd` → [`ab cd`].
 *   Double quotes are ordinary characters: `"a b"` → [`"a`, `b"`].
 * - A quote without a partner is kept, and (blank mode) every space after it stops separating:
 *   `it's a` → [`it's a`].
 * - A backslash makes the next character ordinary while splitting; afterwards only these pairs are
 *   replaced: `\'`→`'`, `\"`→`"`, `\\`→`\`, `\n` `\r` `\t` → LF CR TAB, `\s` → space (and, in `^^X`
 *   mode, `\X` → X). Every other backslash stays: `My\ Label` → [`My\ Label`] (not `My Label`!),
 *   `My\sLabel` → [`My Label`], `\q` → [`\q`].
 * - When `maxArgs` arguments exist, the last one is the whole rest of the line, its inner spaces kept as
 *   written, but still unquoted, unescaped and trimmed like any argument:
 *   (maxArgs 2) `a b  'c d'  x ` → [`a`, `b  c d  x`].
 * - A line beginning `^^X` followed by at least one more character uses X instead of a space:
 *   `^^:a b:c` → [`a b`, `c`]. In that mode empty fields count (`^^:a::b` → [`a`, ``, `b`]), a
 *   trailing separator adds nothing (`^^:a:` → [`a`]), each field is trimmed of spaces, and a quote
 *   only groups when another quote follows it. `^^:` alone is not that form: `^^:` → [`^^:`].
 * - Text after a NUL is ignored, as C strings end there: `a\0b` → [`a`].
 *
 * Deliberate differences, where FreeSWITCH's behaviour is undefined or byte-based: a backslash as the
 * last character ends the scan (FreeSWITCH read past the end of its buffer); in `^^X` mode X is a whole
 * Unicode character (FreeSWITCH used only its first UTF-8 byte, splitting multi-byte characters).
 */

/** One argument as FreeSWITCH delivers it, and the span `[start, end)` of its raw text in the input. */
export interface SeparatedArg {
  /** The argument after unquoting, unescaping and trimming. */
  readonly value: string;
  /** Index of the argument's first raw character (leading spaces skipped). */
  readonly start: number;
  /** Index just past its raw text: its separator, or the end of the scanned text for the last one. */
  readonly end: number;
}

/** The arguments of one line and the separator that split them. */
export interface SeparatedLine {
  readonly args: readonly SeparatedArg[];
  /** `' '`, or X of a `^^X` line. */
  readonly separator: string;
  /** Length of the text FreeSWITCH sees: up to the first NUL. */
  readonly scannedLength: number;
}

const QUOTE = "'";
const BACKSLASH = '\\';
const UNESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', s: ' ' };

/** Splits `line` into at most `maxArgs` arguments exactly as FreeSWITCH's API commands saw them (§1.1). */
export function separateString(line: string, maxArgs: number): string[] {
  return separateStringDetailed(line, maxArgs).args.map((a) => a.value);
}

/**
 * As {@link separateString}, with raw spans. `maxArgs` is floored; `Infinity` means no limit; below 1
 * (or NaN) gives no arguments. Never throws for any string.
 */
export function separateStringDetailed(line: string, maxArgs: number): SeparatedLine {
  const text = String(line);
  const nul = text.indexOf('\u0000');
  const n = nul === -1 ? text.length : nul;
  const max = Number.isNaN(maxArgs) ? 0 : Math.floor(maxArgs);
  if (max < 1) return { args: [], separator: ' ', scannedLength: n };

  let from = 0;
  let separator = ' ';
  if (text.startsWith('^^') && n > 2) {
    const x = charAt(text, 2, n);
    if (2 + x.length < n) {
      separator = x;
      from = 2 + x.length;
    }
  }
  const spans = separator === ' ' ? splitBlank(text, from, n, max) : splitChar(text, from, n, max, separator);
  const escapable = separator === ' ' ? '' : separator;
  const args = spans.map(([start, end]) => {
    let s = start;
    while (s < end && text[s] === ' ') s++;
    return { value: cleanup(text.slice(s, end), escapable), start: s, end };
  });
  return { args, separator, scannedLength: n };
}

/**
 * Strips what FreeSWITCH's `switch_api_execute` strips from both ends of an API argument string before
 * the module sees it (`switch_strip_whitespace`): space, TAB, LF, VT, CR — not FF or Unicode spaces.
 */
export function stripApiWhitespace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isApiWhitespace(s.charCodeAt(a))) a++;
  while (b > a && isApiWhitespace(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

function isApiWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0b || code === 0x0d;
}

/** The whole character (a surrogate pair counts as one) at `i`, or '' at or past `n`. */
function charAt(s: string, i: number, n: number): string {
  if (i >= n) return '';
  const code = s.charCodeAt(i);
  if (code >= 0xd800 && code <= 0xdbff && i + 1 < n) {
    const low = s.charCodeAt(i + 1);
    if (low >= 0xdc00 && low <= 0xdfff) return s.slice(i, i + 2);
  }
  return s.charAt(i);
}

/** `separate_string_blank_delim`: returns raw `[start, end)` spans. */
function splitBlank(s: string, from: number, n: number, max: number): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let state: 'start' | 'skipInitial' | 'findDelim' | 'skipEnding' = 'start';
  let inQuotes = false;
  let i = from;
  while (i < n && spans.length < max) {
    const c = s[i];
    switch (state) {
      case 'start':
        spans.push([i, n]);
        state = 'skipInitial';
        break;
      case 'skipInitial':
        if (c === ' ') i++;
        else state = 'findDelim';
        break;
      case 'findDelim':
        if (c === BACKSLASH) {
          i += 1 + charAt(s, i + 1, n).length;
          break;
        }
        if (c === QUOTE) {
          inQuotes = !inQuotes;
        } else if (c === ' ' && !inQuotes) {
          (spans[spans.length - 1] as [number, number])[1] = i;
          state = 'skipEnding';
        }
        i++;
        break;
      case 'skipEnding':
        if (c === ' ') i++;
        else state = 'start';
        break;
    }
  }
  return spans;
}

/** `separate_string_char_delim`: fields between single separators; a quote groups only if another follows. */
function splitChar(s: string, from: number, n: number, max: number, sep: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  const lastQuote = s.lastIndexOf(QUOTE, n - 1);
  let inQuotes = false;
  let open = false;
  let i = from;
  while (i < n && spans.length < max) {
    if (!open) {
      spans.push([i, n]);
      open = true;
      continue;
    }
    const c = s[i];
    if (c === BACKSLASH) {
      i += 1 + charAt(s, i + 1, n).length;
    } else if (c === QUOTE && (inQuotes || i < lastQuote)) {
      inQuotes = !inQuotes;
      i++;
    } else if (!inQuotes && s.startsWith(sep, i)) {
      (spans[spans.length - 1] as [number, number])[1] = i;
      open = false;
      i += sep.length;
    } else {
      i++;
    }
  }
  return spans;
}

/**
 * `cleanup_separated_string`: removes leading spaces, quote pairs and escapes, and trailing spaces
 * that are outside quotes. `escapable` is the `^^X` separator ('' in blank mode).
 */
function cleanup(raw: string, escapable: string): string {
  const lastQuote = raw.lastIndexOf(QUOTE);
  let out = '';
  let keep = -1;
  let inQuotes = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === BACKSLASH) {
      const e = charAt(raw, i + 1, raw.length);
      const replaced =
        e === QUOTE || e === '"' || e === BACKSLASH || (escapable !== '' && e === escapable) ? e : UNESCAPES[e];
      if (replaced !== undefined) {
        out += replaced;
        keep = out.length;
        i += e.length;
        continue;
      }
    }
    if (c === QUOTE && (inQuotes || i < lastQuote)) {
      inQuotes = !inQuotes;
      if (inQuotes) keep = out.length;
    } else {
      out += c;
      if (c !== ' ' || inQuotes) keep = out.length;
    }
  }
  return keep === -1 ? out : out.slice(0, keep);
}
