/**
 * Core operations on a grant's targets for surfaces that let a person choose: list them again from the
 * platform (the hosted product's refresh-channels) and select or clear an account's target (its
 * set-channel / unset-channel).
 */
import { grantContext } from '../connect/platform-context.ts';
import { grantFields, isHeadlessAccount, targetFields } from '../connect/save.ts';
import { ApiError } from '../errors/catalog.ts';
import { emitEvent } from '../events/outbox.ts';
import { failure, type Result, success } from '../oauth/result.ts';
import { PlatformError } from '../platforms/api.ts';
import { findPlatform } from '../platforms/registry.ts';
import { freshGrantToken } from '../refresh/refresh-grant.ts';
import type { Runtime } from '../runtime.ts';
import type { Account, AccountUpdate, Grant, TargetRow } from '../storage/schema.ts';
import { availableTargets, syncTargets } from './targets.ts';
import { accountView } from './views.ts';

/** Asks the platform for the grant's targets again and stores what it says; gone ones are marked. */
export async function relistTargets(
  runtime: Runtime,
  grantId: string,
): Promise<Result<TargetRow[], ApiError>> {
  const grant = await runtime.db
    .selectFrom('grants')
    .selectAll()
    .where('id', '=', grantId)
    .executeTakeFirst();
  const module = grant && findPlatform(grant.platform);
  if (!grant || !module) return failure(new ApiError('NOT_FOUND', 'No such grant', { resource: 'grant' }));
  const token = await freshGrantToken(runtime, grant.id);
  if (!token.ok) {
    const code = token.failure.reason === 'reauth_required' ? 'REAUTH_REQUIRED' : 'PLATFORM_UNAVAILABLE';
    return failure(new ApiError(code, token.failure.message));
  }
  const found = await grantContext(runtime, grant);
  if (!found) {
    return failure(new ApiError('PROVIDER_NOT_CONFIGURED', `No OAuth app is configured for ${module.name}`));
  }
  const { ctx } = found;
  const tokens = { accessToken: token.value.accessToken, scopes: grant.scopes };
  const identity = {
    id: grant.subject,
    name: grant.subject_name,
    username: grant.subject_username ?? undefined,
    avatarUrl: grant.subject_avatar_url ?? undefined,
  };
  try {
    const targets = await module.listTargets(ctx, tokens, identity);
    const rows = await runtime.db
      .transaction()
      .execute((trx) => syncTargets(trx, runtime.keyring, grant, targets, runtime.now()));
    return success(rows);
  } catch (error) {
    if (error instanceof PlatformError) {
      return failure(
        new ApiError('PLATFORM_UNAVAILABLE', `${module.name} could not list targets: ${error.message}`),
      );
    }
    throw error;
  }
}

/** Selects one of the grant's available targets for a `single` account, or clears the selection (null). */
export async function selectTarget(
  runtime: Runtime,
  account: Account,
  externalId: string | null,
): Promise<Result<Account, ApiError>> {
  const grant = await runtime.db
    .selectFrom('grants')
    .selectAll()
    .where('id', '=', account.grant_id)
    .executeTakeFirstOrThrow();
  const now = runtime.now();
  if (externalId === null) {
    return success(
      await saveSelection(runtime, account, grant, {
        ...grantFields(grant, account.target_type),
        updated_at: now,
      }),
    );
  }
  const target = (await availableTargets(runtime.db, grant.id)).find((t) => t.external_id === externalId);
  if (!target) {
    return failure(
      new ApiError('NOT_FOUND', `The account has no channel ${externalId}`, { resource: 'channel' }),
    );
  }
  // A target is activated once: a channel that is a headless account already stays that account.
  if (
    target.external_id !== account.external_id &&
    (await isHeadlessAccount(runtime.db, grant, externalId))
  ) {
    return failure(
      new ApiError('CHANNEL_IN_USE', `The channel ${externalId} is already connected as an account on /v1`, {
        channel: externalId,
      }),
    );
  }
  return success(
    await saveSelection(
      runtime,
      account,
      grant,
      { ...targetFields(grant, target), status: 'active', updated_at: now },
      target,
    ),
  );
}

/** Stores a selection; a changed one emits `account.updated` in the same transaction. */
function saveSelection(
  runtime: Runtime,
  account: Account,
  grant: Grant,
  changes: AccountUpdate,
  target?: TargetRow,
): Promise<Account> {
  return runtime.db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('accounts')
      .set(changes)
      .where('id', '=', account.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (row.external_id !== account.external_id) {
      await emitEvent(trx, row.team_id, 'account.updated', {
        account: accountView(row, grant, target),
        change: row.external_id ? 'channel_selected' : 'channel_unselected',
      });
    }
    return row;
  });
}

/**
 * Lists the account's channels again from the platform; a selected channel the platform no longer lists is
 * cleared (the account keeps its connection, nothing selected). Returns the account and the cleared id.
 */
export async function refreshChannels(
  runtime: Runtime,
  account: Account,
): Promise<Result<{ account: Account; cleared: string | null }, ApiError>> {
  const listed = await relistTargets(runtime, account.grant_id);
  if (!listed.ok) return listed;
  const still = account.external_id && listed.value.some((t) => t.external_id === account.external_id);
  if (!account.external_id || still) {
    const fresh = await runtime.db
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', account.id)
      .executeTakeFirstOrThrow();
    return success({ account: fresh, cleared: null });
  }
  const cleared = await selectTarget(runtime, account, null);
  if (!cleared.ok) return cleared;
  // Nothing selected is not unavailable: the connection itself still works.
  const restored = await runtime.db
    .updateTable('accounts')
    .set({ status: 'active' })
    .where('id', '=', account.id)
    .where('status', '=', 'unavailable')
    .returningAll()
    .executeTakeFirst();
  return success({ account: restored ?? cleared.value, cleared: account.external_id });
}
