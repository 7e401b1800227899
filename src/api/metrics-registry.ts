// A small Prometheus text-format registry: counters, gauges (read at scrape) and histograms.

type Labels = Readonly<Record<string, string>>;

/** Prometheus label value escaping (backslash, quote, newline). */
function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function num(v: number): string {
  return Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN';
}

interface Metric {
  readonly name: string;
  render(): string;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** A monotonically increasing count per label combination. */
export class Counter implements Metric {
  readonly #values = new Map<string, { labels: string[]; value: number }>();
  constructor(readonly name: string, readonly help: string, readonly labelNames: readonly string[] = []) {}

  /** Adds `by` (default 1) for the label values (missing labels count as ''). */
  inc(labels: Labels = {}, by = 1): void {
    const values = this.labelNames.map((n) => labels[n] ?? '');
    const key = values.join('\u0000');
    const cur = this.#values.get(key);
    if (cur) cur.value += by;
    else this.#values.set(key, { labels: values, value: by });
  }

  /** The current count for the label values (0 when never incremented). */
  get(labels: Labels = {}): number {
    return this.#values.get(this.labelNames.map((n) => labels[n] ?? '').join('\u0000'))?.value ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const v of this.#values.values()) lines.push(`${this.name}${labelText(this.labelNames, v.labels)} ${num(v.value)}`);
    return lines.join('\n');
  }
}

/** A value read when scraped. */
export class Gauge implements Metric {
  constructor(readonly name: string, readonly help: string, readonly read: () => number) {}

  render(): string {
    let v: number;
    try {
      v = this.read();
    } catch {
      v = Number.NaN;
    }
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${num(v)}`].join('\n');
  }
}

/** Observations counted in cumulative buckets (`le`), with their sum and count. */
export class Histogram implements Metric {
  readonly buckets: readonly number[];
  readonly #values = new Map<string, { labels: string[]; counts: number[]; sum: number; count: number }>();

  constructor(readonly name: string, readonly help: string, buckets: readonly number[], readonly labelNames: readonly string[] = []) {
    this.buckets = [...buckets].sort((a, b) => a - b);
  }

  /** Records one observation. */
  observe(value: number, labels: Labels = {}): void {
    const values = this.labelNames.map((n) => labels[n] ?? '');
    const key = values.join('\u0000');
    let cur = this.#values.get(key);
    if (!cur) this.#values.set(key, (cur = { labels: values, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    this.buckets.forEach((b, i) => {
      if (value <= b) cur.counts[i]!++;
    });
    cur.sum += value;
    cur.count++;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const v of this.#values.values()) {
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket${labelText(this.labelNames, v.labels, ['le', num(b)])} ${v.counts[i]!}`));
      lines.push(`${this.name}_bucket${labelText(this.labelNames, v.labels, ['le', '+Inf'])} ${v.count}`);
      lines.push(`${this.name}_sum${labelText(this.labelNames, v.labels)} ${num(v.sum)}`);
      lines.push(`${this.name}_count${labelText(this.labelNames, v.labels)} ${v.count}`);
    }
    return lines.join('\n');
  }
}

/** The metrics of one app, rendered in the Prometheus text exposition format 0.0.4. */
export class MetricsRegistry {
  readonly #metrics: Metric[] = [];

  /** Registers a metric; its name must be a valid, unused Prometheus name. */
  register<M extends Metric>(metric: M): M {
    if (!NAME.test(metric.name)) throw new RangeError(`bad metric name ${metric.name}`);
    if (this.#metrics.some((m) => m.name === metric.name)) throw new RangeError(`metric ${metric.name} registered twice`);
    this.#metrics.push(metric);
    return metric;
  }

  /** The text exposition (ends with a newline). */
  render(): string {
    return `${this.#metrics.map((m) => m.render()).join('\n')}\n`;
  }
}

/** Content-Type of render()'s output. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
