/**
 * A team's own OAuth apps: `PUT/GET/DELETE /v1/providers/{platform}` (scope `admin`). The secret is
 * write-only and stored encrypted.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { callbackUrl } from '../../connect/callback-url.ts';
import { removeTeamApp, resolveOAuthApp, setTeamApp } from '../../connect/oauth-apps.ts';
import { ApiError } from '../../errors/catalog.ts';
import type { PlatformModule } from '../../platforms/types.ts';
import type { Runtime } from '../../runtime.ts';
import { Envelope, errorResponses, ok } from '../envelope.ts';
import { platformOf } from '../platform.ts';
import { teamOf } from '../team.ts';
import { IdField } from '../validation.ts';

const Params = Type.Object({ platform: Type.String({ maxLength: 40 }) });
const TeamQuery = Type.Object({
  team_id: Type.Optional(IdField('team', 'Default: the key’s own team, or the organization’s first team.')),
});
const ProviderSchema = Type.Object({
  platform: Type.String(),
  configured: Type.Boolean(),
  source: Type.Union(
    [Type.Literal('team'), Type.Literal('environment'), Type.Literal('sandbox'), Type.Null()],
    {
      description: 'Where the OAuth app in use comes from.',
    },
  ),
  client_id: Type.Union([Type.String(), Type.Null()]),
  callback_url: Type.String({ description: 'Register this redirect URI with the platform.' }),
});

/** GET and DELETE take the same parameters and answer the same shape. */
function schemaFor(summary: string) {
  return {
    tags: ['Providers'],
    summary,
    params: Params,
    querystring: TeamQuery,
    response: { 200: Envelope(ProviderSchema), ...errorResponses(404, 422) },
  };
}

export function providerRoutes(runtime: Runtime): FastifyPluginAsyncTypebox {
  const { db } = runtime;
  return async (app) => {
    async function view(teamId: string, platform: PlatformModule) {
      // Per-instance apps (Mastodon) are registered by Portico itself; there is nothing to configure.
      const resolved = platform.registration
        ? undefined
        : await resolveOAuthApp(runtime, { teamId, module: platform, options: {}, instance: '' });
      return {
        platform: platform.id,
        configured: Boolean(resolved),
        source: resolved?.source ?? null,
        client_id: resolved?.clientId ?? null,
        callback_url: callbackUrl(runtime.config.publicUrl, platform.id),
      };
    }

    app.put(
      '/v1/providers/:platform',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['Providers'],
          summary: 'Set the team’s own OAuth app for a platform',
          params: Params,
          querystring: TeamQuery,
          body: Type.Object(
            {
              client_id: Type.String({ minLength: 1, maxLength: 500 }),
              client_secret: Type.String({ minLength: 1, maxLength: 2000 }),
            },
            { additionalProperties: false },
          ),
          response: { 200: Envelope(ProviderSchema), ...errorResponses(404, 422) },
        },
      },
      async (request) => {
        const platform = platformOf(request.params.platform);
        const team = await teamOf(db, request, request.query.team_id);
        await setTeamApp(runtime, team.id, platform, {
          clientId: request.body.client_id,
          clientSecret: request.body.client_secret,
        });
        return ok(request, await view(team.id, platform));
      },
    );

    app.get(
      '/v1/providers/:platform',
      {
        config: { scope: 'admin' },
        schema: schemaFor('Show which OAuth app a platform uses (never the secret)'),
      },
      async (request) => {
        const platform = platformOf(request.params.platform);
        const team = await teamOf(db, request, request.query.team_id);
        return ok(request, await view(team.id, platform));
      },
    );

    app.delete(
      '/v1/providers/:platform',
      {
        config: { scope: 'admin' },
        schema: schemaFor('Remove the team’s own OAuth app (the environment’s applies again, if any)'),
      },
      async (request) => {
        const platform = platformOf(request.params.platform);
        const team = await teamOf(db, request, request.query.team_id);
        const removed = await removeTeamApp(runtime, team.id, platform);
        if (!removed) {
          throw new ApiError('NOT_FOUND', `The team has no OAuth app of its own for ${platform.name}`, {
            resource: 'provider',
          });
        }
        return ok(request, await view(team.id, platform));
      },
    );
  };
}
