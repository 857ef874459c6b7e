/**
 * Reading the authorizing user's profile again from the platform (name, username, avatar) and saving it:
 * on the grant, on the target that is the user's own profile, and on the account when it shows that
 * profile (its own profile selected, or nothing selected). Returns the account, or the catalog error.
 */
import { grantContext } from '../connect/platform-context.ts';
import { ApiError } from '../errors/catalog.ts';
import { failure, type Result, success } from '../oauth/result.ts';
import { PlatformError } from '../platforms/api.ts';
import { freshGrantToken } from '../refresh/refresh-grant.ts';
import type { Runtime } from '../runtime.ts';
import type { Account } from '../storage/schema.ts';

export async function refreshProfile(runtime: Runtime, account: Account): Promise<Result<Account, ApiError>> {
  const grant = await runtime.db
    .selectFrom('grants')
    .selectAll()
    .where('id', '=', account.grant_id)
    .executeTakeFirstOrThrow();
  const token = await freshGrantToken(runtime, grant.id);
  if (!token.ok) {
    const code = token.failure.reason === 'reauth_required' ? 'REAUTH_REQUIRED' : 'PLATFORM_UNAVAILABLE';
    return failure(new ApiError(code, token.failure.message));
  }
  const found = await grantContext(runtime, grant);
  if (!found) return failure(new ApiError('PROVIDER_NOT_CONFIGURED', 'No OAuth app is configured'));
  const { ctx, module } = found;
  let identity: Awaited<ReturnType<typeof module.identity>>;
  try {
    identity = await module.identity(ctx, { accessToken: token.value.accessToken, scopes: grant.scopes });
  } catch (error) {
    if (error instanceof PlatformError) {
      return failure(
        new ApiError('PLATFORM_UNAVAILABLE', `${module.name} did not give the profile: ${error.message}`),
      );
    }
    throw error;
  }
  const profile = {
    display_name: identity.name,
    username: identity.username ?? null,
    avatar_url: identity.avatarUrl ?? null,
  };
  const now = runtime.now();
  const updated = await runtime.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('grants')
      .set({
        subject_name: profile.display_name,
        subject_username: profile.username,
        subject_avatar_url: profile.avatar_url,
        updated_at: now,
      })
      .where('id', '=', grant.id)
      .execute();
    await trx
      .updateTable('targets')
      .set({ ...profile, updated_at: now })
      .where('grant_id', '=', grant.id)
      .where('external_id', '=', grant.subject)
      .execute();
    if (account.external_id !== null && account.external_id !== grant.subject) return account;
    return trx
      .updateTable('accounts')
      .set({ ...profile, updated_at: now })
      .where('id', '=', account.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
  return success(updated);
}
