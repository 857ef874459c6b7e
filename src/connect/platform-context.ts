/** The context a platform module's functions run in, built in one place. */
import type { OAuthClient } from '../oauth/types.ts';
import { findPlatform } from '../platforms/registry.ts';
import { platformApi } from '../platforms/api.ts';
import {
  type ConnectOptions,
  type PlatformContext,
  type PlatformModule,
  serverOf,
} from '../platforms/types.ts';
import type { Runtime } from '../runtime.ts';
import type { Grant } from '../storage/schema.ts';
import { resolveOAuthApp } from './oauth-apps.ts';

export function platformContext(
  runtime: Runtime,
  module: PlatformModule,
  client: OAuthClient,
  options: ConnectOptions,
): PlatformContext {
  const server = serverOf(module, options);
  if (!server) throw new Error(`${module.id} has no authorization server for these options`);
  return {
    api: platformApi(runtime.outbound),
    outbound: runtime.outbound,
    client,
    server,
    options,
    now: runtime.now(),
  };
}

/**
 * The module and context a stored grant's work runs in (refresh, relist, probe, revoke): its platform,
 * the app that authorized it, the options it was made with. Undefined when either is gone.
 */
export async function grantContext(
  runtime: Runtime,
  grant: Grant,
): Promise<{ module: PlatformModule; ctx: PlatformContext } | undefined> {
  const module = findPlatform(grant.platform);
  if (!module) return undefined;
  const app = await resolveOAuthApp(runtime, {
    teamId: grant.team_id,
    module,
    options: grant.options,
    instance: grant.instance,
  });
  return app && { module, ctx: platformContext(runtime, module, app, grant.options) };
}
