// The metrics snomctl exposes at /metrics, fed by the service's events and by the API's own handlers.
import type { Service } from '../service/index.js';
import { Counter, Gauge, Histogram, MetricsRegistry } from './metrics-registry.js';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The app's metrics and the hooks that feed them. */
export interface ServiceMetrics {
  readonly registry: MetricsRegistry;
  readonly deliveries: Counter;
  readonly registrations: Counter;
  readonly httpRequests: Counter;
  readonly commands: Counter;
  readonly errors: Counter;
  /** Records one finished HTTP request (`route` is the route pattern, never the raw URL). */
  http(method: string, route: string, status: number, seconds: number): void;
  /** Stops listening to the service's events. */
  close(): void;
}

/** A metric whose samples are read from the service at scrape time. */
class ScrapedMetric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'gauge' | 'counter',
    readonly read: () => ReadonlyArray<{ readonly labels: Readonly<Record<string, string>>; readonly value: number }>,
  ) {}

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const s of this.read()) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',');
      lines.push(`${this.name}${labels === '' ? '' : `{${labels}}`} ${Number.isFinite(s.value) ? s.value : 'NaN'}`);
    }
    return lines.join('\n');
  }
}

/** The connection metrics of routes that hold one (FreeSWITCH's Event Socket), labelled by connection. */
function registerRouteMetrics(registry: MetricsRegistry, service: Service): void {
  const health = (): ReturnType<Service['routeHealth']> => service.routeHealth();
  registry.register(new ScrapedMetric('snomctl_route_connected', 'Whether a route connection (FreeSWITCH Event Socket) is up (1) or not (0).', 'gauge',
    () => health().map((h) => ({ labels: { kind: h.kind, connection: h.id }, value: h.up ? 1 : 0 }))));
  registry.register(new ScrapedMetric('snomctl_route_reconnects_total', 'Route connections re-made after one was lost.', 'counter',
    () => health().map((h) => ({ labels: { kind: h.kind, connection: h.id }, value: h.reconnects }))));
  registry.register(new ScrapedMetric('snomctl_route_commands_total', 'Commands sent over a route connection (Event Socket), by outcome.', 'counter',
    () => health().flatMap((h) => Object.entries(h.commands).map(([outcome, value]) => ({ labels: { kind: h.kind, connection: h.id, outcome }, value })))));
}

/** Creates the registry and subscribes to the service's bus. */
export function createServiceMetrics(service: Service): ServiceMetrics {
  const registry = new MetricsRegistry();
  const deliveries = registry.register(new Counter('snomctl_deliveries_total', 'Key document deliveries to a contact, by outcome.', ['outcome', 'cause']));
  const deliveryLatency = registry.register(new Histogram('snomctl_delivery_latency_seconds', 'Time from send to final answer of a key document.', LATENCY_BUCKETS, ['outcome']));
  const registrations = registry.register(new Counter('snomctl_registrations_total', 'Registrar events, by type.', ['type']));
  registry.register(new Gauge('snomctl_registered_contacts', 'Contacts currently bound in the registrar.', () => {
    let n = 0;
    for (const _ of service.registrar.bindings()) n++;
    return n;
  }));
  const keyWrites = registry.register(new Counter('snomctl_key_writes_total', 'Desired key states written.', ['profile']));
  const buttonPresses = registry.register(new Counter('snomctl_button_presses_total', 'MESSAGEs to api+<command> from phones, by outcome.', ['outcome']));
  const httpRequests = registry.register(new Counter('snomctl_http_requests_total', 'REST requests, by method, route and status.', ['method', 'route', 'status']));
  const httpLatency = registry.register(new Histogram('snomctl_http_request_duration_seconds', 'REST request duration.', LATENCY_BUCKETS, ['route']));
  const commands = registry.register(new Counter('snomctl_commands_total', 'Phone web commands sent over REST, by kind and outcome.', ['kind', 'outcome']));
  const errors = registry.register(new Counter('snomctl_errors_total', 'Error answers of the REST API, by code.', ['code']));
  if (service.routeHealth().length > 0) registerRouteMetrics(registry, service);

  const off = [
    service.events.on('delivery', (e) => {
      deliveries.inc({ outcome: e.status, cause: e.cause });
      if (e.status === 'delivered' || e.status === 'failed') deliveryLatency.observe(e.latencyMs / 1000, { outcome: e.status });
    }),
    service.events.on('registration', (e) => registrations.inc({ type: e.type })),
    service.events.on('keys', (e) => keyWrites.inc({ profile: e.profile }, e.keys.length)),
    service.events.on('buttonPress', (e) => buttonPresses.inc({ outcome: e.outcome })),
  ];
  return {
    registry, deliveries, registrations, httpRequests, commands, errors,
    http(method, route, status, seconds) {
      httpRequests.inc({ method, route, status: String(status) });
      httpLatency.observe(seconds, { route });
    },
    close() {
      for (const f of off) f();
    },
  };
}
