/**
 * An account's health: `connected`, `expired` (needs the user: its grant can no longer be refreshed, its
 * token ran out and cannot be refreshed, the platform refuses it, or its target is gone) or `error` (the
 * last refresh failed transiently, or the live probe could not tell), and how many whole days the token
 * it depends on has left. One account: from the stored state and a live probe of the platform, bounded in
 * time and cached per process for a minute. The team's list: from the stored state only, in one query.
 */
import { sql } from 'kysely';
import type { OAuthFailure } from '../oauth/result.ts';
import { allPlatforms, findPlatform } from '../platforms/registry.ts';
import type { PlatformModule } from '../platforms/types.ts';
import type { Runtime } from '../runtime.ts';
import type { Db } from '../storage/db.ts';
import type { Account, Grant } from '../storage/schema.ts';
import { probeGrant } from './probe.ts';

export type HealthStatus = 'connected' | 'expired' | 'error';

export interface AccountHealth {
  id: string;
  platform: string;
  account_name: string;
  status: HealthStatus;
  token_expired: boolean;
  validity_days: number | null;
  checked_at: string;
  /** Why it is not `connected`. */
  error?: string;
}

export interface HealthListItem {
  id: string;
  platform: string;
  account_name: string;
  /** False while the account is paused. */
  is_active: boolean;
  status: HealthStatus;
  token_expired: boolean;
  validity_days: number | null;
}

export interface HealthTallies {
  /** Connected and not expiring. */
  healthy: number;
  /** Still valid, but the token it depends on runs out within `PORTICO_TOKEN_EXPIRING_DAYS` (7) and does not renew itself. */
  expiring: number;
  expired: number;
  paused: number;
}

const DAY_MS = 86_400_000;
/** A live probe never holds a health call longer than this. */
export const PROBE_TIMEOUT_MS = 3_000;
/** How long a probe's answer is reused (per process). */
export const PROBE_CACHE_MS = 60_000;

/**
 * When the token the account lives by runs out: its target's own token (a Facebook Page token), else the
 * grant's refresh token when it has one (a new access token comes from it until then), else the grant's
 * access token. Null: never.
 */
function dependsUntil(
  module: PlatformModule | undefined,
  grant: Pick<Grant, 'access_expires_at' | 'refresh_expires_at' | 'refresh_token_enc'>,
  target: { access_token_enc: string | null; access_expires_at: Date | null } | undefined,
): Date | null {
  if (target?.access_token_enc) return target.access_expires_at;
  if (module?.refresh.kind === 'oauth2' && grant.refresh_token_enc !== null) return grant.refresh_expires_at;
  return grant.access_expires_at;
}

function validityDays(until: Date | null, now: Date): number | null {
  if (!until) return null;
  return Math.max(0, Math.floor((until.getTime() - now.getTime()) / DAY_MS));
}

// ---------------------------------------------------------------------------------------------------------
// One account, with a live probe

type ProbeAnswer = { ok: true } | { ok: false; failure: OAuthFailure };
interface CachedProbe {
  at: number;
  /** The token that was probed: a new token (refresh, reconnect) is probed again. */
  token: string;
  answer: ProbeAnswer;
}
const probeCaches = new WeakMap<Runtime, Map<string, CachedProbe>>();
const MAX_CACHED = 10_000;

async function cachedProbe(runtime: Runtime, grant: Grant, timeoutMs: number): Promise<ProbeAnswer> {
  let cache = probeCaches.get(runtime);
  if (!cache) {
    cache = new Map();
    probeCaches.set(runtime, cache);
  }
  const now = runtime.now().getTime();
  const hit = cache.get(grant.id);
  if (hit && hit.token === grant.access_token_enc && now - hit.at < PROBE_CACHE_MS) return hit.answer;
  const result = await probeGrant(runtime, grant, { timeoutMs });
  const answer: ProbeAnswer = result.ok ? { ok: true } : { ok: false, failure: result.failure };
  if (cache.size >= MAX_CACHED) {
    for (const [key, entry] of cache) if (now - entry.at >= PROBE_CACHE_MS) cache.delete(key);
    if (cache.size >= MAX_CACHED) cache.clear();
  }
  cache.set(grant.id, { at: now, token: grant.access_token_enc, answer });
  return answer;
}

export async function accountHealth(
  runtime: Runtime,
  account: Account,
  options: { probe: boolean; timeoutMs?: number },
): Promise<AccountHealth> {
  const grant = await runtime.db
    .selectFrom('grants')
    .selectAll()
    .where('id', '=', account.grant_id)
    .executeTakeFirstOrThrow();
  const target = account.target_id
    ? await runtime.db
        .selectFrom('targets')
        .select(['access_token_enc', 'access_expires_at'])
        .where('id', '=', account.target_id)
        .executeTakeFirst()
    : undefined;
  const now = runtime.now();
  const until = dependsUntil(findPlatform(grant.platform), grant, target);
  const ranOut = until !== null && until <= now;
  const base = {
    id: account.id,
    platform: account.platform,
    account_name: account.display_name,
    validity_days: validityDays(until, now),
    checked_at: now.toISOString(),
  };
  const expired = (error: string): AccountHealth => ({
    ...base,
    status: 'expired',
    token_expired: true,
    validity_days: 0,
    error,
  });

  if (grant.status === 'needs_reauth')
    return expired(grant.status_reason ?? 'The platform no longer accepts the account’s tokens');
  if (ranOut) return expired('The token has expired and cannot be refreshed');
  if (account.status !== 'active') {
    return {
      ...base,
      status: 'expired',
      token_expired: false,
      error:
        account.status === 'unavailable'
          ? 'The platform no longer lists this account for the user who connected it'
          : 'The account needs to be reconnected',
    };
  }
  if (grant.last_refresh_error) {
    return { ...base, status: 'error', token_expired: false, error: grant.last_refresh_error };
  }
  // The grant's access token may be past its expiry while its refresh token is good: the next refresh
  // renews it, and a probe with it would only say what we know.
  const accessLive = grant.access_expires_at === null || grant.access_expires_at > now;
  if (options.probe && accessLive) {
    const answer = await cachedProbe(runtime, grant, options.timeoutMs ?? PROBE_TIMEOUT_MS);
    if (!answer.ok) {
      // 401: the platform no longer takes the token (revoked by the user, or ended at the platform).
      if (answer.failure.kind === 'refused' && answer.failure.status === 401) {
        return expired(`The platform refused the token: ${answer.failure.message}`);
      }
      return { ...base, status: 'error', token_expired: false, error: answer.failure.message };
    }
  }
  return { ...base, status: 'connected', token_expired: false };
}

// ---------------------------------------------------------------------------------------------------------
// The team's list: one query, no probes

function platformsByRefresh(): { oauth2: string[]; exchange: string[] } {
  // Whether a platform renews tokens is module data; the query takes it as two lists.
  const oauth2 = allPlatforms()
    .filter((m) => m.refresh.kind === 'oauth2')
    .map((m) => m.id);
  const exchange = allPlatforms()
    .filter((m) => m.refresh.kind === 'exchange')
    .map((m) => m.id);
  return { oauth2, exchange };
}

interface HealthRow {
  id: string | null;
  platform: string | null;
  display_name: string | null;
  paused: boolean | null;
  expired: boolean | null;
  token_dead: boolean | null;
  failing: boolean | null;
  until: Date | string | null;
  n_healthy: number | string;
  n_expiring: number | string;
  n_expired: number | string;
  n_paused: number | string;
}

/**
 * Every account of the team with its health from the stored state, paged by id, and the team's tallies,
 * in one statement: the tallies row is joined to the page, so an empty page still carries them.
 */
export async function teamHealth(
  db: Db,
  teamId: string,
  now: Date,
  page: { limit: number; after?: string },
  /** "Expiring" means within this many days: the same setting as the `account.token_expiring` event. */
  expiringDays: number,
): Promise<{ tallies: HealthTallies; accounts: HealthListItem[]; next: string | undefined }> {
  const { oauth2, exchange } = platformsByRefresh();
  // Arrays as one JSON parameter: the same SQL on PGlite and PostgreSQL.
  const oauth2Json = JSON.stringify(oauth2);
  const exchangeJson = JSON.stringify(exchange);
  const soon = new Date(now.getTime() + expiringDays * DAY_MS);
  const after = page.after ?? '';
  const result = await sql<HealthRow>`
    with base as (
      select a.id, a.platform, a.display_name, a.paused, a.status as account_status,
        g.status as grant_status, g.last_refresh_error,
        g.platform in (select jsonb_array_elements_text(${oauth2Json}::jsonb))
          and g.refresh_token_enc is not null as has_refresh,
        g.platform in (select jsonb_array_elements_text(${exchangeJson}::jsonb)) as renews,
        t.access_token_enc is not null as own_token,
        t.access_expires_at as target_until, g.access_expires_at, g.refresh_expires_at
      from accounts a
      join grants g on g.id = a.grant_id
      left join targets t on t.id = a.target_id
      where a.team_id = ${teamId} and a.external_id is not null
    ), dated as (
      select *, case when own_token then target_until when has_refresh then refresh_expires_at
        else access_expires_at end as until
      from base
    ), judged as (
      select *, grant_status = 'needs_reauth' or coalesce(until <= ${now}, false) as token_dead,
        grant_status = 'needs_reauth' or coalesce(until <= ${now}, false) or account_status <> 'active' as expired,
        last_refresh_error is not null as failing,
        not renews and coalesce(until <= ${soon}, false) as expiring
      from dated
    ), tallies as (
      select
        count(*) filter (where not expired and not failing and not expiring) as n_healthy,
        count(*) filter (where not expired and expiring) as n_expiring,
        count(*) filter (where expired) as n_expired,
        count(*) filter (where paused) as n_paused
      from judged
    )
    select p.id, p.platform, p.display_name, p.paused, p.expired, p.token_dead, p.failing, p.until,
      tallies.n_healthy, tallies.n_expiring, tallies.n_expired, tallies.n_paused
    from tallies
    left join lateral (
      select * from judged where id > ${after} order by id limit ${page.limit + 1}
    ) p on true
    order by p.id`.execute(db);
  const rows = result.rows;
  const first = rows[0];
  const tallies: HealthTallies = {
    healthy: Number(first?.n_healthy ?? 0),
    expiring: Number(first?.n_expiring ?? 0),
    expired: Number(first?.n_expired ?? 0),
    paused: Number(first?.n_paused ?? 0),
  };
  const found = rows.filter((r) => r.id !== null);
  const more = found.length > page.limit;
  const shown = found.slice(0, page.limit);
  return {
    tallies,
    accounts: shown.map((r) => {
      const until = r.until === null ? null : new Date(r.until);
      const status: HealthStatus = r.expired ? 'expired' : r.failing ? 'error' : 'connected';
      return {
        id: r.id!,
        platform: r.platform!,
        account_name: r.display_name!,
        is_active: !r.paused,
        status,
        token_expired: Boolean(r.token_dead),
        validity_days: r.token_dead ? 0 : validityDays(until, now),
      };
    }),
    next: more ? (shown.at(-1)?.id ?? undefined) : undefined,
  };
}
