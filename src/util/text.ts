/** Matches any C0 control character, DEL or C1 control character: never allowed in a wire value. */
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/u;

/** Returns a printable description of the first control character in `s`, or undefined if none. */
export function findControlChar(s: string): { index: number; name: string } | undefined {
  const m = CONTROL_CHARS.exec(s);
  if (!m) return undefined;
  const code = m[0].charCodeAt(0);
  const names: Record<number, string> = { 0: 'NUL', 9: 'TAB', 10: 'LF', 13: 'CR', 127: 'DEL' };
  return { index: m.index, name: names[code] ?? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` };
}
