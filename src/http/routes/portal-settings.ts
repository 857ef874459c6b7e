/**
 * A team's settings for the hosted portal page: `GET/PUT /v1/teams/{id}/portal`. Today one: the origins
 * allowed to show the page in a frame (CSP `frame-ancestors`); none by default, so the page cannot be
 * framed (clickjacking) unless the team names the app's origins.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ApiError } from '../../errors/catalog.ts';
import type { Runtime } from '../../runtime.ts';
import { checkOrigins } from '../../teams/origins.ts';
import { findTeam } from '../../teams/teams.ts';
import { principalOf } from '../auth.ts';
import { Envelope, errorResponses, ok } from '../envelope.ts';
import { IdParam } from '../validation.ts';

const PortalSettings = Type.Object({
  frame_ancestors: Type.Array(Type.String({ maxLength: 2048 }), {
    maxItems: 20,
    description:
      'Origins that may show the portal page in a frame (`https://app.example.com`); empty (the default): no site may.',
  }),
});

const IdParams = Type.Object({ id: IdParam('team') });

export function portalSettingsRoutes(runtime: Runtime): FastifyPluginAsyncTypebox {
  const { db } = runtime;
  const notFound = (id: string) => new ApiError('NOT_FOUND', `No team ${id}`, { resource: 'team', id });
  return async (app) => {
    app.get(
      '/v1/teams/:id/portal',
      {
        config: { scope: 'social:read' },
        schema: {
          tags: ['Teams'],
          summary: 'The team’s hosted-portal settings',
          params: IdParams,
          response: { 200: Envelope(PortalSettings), ...errorResponses(404, 422) },
        },
      },
      async (request) => {
        const team = await findTeam(db, principalOf(request), request.params.id);
        if (!team) throw notFound(request.params.id);
        return ok(request, { frame_ancestors: team.portal_frame_ancestors });
      },
    );

    app.put(
      '/v1/teams/:id/portal',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['Teams'],
          summary: 'Set the team’s hosted-portal settings',
          params: IdParams,
          body: Type.Object(PortalSettings.properties, { additionalProperties: false }),
          response: { 200: Envelope(PortalSettings), ...errorResponses(404, 422) },
        },
      },
      async (request) => {
        const team = await findTeam(db, principalOf(request), request.params.id);
        if (!team) throw notFound(request.params.id);
        const origins = checkOrigins(request.body.frame_ancestors, 'frame_ancestors');
        await db
          .updateTable('teams')
          .set({ portal_frame_ancestors: JSON.stringify(origins), updated_at: runtime.now() })
          .where('id', '=', team.id)
          .execute();
        return ok(request, { frame_ancestors: origins });
      },
    );
  };
}
