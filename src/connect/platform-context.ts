/** The context a platform module's functions run in, built in one place. */
import type { OAuthClient } from '../oauth/types.ts';
import { platformApi } from '../platforms/api.ts';
import {
  type ConnectOptions,
  type PlatformContext,
  type PlatformModule,
  serverOf,
} from '../platforms/types.ts';
import type { Runtime } from '../runtime.ts';

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
