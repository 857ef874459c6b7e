/**
 * The hosted product's API under `/api/v1`, so that an app written against that product's SDK works with
 * Portico by changing its base URL. Paths match with or without a trailing slash (the app's router
 * ignores it); errors come in that product's shape (`http/errors.ts`). Same keys, scopes and team limits
 * as `/v1`: both surfaces are views of one store (docs/hosted-api.md).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Runtime } from '../../../runtime.ts';
import { portalLinkRoutes } from './portal-link.ts';
import { socialAccountRoutes } from './social-account.ts';
import { hostedTeamRoutes } from './teams.ts';

export const HOSTED_PREFIX = '/api/v1';

export function hostedRoutes(runtime: Runtime): FastifyPluginAsync {
  return async (app) => {
    await app.register(socialAccountRoutes(runtime), { prefix: HOSTED_PREFIX });
    await app.register(portalLinkRoutes(runtime), { prefix: HOSTED_PREFIX });
    await app.register(hostedTeamRoutes(runtime), { prefix: HOSTED_PREFIX });
  };
}
