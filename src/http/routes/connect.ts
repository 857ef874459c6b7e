/**
 * Headless connect: `POST /v1/social/connect/{platform}` makes a single-use, 15-minute connect link;
 * `GET /v1/social/connect/{state_token}` tells how it went.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { optionFields } from '../../connect/options.ts';
import { pollConnectSession } from '../../connect/poll.ts';
import { startConnect } from '../../connect/start.ts';
import { ApiError } from '../../errors/catalog.ts';
import type { Runtime } from '../../runtime.ts';
import { principalOf } from '../auth.ts';
import { Envelope, errorResponses, ok } from '../envelope.ts';
import { teamOf } from '../team.ts';
import { IdField } from '../validation.ts';

/** A metadata key, here and in the `metadata.<key>` filter of `GET /v1/social/accounts`. */
export const METADATA_KEY = '[A-Za-z0-9_.-]{1,40}';

export const Metadata = Type.Record(
  Type.String({ pattern: `^${METADATA_KEY}$` }),
  Type.String({ maxLength: 500 }),
  {
    // patternProperties alone would let any other key through, with any value.
    propertyNames: { pattern: `^${METADATA_KEY}$` },
    maxProperties: 20,
    description: 'Your own identifiers (user, customer...), copied onto every account this connect creates.',
  },
);

export function connectRoutes(runtime: Runtime): FastifyPluginAsyncTypebox {
  const { db } = runtime;
  return async (app) => {
    app.post(
      '/v1/social/connect/:platform',
      {
        config: { scope: 'social:write' },
        schema: {
          tags: ['Headless connect'],
          summary: 'Create a single-use, 15-minute connect link for one platform',
          params: Type.Object({ platform: Type.String({ maxLength: 40 }) }),
          body: Type.Optional(
            Type.Object(
              {
                return_url: Type.Optional(
                  Type.String({
                    maxLength: 2048,
                    description:
                      'Where the user lands afterwards, with ?connected=<n>&platform=<p> or ?error=<code>&platform=<p>.',
                  }),
                ),
                metadata: Type.Optional(Metadata),
                team_id: Type.Optional(
                  IdField(
                    'team',
                    'For organization-wide keys; default: the organization’s first team. A team-limited key may name only its own.',
                  ),
                ),
                // The platforms' own options (`server_url` for Mastodon), each checked against its platform.
                ...optionFields(),
              },
              { additionalProperties: false },
            ),
          ),
          response: {
            201: Envelope(
              Type.Object({
                platform: Type.String(),
                connect_url: Type.String({
                  description: 'Send the user here. Its `state` parameter is the state token.',
                }),
                expires_at: Type.String({ format: 'date-time' }),
                state_token: Type.String({
                  description: 'Poll GET /v1/social/connect/{state_token} with it.',
                }),
              }),
            ),
            ...errorResponses(404, 422),
          },
        },
      },
      async (request, reply) => {
        const { return_url, metadata, team_id, ...options } = request.body ?? {};
        const team = await teamOf(db, request, team_id);
        const started = await startConnect(runtime, {
          team,
          platform: request.params.platform,
          surface: 'headless',
          returnUrl: return_url,
          metadata,
          options,
        });
        if (!started.ok) throw started.failure;
        const opened = started.value;
        return reply.code(201).send(
          ok(request, {
            platform: opened.platform,
            connect_url: opened.connectUrl,
            expires_at: opened.expiresAt.toISOString(),
            state_token: opened.stateToken,
          }),
        );
      },
    );

    app.get(
      '/v1/social/connect/:state_token',
      {
        config: { scope: 'social:read' },
        schema: {
          tags: ['Headless connect'],
          summary: 'Poll a connect link: pending, connected (with the accounts), failed or expired',
          params: Type.Object({ state_token: Type.String({ maxLength: 200 }) }),
          response: {
            200: Envelope(
              Type.Object({
                status: Type.Union(['pending', 'connected', 'failed', 'expired'].map((s) => Type.Literal(s))),
                platform: Type.String(),
                expires_at: Type.String({ format: 'date-time' }),
                accounts: Type.Optional(Type.Array(Type.Ref('Account'))),
                error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
              }),
            ),
            ...errorResponses(404),
          },
        },
      },
      async (request) => {
        const view = await pollConnectSession(runtime, principalOf(request), request.params.state_token);
        if (!view) {
          throw new ApiError('NOT_FOUND', 'No connect session has this state token', {
            resource: 'connect_session',
          });
        }
        return ok(request, view);
      },
    );
  };
}
