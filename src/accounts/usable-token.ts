/**
 * "A usable token for this account": refused while the account is paused or not active; the target's own
 * token where it has one (a Facebook Page token), else the grant's, refreshed first when it expires soon.
 * Returns a value: the token, or the catalog error to answer with.
 */
import { ApiError } from '../errors/catalog.ts';
import { failure, type Result, success } from '../oauth/result.ts';
import { type FreshToken, freshGrantToken } from '../refresh/refresh-grant.ts';
import type { Runtime } from '../runtime.ts';
import { targetTokenContext } from './tokens.ts';
import type { JoinedAccount } from './views.ts';

/** `account` as the account views read it (`accountsWithGrant`): its target's own token comes along. */
export async function usableToken(
  runtime: Runtime,
  account: JoinedAccount,
): Promise<Result<FreshToken, ApiError>> {
  if (account.paused) return failure(new ApiError('ACCOUNT_PAUSED', 'The account is paused'));
  if (account.status !== 'active') {
    return failure(
      new ApiError('REAUTH_REQUIRED', 'The account needs to be reconnected', { status: account.status }),
    );
  }
  if (account.target_token_enc) {
    // The target's own token is not refreshed; it lives as long as the grant it was made from.
    if (account.target_expires_at && account.target_expires_at <= runtime.now()) {
      return failure(new ApiError('REAUTH_REQUIRED', 'The account’s token has expired'));
    }
    // An account publishing to a target carries the target's natural key (`connect/save.ts` targetFields).
    const key = { ...account, external_id: account.external_id! };
    return success({
      accessToken: runtime.keyring.decrypt(account.target_token_enc, targetTokenContext(key)),
      expiresAt: account.target_expires_at,
    });
  }
  const fresh = await freshGrantToken(runtime, account.grant_id);
  if (fresh.ok) return fresh;
  return failure(
    new ApiError(
      fresh.failure.reason === 'reauth_required' ? 'REAUTH_REQUIRED' : 'PLATFORM_UNAVAILABLE',
      fresh.failure.message,
    ),
  );
}
