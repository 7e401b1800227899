import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, Gauge, Histogram, MetricsRegistry } from '../../../src/api/metrics-registry.js';

test('counters, gauges and histograms render the Prometheus text format', () => {
  const r = new MetricsRegistry();
  const c = r.register(new Counter('x_total', 'Things.', ['outcome']));
  c.inc({ outcome: 'ok' });
  c.inc({ outcome: 'ok' }, 2);
  c.inc({ outcome: 'a"b\\c\nd' });
  r.register(new Gauge('x_now', 'Now.', () => 7));
  const h = r.register(new Histogram('x_seconds', 'Latency.', [0.5, 0.1, 1]));
  h.observe(0.05);
  h.observe(0.7);
  h.observe(3);
  assert.equal(c.get({ outcome: 'ok' }), 3);
  assert.equal(r.render(), [
    '# HELP x_total Things.',
    '# TYPE x_total counter',
    'x_total{outcome="ok"} 3',
    'x_total{outcome="a\\"b\\\\c\\nd"} 1',
    '# HELP x_now Now.',
    '# TYPE x_now gauge',
    'x_now 7',
    '# HELP x_seconds Latency.',
    '# TYPE x_seconds histogram',
    'x_seconds_bucket{le="0.1"} 1',
    'x_seconds_bucket{le="0.5"} 1',
    'x_seconds_bucket{le="1"} 2',
    'x_seconds_bucket{le="+Inf"} 3',
    'x_seconds_sum 3.75',
    'x_seconds_count 3',
    '',
  ].join('\n'));
});

test('a gauge whose reader throws renders NaN; bad or repeated names are refused', () => {
  const r = new MetricsRegistry();
  r.register(new Gauge('g', 'G.', () => {
    throw new Error('boom');
  }));
  assert.match(r.render(), /^g NaN$/m);
  assert.throws(() => r.register(new Counter('g', 'again')), /registered twice/);
  assert.throws(() => r.register(new Counter('bad-name', 'x')), /bad metric name/);
});
