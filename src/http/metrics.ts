/** Prometheus metrics. One registry per runtime, so several Portico instances in one process (tests) never collide. */
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  connects: Counter<'platform' | 'outcome'>;
  refreshes: Counter<'platform' | 'outcome'>;
  /** Webhook attempts by outcome: delivered, retrying (failed, tried again later), failed (out of attempts). */
  webhookDeliveries: Counter<'outcome'>;
  /** From an event's creation to its successful delivery. */
  webhookDelay: Histogram;
  /** Read at each scrape: pending deliveries and the age of the oldest (set by the runtime, which has the database). */
  webhookQueue: { read?: () => Promise<{ depth: number; oldestSeconds: number }> };
  http: {
    duration: Histogram<'method' | 'route' | 'status'>;
    requests: Counter<'method' | 'route' | 'status'>;
  };
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'portico_' });
  const duration = new Histogram({
    name: 'portico_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'portico_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const connects = new Counter({
    name: 'portico_connects_total',
    help: 'Completed connect attempts by platform and outcome (connected or an error code)',
    labelNames: ['platform', 'outcome'],
    registers: [registry],
  });
  const refreshes = new Counter({
    name: 'portico_token_refreshes_total',
    help: 'Token refreshes by platform and outcome',
    labelNames: ['platform', 'outcome'],
    registers: [registry],
  });
  const webhookDeliveries = new Counter({
    name: 'portico_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome (delivered, retrying, failed)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const webhookDelay = new Histogram({
    name: 'portico_webhook_delivery_delay_seconds',
    help: 'Time from an event to its successful delivery',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60, 600, 3600, 86400],
    registers: [registry],
  });
  const webhookQueue: Metrics['webhookQueue'] = {};
  // One read per scrape serves both gauges.
  let reading: Promise<{ depth: number; oldestSeconds: number }> | undefined;
  const queueReading = () => {
    reading ??= (webhookQueue.read?.() ?? Promise.resolve({ depth: 0, oldestSeconds: 0 })).finally(() => {
      reading = undefined;
    });
    return reading;
  };
  new Gauge({
    name: 'portico_webhook_queue_depth',
    help: 'Webhook deliveries waiting to be sent (pending)',
    registers: [registry],
    async collect() {
      this.set((await queueReading()).depth);
    },
  });
  new Gauge({
    name: 'portico_webhook_oldest_pending_seconds',
    help: 'Age of the oldest webhook delivery still waiting to be sent',
    registers: [registry],
    async collect() {
      this.set((await queueReading()).oldestSeconds);
    },
  });
  return {
    registry,
    connects,
    refreshes,
    webhookDeliveries,
    webhookDelay,
    webhookQueue,
    http: { duration, requests },
  };
}

export function installMetrics(app: FastifyInstance, metrics: Metrics): void {
  const { registry } = metrics;
  const { duration, requests } = metrics.http;
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: ids and tokens stay out of label values.
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
