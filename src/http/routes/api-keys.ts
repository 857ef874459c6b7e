/** API keys: `POST/GET /v1/api-keys`, `DELETE /v1/api-keys/{id}` (scope `admin`). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { createApiKey, listApiKeys, revokeApiKey } from '../../apikeys/keys.ts';
import { SCOPES } from '../../apikeys/scopes.ts';
import { ApiError } from '../../errors/catalog.ts';
import type { Runtime } from '../../runtime.ts';
import { findTeam } from '../../teams/teams.ts';
import { principalOf } from '../auth.ts';
import { Envelope, errorResponses, ok } from '../envelope.ts';
import { IdField, IdParam } from '../validation.ts';

const ApiKeySchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    prefix: Type.String({ description: 'The first characters of the key, to recognise it.' }),
    scopes: Type.Array(Type.String()),
    team_id: Type.Union([Type.String(), Type.Null()], {
      description: 'Set when the key sees only this team.',
    }),
    created_at: Type.String({ format: 'date-time' }),
    last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'ApiKey' },
);

export function apiKeyRoutes(runtime: Runtime): FastifyPluginAsyncTypebox {
  const { db } = runtime;
  return async (app) => {
    app.addSchema(ApiKeySchema);

    app.post(
      '/v1/api-keys',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['API keys'],
          summary: 'Create an API key (the secret is in this response only)',
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 200 }),
              scopes: Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), {
                minItems: 1,
                uniqueItems: true,
              }),
              team_id: Type.Optional(IdField('team', 'Limit the key to this team.')),
            },
            { additionalProperties: false },
          ),
          response: {
            201: Envelope(
              Type.Object({
                key: Type.String({ description: 'Shown once; store it now.' }),
                api_key: Type.Ref('ApiKey'),
              }),
            ),
            ...errorResponses(404, 422),
          },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        // A team-limited key can only create keys limited to its own team.
        const teamId = request.body.team_id ?? principal.teamId;
        if (teamId !== null && !(await findTeam(db, principal, teamId))) {
          throw new ApiError('NOT_FOUND', `No team ${teamId}`, { resource: 'team', id: teamId });
        }
        const created = await createApiKey(db, {
          organizationId: principal.organizationId,
          name: request.body.name,
          scopes: request.body.scopes,
          teamId,
          mode: runtime.config.mode,
        });
        return reply.code(201).send(ok(request, { key: created.key, api_key: created.view }));
      },
    );

    app.get(
      '/v1/api-keys',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['API keys'],
          summary: 'List live API keys (never their secrets)',
          response: { 200: Envelope(Type.Array(Type.Ref('ApiKey'))), ...errorResponses() },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        return ok(request, await listApiKeys(db, principal.organizationId, principal.teamId));
      },
    );

    app.delete(
      '/v1/api-keys/:id',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['API keys'],
          summary: 'Revoke an API key, at once',
          params: Type.Object({ id: IdParam('api_key') }),
          response: {
            200: Envelope(Type.Object({ id: Type.String(), revoked: Type.Boolean() })),
            ...errorResponses(404),
          },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        if (!(await revokeApiKey(db, principal.organizationId, principal.teamId, request.params.id))) {
          throw new ApiError('NOT_FOUND', `No API key ${request.params.id}`, {
            resource: 'api_key',
            id: request.params.id,
          });
        }
        return ok(request, { id: request.params.id, revoked: true });
      },
    );
  };
}
