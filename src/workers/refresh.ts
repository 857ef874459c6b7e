/**
 * The refresh worker: keeps every grant's token fresh ahead of expiry. Any number of workers may run on one
 * PostgreSQL (and one on the embedded database). Each claims due grants in batches with one statement
 * (`FOR UPDATE SKIP LOCKED` and a lease on the injected clock), so two workers never refresh one grant at
 * once, and a worker that dies leaves its grants to another once the lease runs out. Each claimed grant
 * goes through the refresh service (`refreshLeasedGrant`), which commits a rotated pair before anything
 * else and backs off after transient failures. A token that cannot be refreshed but expires gets
 * `account.token_expiring` ahead of time and `account.token_expired` when it runs out.
 */
import { findPlatform } from '../platforms/registry.ts';
import {
  canRefresh,
  expireGrant,
  LEASE_MS,
  leaseMs,
  refreshLeasedGrant,
  warnExpiring,
} from '../refresh/refresh-grant.ts';
import type { Runtime } from '../runtime.ts';
import type { Db } from '../storage/db.ts';
import { newId } from '../storage/ids.ts';
import type { Grant } from '../storage/schema.ts';
import { drainBatches, everyIntervalOnePass } from './batches.ts';
import type { Worker } from './worker.ts';

/** Refreshes in flight at once per worker: enough to overlap platform latency, few enough to be polite. */
const CONCURRENCY = 8;
/** Batches per tick at most, so one tick ends and a stop is prompt. */
const MAX_BATCHES = 20;

export interface RefreshRun {
  claimed: number;
  refreshed: number;
  /** Transient failures, retried later. */
  failed: number;
  /** Marked for re-authorization (refused, or ran out without a way to refresh). */
  expired: number;
  /** `account.token_expiring` sent. */
  warned: number;
}

/**
 * Claims up to `limit` due grants for `owner`: active, due (`next_refresh_at <= now`, via the
 * `grants_next_refresh` index) and not leased by a live holder. Rows another worker is claiming at the
 * same moment are skipped, not waited for.
 */
export function claimDueGrants(runtime: Runtime, owner: string, limit: number): Promise<Grant[]> {
  return claimQuery(runtime.db, owner, limit, runtime.now(), leaseMs(runtime)).execute();
}

/** The claim statement itself (`scripts/seed-grants.ts` explains it on a million grants). */
export function claimQuery(db: Db, owner: string, limit: number, now: Date, lease = LEASE_MS) {
  return db
    .updateTable('grants')
    .set({ refresh_lease_owner: owner, refresh_lease_until: new Date(now.getTime() + lease) })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('grants')
        .select('id')
        .where('next_refresh_at', '<=', now)
        .where('status', '=', 'active')
        .where((w) => w.or([w('refresh_lease_until', 'is', null), w('refresh_lease_until', '<', now)]))
        .orderBy('next_refresh_at')
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returningAll();
}

/** One pass: claims and handles batches until nothing is due (or `MAX_BATCHES`). */
export async function refreshDue(
  runtime: Runtime,
  /** `signal`: a stopping worker claims no more batches. */
  options: { owner?: string; batchSize?: number; signal?: AbortSignal } = {},
): Promise<RefreshRun> {
  const owner = options.owner ?? newId('lease');
  const run: RefreshRun = { claimed: 0, refreshed: 0, failed: 0, expired: 0, warned: 0 };
  run.claimed = await drainBatches({
    claim: (limit) => claimDueGrants(runtime, owner, limit),
    async handle(grant) {
      const outcome = await handle(runtime, grant, owner);
      if (outcome) run[outcome]++;
    },
    batchSize: options.batchSize ?? runtime.config.refresh.batchSize,
    concurrency: CONCURRENCY,
    maxBatches: MAX_BATCHES,
    signal: options.signal,
  });
  return run;
}

async function handle(
  runtime: Runtime,
  claimed: Grant,
  owner: string,
): Promise<Exclude<keyof RefreshRun, 'claimed'> | undefined> {
  // Renew the lease right before the platform call and read the grant as it is now: a grant that waited
  // in the batch past its lease may have been taken (and its refresh token spent) by another worker.
  const now = runtime.now();
  const grant = await runtime.db
    .updateTable('grants')
    .set({ refresh_lease_until: new Date(now.getTime() + leaseMs(runtime)) })
    .where('id', '=', claimed.id)
    .where('refresh_lease_owner', '=', owner)
    .where('status', '=', 'active')
    .returningAll()
    .executeTakeFirst();
  if (!grant) return undefined;
  try {
    const module = findPlatform(grant.platform);
    if (module && canRefresh(module, grant)) {
      const result = await refreshLeasedGrant(runtime, grant, owner);
      if (result.ok) return 'refreshed';
      return result.failure.reason === 'platform_unavailable' ? 'failed' : 'expired';
    }
    // Cannot be refreshed: warn ahead of expiry, then hand it to a human when it runs out.
    if (grant.access_expires_at && grant.access_expires_at > now) {
      await warnExpiring(runtime, grant, owner);
      return 'warned';
    }
    if (grant.access_expires_at) {
      await expireGrant(runtime, grant);
      return 'expired';
    }
    // Nothing to do for it (no expiry): off the schedule.
    await runtime.db
      .updateTable('grants')
      .set({ next_refresh_at: null, refresh_lease_owner: null, refresh_lease_until: null })
      .where('id', '=', grant.id)
      .where('refresh_lease_owner', '=', owner)
      .execute();
    return undefined;
  } catch (error) {
    // A bug or a lost database: the lease runs out and another pass retries the grant.
    runtime.logger.error({ err: error, grant: grant.id }, 'refreshing a grant failed');
    return 'failed';
  }
}

export function startRefreshWorker(runtime: Runtime): Worker {
  return everyIntervalOnePass('refresh', runtime.config.refresh.intervalMs, runtime, async (signal) => {
    const run = await refreshDue(runtime, { signal });
    if (run.claimed > 0) runtime.logger.info({ refresh: run }, 'refresh pass');
  });
}
