/** Teams API: `POST/GET /v1/teams`, `GET/PATCH/DELETE /v1/teams/{id}`. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ApiError } from '../../errors/catalog.ts';
import type { Runtime } from '../../runtime.ts';
import { checkOrigins } from '../../teams/origins.ts';
import { createTeam, deleteTeam, findTeam, listTeams, teamView, updateTeam } from '../../teams/teams.ts';
import { principalOf } from '../auth.ts';
import { Envelope, errorResponses, ok, PageQuery } from '../envelope.ts';
import { IdParam } from '../validation.ts';

export const TeamSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    allowed_origins: Type.Array(Type.String(), {
      description: 'Origins that return and redirect URLs must belong to; empty allows any http(s) URL.',
    }),
    headless_connect: Type.Boolean({
      description: 'Whether headless connect links may be created for this team.',
    }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'Team' },
);

const TeamFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  allowed_origins: Type.Array(Type.String({ maxLength: 2048 }), { maxItems: 50 }),
  headless_connect: Type.Boolean(),
};

const IdParams = Type.Object({ id: IdParam('team') });

export function teamRoutes(runtime: Runtime): FastifyPluginAsyncTypebox {
  const { db } = runtime;
  return async (app) => {
    app.post(
      '/v1/teams',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['Teams'],
          summary: 'Create a team',
          body: Type.Object(
            {
              name: TeamFields.name,
              allowed_origins: Type.Optional(TeamFields.allowed_origins),
              headless_connect: Type.Optional(TeamFields.headless_connect),
            },
            { additionalProperties: false },
          ),
          response: { 201: Envelope(Type.Ref('Team')), ...errorResponses(409, 422) },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        if (principal.teamId) {
          throw new ApiError('KEY_LIMITED_TO_TEAM', 'Creating a team needs an organization-wide API key');
        }
        const body = request.body;
        const team = await createTeam(db, principal.organizationId, {
          ...body,
          ...(body.allowed_origins ? { allowed_origins: checkOrigins(body.allowed_origins) } : {}),
        });
        return reply.code(201).send(ok(request, team));
      },
    );

    app.get(
      '/v1/teams',
      {
        config: { scope: 'social:read' },
        schema: {
          tags: ['Teams'],
          summary: 'List teams',
          querystring: Type.Object(PageQuery),
          response: { 200: Envelope(Type.Array(Type.Ref('Team'))), ...errorResponses(422) },
        },
      },
      async (request) => {
        const { limit = 25, cursor } = request.query;
        const page = await listTeams(db, principalOf(request), {
          limit,
          ...(cursor ? { after: cursor } : {}),
        });
        return ok(request, page.items, { next_cursor: page.next ?? null });
      },
    );

    app.get(
      '/v1/teams/:id',
      {
        config: { scope: 'social:read' },
        schema: {
          tags: ['Teams'],
          summary: 'Get a team',
          params: IdParams,
          response: { 200: Envelope(Type.Ref('Team')), ...errorResponses(404) },
        },
      },
      async (request) => {
        const team = await findTeam(db, principalOf(request), request.params.id);
        if (!team) throw notFound(request.params.id);
        return ok(request, teamView(team));
      },
    );

    app.patch(
      '/v1/teams/:id',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['Teams'],
          summary: 'Update a team',
          params: IdParams,
          body: Type.Object(
            {
              name: Type.Optional(TeamFields.name),
              allowed_origins: Type.Optional(TeamFields.allowed_origins),
              headless_connect: Type.Optional(TeamFields.headless_connect),
            },
            { additionalProperties: false },
          ),
          response: { 200: Envelope(Type.Ref('Team')), ...errorResponses(404, 422) },
        },
      },
      async (request) => {
        const body = request.body;
        const team = await updateTeam(db, principalOf(request), request.params.id, {
          ...body,
          ...(body.allowed_origins ? { allowed_origins: checkOrigins(body.allowed_origins) } : {}),
        });
        if (!team) throw notFound(request.params.id);
        return ok(request, team);
      },
    );

    app.delete(
      '/v1/teams/:id',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['Teams'],
          summary: 'Delete a team and everything in it',
          params: IdParams,
          response: {
            200: Envelope(Type.Object({ id: Type.String(), deleted: Type.Boolean() })),
            ...errorResponses(404),
          },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        if (principal.teamId && principal.teamId !== request.params.id) throw notFound(request.params.id);
        if (principal.teamId) {
          throw new ApiError('KEY_LIMITED_TO_TEAM', 'Deleting a team needs an organization-wide API key');
        }
        if (!(await deleteTeam(db, principal.organizationId, request.params.id)))
          throw notFound(request.params.id);
        return ok(request, { id: request.params.id, deleted: true });
      },
    );
  };
}

function notFound(id: string) {
  return new ApiError('NOT_FOUND', `No team ${id}`, { resource: 'team', id });
}
