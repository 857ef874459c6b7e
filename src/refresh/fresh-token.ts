/**
 * A currently valid access token for an account, refreshing its grant first when the token expires within
 * `minValidityMs`. Refreshing happens under the grant's lease: never two refreshes of one grant at once
 * (a rotating refresh token dies if used twice), and the new tokens are committed before they are used.
 */

import { accountView } from '../accounts/views.ts';
import { resolveOAuthApp } from '../connect/credentials.ts';
import { accountTokenContext, grantTokenContext } from '../connect/save.ts';
import { emitEvent } from '../events/outbox.ts';
import { refreshTokens } from '../oauth/token.ts';
import { findPlatform } from '../platforms/registry.ts';
import type { Runtime } from '../runtime.ts';
import { newId } from '../storage/ids.ts';
import type { Account, Grant } from '../storage/schema.ts';

const LEASE_MS = 30_000;
const WAIT_STEP_MS = 100;

export type FreshToken =
  | { ok: true; accessToken: string; expiresAt: Date | null }
  | { ok: false; reason: 'reauth_required' | 'platform_unavailable'; message: string };

export async function freshAccessToken(
  runtime: Runtime,
  account: Account,
  minValidityMs = 60_000,
): Promise<FreshToken> {
  if (account.access_token_enc) {
    // The account's own token (a Facebook Page token) is not refreshed; it lives as long as the grant.
    const expired = account.access_expires_at && account.access_expires_at <= runtime.now();
    if (expired) return reauth('The account’s token has expired');
    return {
      ok: true,
      accessToken: runtime.keyring.decrypt(
        account.access_token_enc,
        accountTokenContext(account.team_id, account.platform, account.external_id),
      ),
      expiresAt: account.access_expires_at,
    };
  }
  const deadline = Date.now() + LEASE_MS;
  for (;;) {
    const grant = await runtime.db
      .selectFrom('grants')
      .selectAll()
      .where('id', '=', account.grant_id)
      .executeTakeFirstOrThrow();
    const now = runtime.now();
    if (!needsRefresh(grant, now, minValidityMs) || !grant.refresh_token_enc) {
      if (grant.access_expires_at && grant.access_expires_at <= now)
        return reauth('The access token has expired and cannot be refreshed');
      return current(runtime, grant);
    }
    const owner = newId('lease');
    const leased = await runtime.db
      .updateTable('grants')
      .set({ refresh_lease_owner: owner, refresh_lease_until: new Date(now.getTime() + LEASE_MS) })
      .where('id', '=', grant.id)
      .where((eb) => eb.or([eb('refresh_lease_until', 'is', null), eb('refresh_lease_until', '<', now)]))
      .returningAll()
      .executeTakeFirst();
    if (leased) return refreshUnderLease(runtime, leased, owner, minValidityMs);
    // Someone else is refreshing this grant: wait for their tokens instead of racing them.
    if (Date.now() > deadline)
      return { ok: false, reason: 'platform_unavailable', message: 'A refresh is still running' };
    await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
  }
}

function needsRefresh(grant: Grant, now: Date, minValidityMs: number): boolean {
  return (
    grant.access_expires_at !== null && grant.access_expires_at.getTime() - now.getTime() < minValidityMs
  );
}

function current(runtime: Runtime, grant: Grant): FreshToken {
  return {
    ok: true,
    accessToken: runtime.keyring.decrypt(
      grant.access_token_enc,
      grantTokenContext(grant.team_id, grant.platform, grant.subject, 'access'),
    ),
    expiresAt: grant.access_expires_at,
  };
}

const reauth = (message: string): FreshToken => ({ ok: false, reason: 'reauth_required', message });

async function refreshUnderLease(
  runtime: Runtime,
  grant: Grant,
  owner: string,
  minValidityMs: number,
): Promise<FreshToken> {
  const release = () =>
    runtime.db
      .updateTable('grants')
      .set({ refresh_lease_owner: null, refresh_lease_until: null })
      .where('id', '=', grant.id)
      .where('refresh_lease_owner', '=', owner)
      .execute();
  const now = runtime.now();
  // Another holder may have refreshed between our read and our lease.
  if (!needsRefresh(grant, now, minValidityMs)) {
    await release();
    return current(runtime, grant);
  }
  const platform = findPlatform(grant.platform);
  const app = platform && (await resolveOAuthApp(runtime, grant.team_id, platform));
  if (!platform || !app || platform.tokens.refresh === 'none') {
    await release();
    return reauth('This platform’s tokens cannot be refreshed; reconnect the account');
  }
  const refreshToken = runtime.keyring.decrypt(
    grant.refresh_token_enc!,
    grantTokenContext(grant.team_id, grant.platform, grant.subject, 'refresh'),
  );
  const result = await refreshTokens(platform, app, runtime.outbound, refreshToken, now);
  if (!result.ok) {
    runtime.metrics.refreshes.inc({ platform: platform.id, outcome: result.failure.kind });
    if (result.failure.kind === 'unavailable') {
      await release();
      return { ok: false, reason: 'platform_unavailable', message: result.failure.message };
    }
    await markNeedsReauth(runtime, grant, result.failure.message);
    return reauth(
      `The platform refused to refresh the token (${result.failure.error ?? result.failure.kind})`,
    );
  }
  const tokens = result.value;
  const updated = await runtime.db
    .updateTable('grants')
    .set({
      access_token_enc: runtime.keyring.encrypt(
        tokens.accessToken,
        grantTokenContext(grant.team_id, grant.platform, grant.subject, 'access'),
      ),
      // Rotating platforms send a new refresh token; the others may send none, and the old one stays.
      ...(tokens.refreshToken
        ? {
            refresh_token_enc: runtime.keyring.encrypt(
              tokens.refreshToken,
              grantTokenContext(grant.team_id, grant.platform, grant.subject, 'refresh'),
            ),
          }
        : {}),
      access_expires_at: tokens.expiresAt ?? null,
      ...(tokens.refreshExpiresAt ? { refresh_expires_at: tokens.refreshExpiresAt } : {}),
      refresh_lease_owner: null,
      refresh_lease_until: null,
      updated_at: now,
    })
    .where('id', '=', grant.id)
    .where('refresh_lease_owner', '=', owner)
    .returningAll()
    .executeTakeFirst();
  runtime.metrics.refreshes.inc({ platform: platform.id, outcome: 'refreshed' });
  if (!updated)
    return { ok: false, reason: 'platform_unavailable', message: 'The refresh lease expired mid-refresh' };
  return current(runtime, updated);
}

/** The grant's refresh token is dead: its accounts need a human, and the app hears about it. */
async function markNeedsReauth(runtime: Runtime, grant: Grant, reason: string): Promise<void> {
  await runtime.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('grants')
      .set({ refresh_lease_owner: null, refresh_lease_until: null })
      .where('id', '=', grant.id)
      .execute();
    const accounts = await trx
      .updateTable('accounts')
      .set({ status: 'needs_reauth', updated_at: runtime.now() })
      .where('grant_id', '=', grant.id)
      .where('status', '=', 'active')
      .returningAll()
      .execute();
    for (const account of accounts) {
      await emitEvent(trx, account.team_id, 'account.token_expired', {
        account: accountView(account, grant),
        reason: reason.slice(0, 300),
      });
    }
  });
}
