/**
 * Delivering what the outbox queued. Any number of workers may run on one PostgreSQL: each claims due
 * deliveries with one statement (`FOR UPDATE SKIP LOCKED` and a lease), so two workers never send one
 * delivery at once, and a worker that dies leaves its claims to another once the lease runs out. Only the
 * oldest pending delivery of each (endpoint, account) is ever claimed, so an account's events arrive in
 * order. A failed attempt is retried on the configured schedule (with jitter, and never sooner than the
 * receiver's `Retry-After`); after the last one the delivery fails. An endpoint whose deliveries have all
 * failed for `disableAfterMs` is turned off, with `webhook.disabled` and a log line; what waits for it is
 * delivered when it is turned on again.
 */
import { sql } from 'kysely';
import { emitEvent } from '../events/outbox.ts';
import type { Runtime } from '../runtime.ts';
import { newId } from '../storage/ids.ts';
import { drainBatches } from '../workers/batches.ts';
import type { WebhookDelivery, WebhookEndpoint } from '../storage/schema.ts';
import { signingSecrets } from './endpoints.ts';
import { postDelivery } from './send.ts';
import { signatureHeaders } from './signing.ts';

/** Attempts in flight at once per worker. */
const CONCURRENCY = 8;
/** Claims per pass at most, so a pass ends and a stop is prompt. */
const MAX_BATCHES = 20;

export interface DeliveryRun {
  claimed: number;
  delivered: number;
  /** Failed attempts that will be retried. */
  retrying: number;
  /** Deliveries that ran out of attempts. */
  failed: number;
}

/** Longer than any attempt can take, so a live worker never loses its claim mid-attempt. */
const leaseMs = (runtime: Runtime) => runtime.config.webhooks.timeoutMs * 2 + 5000;

/** Claims up to `limit` due deliveries: each the oldest pending one of its (endpoint, ordering key). */
export function claimDeliveries(runtime: Runtime, owner: string, limit: number): Promise<WebhookDelivery[]> {
  const now = runtime.now();
  return runtime.db
    .updateTable('webhook_deliveries')
    .set({ lease_owner: owner, lease_until: new Date(now.getTime() + leaseMs(runtime)) })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
        .select('d.id')
        .where('d.status', '=', 'pending')
        .where('e.enabled', '=', true)
        .where('d.next_attempt_at', '<=', now)
        .where((w) => w.or([w('d.lease_until', 'is', null), w('d.lease_until', '<', now)]))
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('webhook_deliveries as p')
                .select('p.id')
                .whereRef('p.endpoint_id', '=', 'd.endpoint_id')
                .whereRef('p.ordering_key', '=', 'd.ordering_key')
                .where('p.status', '=', 'pending')
                .whereRef('p.seq', '<', 'd.seq'),
            ),
          ),
        )
        .orderBy('d.seq')
        .limit(limit)
        .modifyEnd(sql`for update of d skip locked`),
    )
    .returningAll()
    .execute();
}

/** One pass: claims and sends batches until nothing is due (or `MAX_BATCHES`). */
export async function deliverDue(
  runtime: Runtime,
  /** `signal`: a stopping worker; attempts in flight end at once (and are retried later), no more are claimed. */
  options: { owner?: string; signal?: AbortSignal } = {},
): Promise<DeliveryRun> {
  const owner = options.owner ?? newId('lease');
  const run: DeliveryRun = { claimed: 0, delivered: 0, retrying: 0, failed: 0 };
  run.claimed = await drainBatches({
    claim: (limit) => claimDeliveries(runtime, owner, limit),
    async handle(delivery) {
      try {
        const outcome = await attempt(runtime, delivery, owner, options.signal);
        if (outcome) run[outcome]++;
      } catch (error) {
        // A bug or a lost database: the lease runs out and another pass tries again.
        runtime.logger.error({ err: error, delivery: delivery.id }, 'delivering a webhook failed');
      }
    },
    batchSize: runtime.config.webhooks.batchSize,
    concurrency: CONCURRENCY,
    maxBatches: MAX_BATCHES,
    signal: options.signal,
  });
  return run;
}

async function attempt(
  runtime: Runtime,
  delivery: WebhookDelivery,
  owner: string,
  signal: AbortSignal | undefined,
): Promise<'delivered' | 'retrying' | 'failed' | undefined> {
  if (signal?.aborted) return undefined;
  // Renew the lease right before sending: a delivery that waited in its batch past the lease may have been
  // taken (and sent) by another worker, and must not be sent twice by this one.
  const renewed = await runtime.db
    .updateTable('webhook_deliveries')
    .set({ lease_until: new Date(runtime.now().getTime() + leaseMs(runtime)) })
    .where('id', '=', delivery.id)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'pending')
    .returning('id')
    .executeTakeFirst();
  if (!renewed) return undefined;
  const found = await runtime.db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .innerJoin('events as ev', 'ev.id', 'd.event_id')
    .selectAll('e')
    .select([
      'ev.type',
      'ev.payload',
      'ev.hosted',
      'ev.team_id as event_team_id',
      'ev.created_at as event_created_at',
    ])
    .where('d.id', '=', delivery.id)
    .where('d.lease_owner', '=', owner)
    .where('d.status', '=', 'pending')
    .executeTakeFirst();
  if (!found) return undefined;
  const endpoint: WebhookEndpoint = found;
  if (endpoint.payload_style === 'hosted' && !found.hosted) {
    // Queued for the portico style before the endpoint changed style: that product has no such event.
    await runtime.db
      .updateTable('webhook_deliveries')
      .set({
        status: 'failed',
        last_error: 'the hosted style has no form of this event',
        lease_owner: null,
        lease_until: null,
      })
      .where('id', '=', delivery.id)
      .where('lease_owner', '=', owner)
      .execute();
    return 'failed';
  }
  const body = JSON.stringify(
    endpoint.payload_style === 'hosted'
      ? // Its envelope's key order (jsonb keeps its own).
        { type: found.hosted!.type, data: found.hosted!.data }
      : {
          id: delivery.event_id,
          type: found.type,
          created_at: found.event_created_at.toISOString(),
          team_id: found.event_team_id,
          data: found.payload,
        },
  );
  const headers = signatureHeaders(
    endpoint.payload_style,
    delivery.event_id,
    body,
    signingSecrets(runtime, endpoint),
    new Date(),
  );
  const result = await postDelivery(endpoint.url, body, headers, {
    timeoutMs: runtime.config.webhooks.timeoutMs,
    allowPrivate: runtime.config.webhooks.allowPrivate,
    resolve: runtime.resolve,
    signal,
  });
  const now = runtime.now();
  const ok = result.answered && result.status >= 200 && result.status < 300;
  const attempts = delivery.attempts + 1;
  const schedule = runtime.config.webhooks.retrySchedule;
  const outcome = ok ? 'delivered' : attempts > schedule.length ? 'failed' : 'retrying';
  const recorded = {
    attempts,
    last_attempt_at: now,
    last_status_code: result.answered ? result.status : null,
    last_error: ok
      ? null
      : result.answered
        ? result.status >= 300 && result.status < 400
          ? `answered ${result.status}: redirects are not followed`
          : `answered ${result.status}`
        : result.error,
    last_latency_ms: result.latencyMs,
    last_response: result.answered ? result.body.slice(0, 500) : null,
    lease_owner: null,
    lease_until: null,
  };
  await runtime.db.transaction().execute(async (trx) => {
    const saved = await trx
      .updateTable('webhook_deliveries')
      .set(
        outcome === 'delivered'
          ? { ...recorded, status: 'delivered', delivered_at: now }
          : outcome === 'failed'
            ? { ...recorded, status: 'failed' }
            : {
                ...recorded,
                next_attempt_at: new Date(
                  now.getTime() +
                    retryDelay(schedule, attempts, result.answered ? result.retryAfterMs : undefined),
                ),
              },
      )
      .where('id', '=', delivery.id)
      .where('lease_owner', '=', owner)
      .returning('id')
      .executeTakeFirst();
    // Another worker took the delivery over (this one outlived its lease): its record stands.
    if (!saved) return;
    if (ok) {
      if (endpoint.failing_since) {
        await trx
          .updateTable('webhook_endpoints')
          .set({ failing_since: null })
          .where('id', '=', endpoint.id)
          .execute();
      }
      return;
    }
    await noteFailure(runtime, trx, endpoint, now, recorded.last_error ?? 'failed');
  });
  runtime.metrics.webhookDeliveries.inc({ outcome });
  if (ok) runtime.metrics.webhookDelay.observe((Date.now() - found.event_created_at.getTime()) / 1000);
  return outcome;
}

/**
 * A failed attempt: the endpoint is failing since its first failure after a success; failing for
 * `disableAfterMs` turns it off.
 */
async function noteFailure(
  runtime: Runtime,
  trx: Runtime['db'],
  endpoint: WebhookEndpoint,
  now: Date,
  lastError: string,
): Promise<void> {
  const failingSince = endpoint.failing_since ?? now;
  const disable = now.getTime() - failingSince.getTime() >= runtime.config.webhooks.disableAfterMs;
  const updated = await trx
    .updateTable('webhook_endpoints')
    .set({
      failing_since: sql<Date>`coalesce(failing_since, ${now})`,
      ...(disable ? { enabled: false, disabled_reason: 'failing', updated_at: now } : {}),
    })
    .where('id', '=', endpoint.id)
    .where('enabled', '=', true)
    .returning('id')
    .executeTakeFirst();
  if (!disable || !updated) return;
  const hours = Math.round((now.getTime() - failingSince.getTime()) / 3_600_000);
  runtime.logger.warn(
    { webhook: endpoint.id, failing_since: failingSince.toISOString(), last_error: lastError },
    'webhook endpoint disabled: its deliveries kept failing',
  );
  await emitEvent(
    trx,
    endpoint.team_id,
    'webhook.disabled',
    {
      webhook: { id: endpoint.id, url: endpoint.url },
      failing_since: failingSince.toISOString(),
      reason: `every delivery failed for ${hours} hours (last: ${lastError})`,
    },
    { organizationId: endpoint.organization_id, exceptEndpoint: endpoint.id },
  );
}

/**
 * The wait after failed attempt `attempts`: its step of the schedule, give or take a fifth (so retries of
 * many deliveries spread out), or longer when the receiver's `Retry-After` asks, but never longer than the
 * schedule's longest step (a receiver cannot park a delivery, and its account's later ones, for years).
 */
function retryDelay(schedule: number[], attempts: number, retryAfterMs: number | undefined): number {
  const jittered = Math.round(schedule[attempts - 1]! * (0.8 + 0.4 * Math.random()));
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, Math.max(...schedule)));
}

/**
 * Sends a delivery again (the delivery log's replay): pending and due now, with a fresh set of attempts.
 * Its place in its account's order is its original one.
 */
export async function replayDelivery(runtime: Runtime, endpointId: string, deliveryId: string) {
  return runtime.db
    .updateTable('webhook_deliveries')
    .set({
      status: 'pending',
      attempts: 0,
      next_attempt_at: new Date(0),
      lease_owner: null,
      lease_until: null,
      delivered_at: null,
    })
    .where('id', '=', deliveryId)
    .where('endpoint_id', '=', endpointId)
    .returningAll()
    .executeTakeFirst();
}

/** Pending deliveries and the age of the oldest, for the metrics. */
export async function queueStats(runtime: Runtime): Promise<{ depth: number; oldestSeconds: number }> {
  const row = await runtime.db
    .selectFrom('webhook_deliveries')
    .select((eb) => [eb.fn.countAll<string>().as('depth'), eb.fn.min('created_at').as('oldest')])
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  const oldest = row.oldest ? new Date(row.oldest as Date).getTime() : undefined;
  return { depth: Number(row.depth), oldestSeconds: oldest ? Math.max(0, (Date.now() - oldest) / 1000) : 0 };
}
