/**
 * A currently valid access token for a grant, refreshing it first when it expires within `minValidityMs`,
 * the way its platform refreshes (`oauth2`, `exchange`; `none` and `delegated` are never refreshed here).
 * Used by the credentials endpoint and by the refresh worker. Refreshing happens under the grant's lease:
 * never two refreshes of one grant at once (a rotating refresh token dies if used twice), and the new
 * tokens are committed before they are used. A rotated pair is never thrown away: if the lease was lost
 * meanwhile, it is committed only if the stored token is still the one that was used; otherwise the grant
 * is marked for re-authorization, and says why.
 */
import { reconnectLink } from '../accounts/reconnect.ts';
import { grantTokenContext, grantTokens } from '../accounts/tokens.ts';
import { accountView } from '../accounts/views.ts';
import { grantContext } from '../connect/platform-context.ts';
import { emitEvent } from '../events/outbox.ts';
import { failure, type OAuthFailure, type Result, success } from '../oauth/result.ts';
import { refreshTokens } from '../oauth/token.ts';
import type { TokenSet } from '../oauth/types.ts';
import { PlatformError } from '../platforms/api.ts';
import { findPlatform } from '../platforms/registry.ts';
import type { PlatformContext, PlatformModule } from '../platforms/types.ts';
import type { Runtime } from '../runtime.ts';
import type { Db } from '../storage/db.ts';
import { newId } from '../storage/ids.ts';
import type { Grant } from '../storage/schema.ts';
import { nextRefreshAt, retryAt, schedulePolicy } from './schedule.ts';

/** The shortest lease. */
export const LEASE_MS = 30_000;

/** Longer than one platform call may take (twice the outbound timeout), so a live holder keeps its lease. */
export function leaseMs(runtime: Pick<Runtime, 'config'>): number {
  return Math.max(LEASE_MS, 2 * runtime.config.outboundTimeoutMs + 5000);
}
/** How often, and how many times, a caller looks again while another holder refreshes the grant. */
const WAIT_STEP_MS = 100;
const MAX_WAITS = 300;

export interface FreshToken {
  accessToken: string;
  expiresAt: Date | null;
}

export type RefreshFailure = {
  reason: 'reauth_required' | 'platform_unavailable';
  message: string;
  /** When the next attempt is scheduled, after a transient failure. */
  nextAttemptAt?: Date;
};

export async function freshGrantToken(
  runtime: Runtime,
  grantId: string,
  minValidityMs = 60_000,
): Promise<Result<FreshToken, RefreshFailure>> {
  for (let waits = 0; ; waits++) {
    const grant = await runtime.db
      .selectFrom('grants')
      .selectAll()
      .where('id', '=', grantId)
      .executeTakeFirst();
    if (!grant) return reauth('The grant is gone; reconnect the account');
    if (grant.status === 'needs_reauth')
      return reauth(grant.status_reason ?? 'The account needs to be reconnected');
    const now = runtime.now();
    const module = findPlatform(grant.platform);
    if (!needsRefresh(grant, now, minValidityMs) || !module || !canRefresh(module, grant)) {
      if (grant.access_expires_at && grant.access_expires_at <= now) {
        return reauth('The access token has expired and cannot be refreshed; reconnect the account');
      }
      return success(current(runtime, grant));
    }
    const owner = newId('lease');
    const leased = await runtime.db
      .updateTable('grants')
      .set({ refresh_lease_owner: owner, refresh_lease_until: new Date(now.getTime() + leaseMs(runtime)) })
      .where('id', '=', grant.id)
      .where((eb) => eb.or([eb('refresh_lease_until', 'is', null), eb('refresh_lease_until', '<', now)]))
      .returningAll()
      .executeTakeFirst();
    if (leased) return refreshUnderLease(runtime, module, leased, owner, minValidityMs);
    // Someone else is refreshing this grant: wait for their tokens instead of racing them.
    if (waits >= MAX_WAITS) {
      return failure({
        reason: 'platform_unavailable',
        message: 'A refresh of this account is still running',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
  }
}

function needsRefresh(grant: Grant, now: Date, minValidityMs: number): boolean {
  return (
    grant.access_expires_at !== null && grant.access_expires_at.getTime() - now.getTime() < minValidityMs
  );
}

/**
 * Refreshes a grant whose lease the caller already holds (the refresh worker claims due grants in
 * batches), whatever its remaining validity. Same rules and bookkeeping as `freshGrantToken`.
 */
export async function refreshLeasedGrant(
  runtime: Runtime,
  grant: Grant,
  owner: string,
): Promise<Result<FreshToken, RefreshFailure>> {
  const module = findPlatform(grant.platform);
  if (!module || !canRefresh(module, grant)) {
    await releaseLease(runtime, grant.id, owner);
    return reauth(`${grant.platform} tokens cannot be refreshed here`);
  }
  return refreshUnderLease(runtime, module, grant, owner, Number.POSITIVE_INFINITY);
}

export function canRefresh(module: PlatformModule, grant: Grant): boolean {
  if (module.refresh.kind === 'oauth2') return grant.refresh_token_enc !== null;
  return module.refresh.kind === 'exchange';
}

function current(runtime: Runtime, grant: Grant): FreshToken {
  return { accessToken: grantTokens(runtime.keyring, grant).accessToken, expiresAt: grant.access_expires_at };
}

const reauth = (message: string) => failure<RefreshFailure>({ reason: 'reauth_required', message });

async function refreshUnderLease(
  runtime: Runtime,
  module: PlatformModule,
  grant: Grant,
  owner: string,
  minValidityMs: number,
): Promise<Result<FreshToken, RefreshFailure>> {
  const now = runtime.now();
  // Another holder may have refreshed between our read and our lease.
  if (!needsRefresh(grant, now, minValidityMs)) {
    await releaseLease(runtime, grant.id, owner);
    return success(current(runtime, grant));
  }
  const found = await grantContext(runtime, grant);
  if (!found) {
    await releaseLease(runtime, grant.id, owner);
    return failure({
      reason: 'platform_unavailable',
      message: `No OAuth app is configured for ${module.name}`,
    });
  }
  const { ctx } = found;
  const used = grantTokens(runtime.keyring, grant);
  const result = await callPlatform(module, ctx, used);
  if (!result.ok) {
    runtime.metrics.refreshes.inc({ platform: module.id, outcome: result.failure.kind });
    const message = result.failure.message.slice(0, 300);
    if (result.failure.kind === 'unavailable') {
      // Transient: the tokens stay as they are (usable while valid) and the next attempt backs off.
      const attempts = grant.refresh_attempts + 1;
      const nextAttemptAt = retryAt(
        attempts,
        now,
        schedulePolicy(runtime.config),
        result.failure.retryAfterMs,
      );
      await runtime.db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('grants')
          .set({
            refresh_lease_owner: null,
            refresh_lease_until: null,
            refresh_attempts: attempts,
            last_refresh_error: message,
            next_refresh_at: nextAttemptAt,
          })
          .where('id', '=', grant.id)
          .where('refresh_lease_owner', '=', owner)
          .returningAll()
          .executeTakeFirst();
        if (!updated) return;
        await emitForAccounts(trx, updated, 'account.refresh_failed', {
          reason: message,
          attempts,
          next_attempt_at: nextAttemptAt.toISOString(),
        });
      });
      return failure({ reason: 'platform_unavailable', message, nextAttemptAt });
    }
    await markNeedsReauth(runtime, grant, `The platform refused to refresh the token: ${message}`);
    return reauth(
      `The platform refused to refresh the token (${result.failure.error ?? result.failure.kind})`,
    );
  }
  const tokens = result.value;
  const values = {
    access_token_enc: runtime.keyring.encrypt(tokens.accessToken, grantTokenContext(grant, 'access')),
    // Rotating platforms send a new refresh token; the others may send none, and the old one stays.
    ...(tokens.refreshToken
      ? {
          refresh_token_enc: runtime.keyring.encrypt(
            tokens.refreshToken,
            grantTokenContext(grant, 'refresh'),
          ),
        }
      : {}),
    access_expires_at: tokens.expiresAt ?? null,
    ...(tokens.refreshExpiresAt ? { refresh_expires_at: tokens.refreshExpiresAt } : {}),
    next_refresh_at: nextRefreshAt(module.refresh, tokens.expiresAt, now, schedulePolicy(runtime.config)),
    refresh_attempts: 0,
    last_refresh_error: null,
    last_refreshed_at: now,
    refresh_lease_owner: null,
    refresh_lease_until: null,
    updated_at: now,
  };
  runtime.metrics.refreshes.inc({ platform: module.id, outcome: 'refreshed' });
  const committed = await runtime.db.transaction().execute(async (trx) => {
    const stored =
      (await trx
        .updateTable('grants')
        .set(values)
        .where('id', '=', grant.id)
        .where('refresh_lease_owner', '=', owner)
        .returningAll()
        .executeTakeFirst()) ??
      // The lease ran out mid-call. Keep the new tokens if nobody has replaced the ones we presented.
      (await trx
        .updateTable('grants')
        .set(values)
        .where('id', '=', grant.id)
        .where(
          module.refresh.kind === 'oauth2' ? 'refresh_token_enc' : 'access_token_enc',
          '=',
          presented(grant, module),
        )
        .returningAll()
        .executeTakeFirst());
    if (stored) {
      await emitForAccounts(trx, stored, 'account.refreshed', {});
      // Healthy again after transient failures.
      if (grant.refresh_attempts > 0) {
        await emitForAccounts(trx, stored, 'account.recovered', { failed_attempts: grant.refresh_attempts });
      }
    }
    return stored;
  });
  if (committed) return success(current(runtime, committed));
  if (module.refresh.kind === 'oauth2' && module.refresh.rotates) {
    // Someone else stored other tokens while ours rotated: one of the two pairs is dead, and we cannot tell which.
    await markNeedsReauth(
      runtime,
      grant,
      'Two refreshes of this account overlapped and its refresh token may be spent',
    );
    return reauth('Two refreshes of this account overlapped; reconnect the account');
  }
  // A reusable token: what the other holder stored is as good as ours.
  const stored = await runtime.db
    .selectFrom('grants')
    .selectAll()
    .where('id', '=', grant.id)
    .executeTakeFirstOrThrow();
  return success(current(runtime, stored));
}

/** The ciphertext of the token a refresh presented, as stored. */
function presented(grant: Grant, module: PlatformModule): string {
  return module.refresh.kind === 'oauth2' ? grant.refresh_token_enc! : grant.access_token_enc;
}

async function callPlatform(
  module: PlatformModule,
  ctx: PlatformContext,
  used: { accessToken: string; refreshToken?: string },
): Promise<Result<TokenSet, OAuthFailure>> {
  const variant = module.refresh;
  if (variant.kind === 'oauth2') {
    return refreshTokens(
      { server: ctx.server, client: ctx.client, outbound: ctx.outbound, now: ctx.now },
      used.refreshToken!,
    );
  }
  if (variant.kind !== 'exchange') throw new Error(`${module.id} does not refresh here`);
  try {
    return success(await variant.refresh(ctx, used.accessToken));
  } catch (error) {
    if (error instanceof PlatformError)
      return failure({ kind: error.kind, message: error.message, status: error.status });
    throw error;
  }
}

function releaseLease(runtime: Runtime, grantId: string, owner: string) {
  return runtime.db
    .updateTable('grants')
    .set({ refresh_lease_owner: null, refresh_lease_until: null })
    .where('id', '=', grantId)
    .where('refresh_lease_owner', '=', owner)
    .execute();
}

/**
 * Emits one event per active account of the grant, with the account's public view (its expiry is the
 * grant's: a Facebook Page token made from the user token lives as long as it does) and metadata.
 */
async function emitForAccounts(
  trx: Db,
  grant: Grant,
  type: 'account.refreshed' | 'account.refresh_failed' | 'account.recovered' | 'account.token_expiring',
  extra: Record<string, unknown>,
): Promise<void> {
  const accounts = await trx
    .selectFrom('accounts')
    .selectAll()
    .where('grant_id', '=', grant.id)
    .where('status', '=', 'active')
    .execute();
  for (const account of accounts) {
    await emitEvent(trx, account.team_id, type, { account: accountView(account, grant), ...extra });
  }
}

/**
 * A token that cannot be refreshed expires soon: its accounts' apps hear about it once, and the worker
 * looks at the grant again when the token runs out.
 */
export async function warnExpiring(runtime: Runtime, grant: Grant, owner: string): Promise<void> {
  await runtime.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('grants')
      .set({ next_refresh_at: grant.access_expires_at, refresh_lease_owner: null, refresh_lease_until: null })
      .where('id', '=', grant.id)
      .where('refresh_lease_owner', '=', owner)
      .returningAll()
      .executeTakeFirst();
    if (updated) await emitForAccounts(trx, updated, 'account.token_expiring', {});
  });
}

/** A token that cannot be refreshed ran out: the grant needs a human. */
export async function expireGrant(runtime: Runtime, grant: Grant): Promise<void> {
  await markNeedsReauth(runtime, grant, 'The access token has expired and cannot be refreshed');
}

/** A fresh link for the user to re-authorize this account (the same account resumes); null when none can be made. */
async function reconnectLinkForEvent(
  runtime: Runtime,
  account: { id: string; team_id: string; platform: string },
): Promise<{ reconnect_url: string; reconnect_expires_at: string } | null> {
  const team = await runtime.db
    .selectFrom('teams')
    .selectAll()
    .where('id', '=', account.team_id)
    .executeTakeFirst();
  if (!team) return null;
  const started = await reconnectLink(runtime, team, account.id, undefined);
  if (!started.ok) {
    runtime.logger.warn(
      { account: account.id, code: started.failure.code },
      'no reconnect link for an expired account',
    );
    return null;
  }
  return {
    reconnect_url: started.value.connectUrl,
    reconnect_expires_at: started.value.expiresAt.toISOString(),
  };
}

/** The grant's refresh is dead: its accounts need a human, and the app hears about it. */
async function markNeedsReauth(runtime: Runtime, grant: Grant, reason: string): Promise<void> {
  const now = runtime.now();
  // Reconnect links first: opening a session is a write of its own, outside the transaction below.
  const active = await runtime.db
    .selectFrom('accounts')
    .select(['id', 'team_id', 'platform'])
    .where('grant_id', '=', grant.id)
    .where('status', '=', 'active')
    .execute();
  const links = new Map<string, Awaited<ReturnType<typeof reconnectLinkForEvent>>>();
  for (const account of active) links.set(account.id, await reconnectLinkForEvent(runtime, account));
  await runtime.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('grants')
      .set((eb) => ({
        status: 'needs_reauth',
        status_reason: reason.slice(0, 300),
        next_refresh_at: null,
        refresh_attempts: eb('refresh_attempts', '+', 1),
        last_refresh_error: reason.slice(0, 300),
        refresh_lease_owner: null,
        refresh_lease_until: null,
        updated_at: now,
      }))
      .where('id', '=', grant.id)
      .execute();
    const accounts = await trx
      .updateTable('accounts')
      .set({ status: 'needs_reauth', updated_at: now })
      .where('grant_id', '=', grant.id)
      .where('status', '=', 'active')
      .returningAll()
      .execute();
    for (const account of accounts) {
      await emitEvent(trx, account.team_id, 'account.token_expired', {
        account: accountView(account, grant),
        reason: reason.slice(0, 300),
        reconnect_url: links.get(account.id)?.reconnect_url ?? null,
        reconnect_expires_at: links.get(account.id)?.reconnect_expires_at ?? null,
      });
    }
  });
}
