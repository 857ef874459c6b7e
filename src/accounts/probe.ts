/**
 * A live check that a grant's token still works at its platform: the module's own probe, else its
 * identity call. A failure is a value saying who failed; health checks bound it in time.
 */
import { grantContext } from '../connect/platform-context.ts';
import { failure, type OAuthFailure, type Result, success } from '../oauth/result.ts';
import { PlatformError } from '../platforms/api.ts';
import type { Runtime } from '../runtime.ts';
import type { Grant } from '../storage/schema.ts';
import { grantTokens } from './tokens.ts';

export async function probeGrant(runtime: Runtime, grant: Grant): Promise<Result<void, OAuthFailure>> {
  const found = await grantContext(runtime, grant);
  if (!found) return failure({ kind: 'refused', message: 'No OAuth app is configured to probe with' });
  const { module, ctx } = found;
  const { accessToken } = grantTokens(runtime.keyring, grant);
  try {
    if (module.probe) await module.probe(ctx, accessToken);
    else await module.identity(ctx, { accessToken, scopes: grant.scopes });
    return success(undefined);
  } catch (error) {
    if (error instanceof PlatformError) {
      return failure({ kind: error.kind, status: error.status, message: error.message });
    }
    throw error;
  }
}
