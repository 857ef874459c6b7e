/**
 * A live check that a grant's token still works at its platform: the module's own probe, else its
 * identity call. A failure is a value saying who failed; health checks bound it in time.
 */
import { resolveOAuthApp } from '../connect/oauth-apps.ts';
import { platformContext } from '../connect/platform-context.ts';
import { failure, type OAuthFailure, type Result, success } from '../oauth/result.ts';
import { PlatformError } from '../platforms/api.ts';
import { findPlatform } from '../platforms/registry.ts';
import type { Runtime } from '../runtime.ts';
import type { Grant } from '../storage/schema.ts';
import { grantTokens } from './tokens.ts';

export async function probeGrant(runtime: Runtime, grant: Grant): Promise<Result<void, OAuthFailure>> {
  const module = findPlatform(grant.platform);
  const app =
    module &&
    (await resolveOAuthApp(runtime, {
      teamId: grant.team_id,
      module,
      options: grant.options,
      instance: grant.instance,
    }));
  if (!module || !app)
    return failure({ kind: 'refused', message: 'No OAuth app is configured to probe with' });
  const ctx = platformContext(runtime, module, app, grant.options);
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
