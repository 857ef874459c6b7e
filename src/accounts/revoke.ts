/**
 * Revoking a grant at its platform: the module's own way (Facebook's `DELETE /me/permissions`), else
 * RFC 7009 at its server's revocation endpoint, else nothing to do. A failure is a value: the caller
 * (disconnect) reports it and goes on.
 */
import { grantContext } from '../connect/platform-context.ts';
import { failure, type OAuthFailure, type Result, success } from '../oauth/result.ts';
import { revokeToken } from '../oauth/token.ts';
import { PlatformError } from '../platforms/api.ts';
import type { Runtime } from '../runtime.ts';
import type { Grant } from '../storage/schema.ts';
import { grantTokens } from './tokens.ts';

export async function revokeGrant(runtime: Runtime, grant: Grant): Promise<Result<void, OAuthFailure>> {
  const found = await grantContext(runtime, grant);
  if (!found) return failure({ kind: 'refused', message: 'No OAuth app is configured to revoke with' });
  const { module, ctx } = found;
  const tokens = grantTokens(runtime.keyring, grant);
  if (module.revoke) {
    try {
      await module.revoke(ctx, tokens);
      return success(undefined);
    } catch (error) {
      if (error instanceof PlatformError)
        return failure({ kind: error.kind, status: error.status, message: error.message });
      throw error;
    }
  }
  // Revoking the refresh token ends the whole grant where there is one (RFC 7009 §2.1).
  return revokeToken(
    { server: ctx.server, client: ctx.client, outbound: ctx.outbound },
    tokens.refreshToken ?? tokens.accessToken,
    tokens.refreshToken ? 'refresh_token' : 'access_token',
  );
}
