// Text output: aligned tables and the small value formats the commands share.
import { printable } from './rest-client.js';

/** Columns padded to their widest cell, two spaces apart, no trailing blanks; cells made printable. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [headers, ...rows].map((row) => headers.map((_, i) => printable(row[i] ?? '')));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => [...row[i]!].length)));
  return cells
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - [...cell].length))).join('  ').trimEnd())
    .join('\n') + '\n';
}

/** `expiresAt` (epoch ms, or an ISO date) as time left from `now`: `in 3m20s`, `expired`, or `-`. */
export function formatExpiry(expiresAt: unknown, now: number): string {
  const at = typeof expiresAt === 'number' ? expiresAt : typeof expiresAt === 'string' ? Date.parse(expiresAt) : NaN;
  if (!Number.isFinite(at)) return '-';
  const left = Math.round((at - now) / 1000);
  if (left <= 0) return 'expired';
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  const s = left % 60;
  return `in ${h > 0 ? `${h}h${m}m` : m > 0 ? `${m}m${s}s` : `${s}s`}`;
}

/** A value as a short string for a table cell; `-` when absent. */
export function cell(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

/** A latency as `12 ms` (rounded; below 1 ms: `<1 ms`); `-` when absent. */
export function millis(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '- ms';
  return value < 0.5 ? '<1 ms' : `${Math.round(value)} ms`;
}

/** An object's field, or undefined when `value` is not an object. */
export function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

/** An array field, or `[]`. */
export function list(value: unknown, name?: string): readonly unknown[] {
  const v = name === undefined ? value : field(value, name);
  return Array.isArray(v) ? (v as unknown[]) : [];
}

/** JSON on one line with a final LF (what `--json` prints). */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
