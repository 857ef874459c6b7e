/**
 * What a Portico process is made of, in one list: the API route modules, the public routes, the sandbox
 * simulator and the background workers. Adding a feature means adding it here.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from './config/config.ts';
import { callbackUrl } from './connect/callback-url.ts';
import { accountRoutes } from './http/routes/accounts.ts';
import { connectRoutes } from './http/routes/connect.ts';
import { hostedRoutes } from './http/routes/hosted/index.ts';
import { oauthCallbackRoutes } from './http/routes/oauth-callback.ts';
import { portalRoutes } from './http/routes/portal.ts';
import { portalSettingsRoutes } from './http/routes/portal-settings.ts';
import { providerRoutes } from './http/routes/providers.ts';
import { webhookRoutes } from './http/routes/webhooks.ts';
import type { OAuthClient } from './oauth/types.ts';
import type { HostOverrides } from './outbound/host-overrides.ts';
import type { Runtime } from './runtime.ts';
import { SANDBOX_CREDENTIALS, sandboxHostOverrides, sandboxPlugin } from './sandbox/index.ts';
import { startHousekeeping } from './workers/housekeeping.ts';
import { startRefreshWorker } from './workers/refresh.ts';
import { startWebhookWorker } from './workers/webhooks.ts';
import type { Worker } from './workers/worker.ts';

export const SANDBOX_PREFIX = '/sandbox';

export const surfaces = {
  api: [
    accountRoutes,
    connectRoutes,
    providerRoutes,
    webhookRoutes,
    hostedRoutes,
    portalSettingsRoutes,
  ] as Array<(runtime: Runtime) => FastifyPluginAsync>,
  public: [oauthCallbackRoutes, portalRoutes] as Array<(runtime: Runtime) => FastifyPluginAsync>,

  /**
   * In sandbox mode the simulator is mounted on Portico's own port, and every platform host points at it.
   * `now`: the simulator keeps Portico's clock, so tests that move time move both.
   */
  async sandbox(
    config: Config,
    now?: () => Date,
  ): Promise<{
    overrides: HostOverrides;
    apps: Record<string, OAuthClient>;
    mount: { plugin: FastifyPluginAsync; prefix: string };
  }> {
    const clients = Object.entries(SANDBOX_CREDENTIALS).map(([platform, credentials]) => ({
      platform,
      ...credentials,
      redirectUris: [callbackUrl(config.publicUrl, platform)],
    }));
    return {
      overrides: sandboxHostOverrides(`${config.publicUrl}${SANDBOX_PREFIX}`),
      apps: SANDBOX_CREDENTIALS,
      mount: {
        plugin: async (app) =>
          sandboxPlugin(app, { clients, ...(now ? { now: () => now().getTime() } : {}) }),
        prefix: SANDBOX_PREFIX,
      },
    };
  },

  workers(runtime: Runtime): Worker[] {
    return [startHousekeeping(runtime), startRefreshWorker(runtime), startWebhookWorker(runtime)];
  },
};
