/**
 * Headless connect: `POST /v1/social/connect/{platform}` makes a single-use, 15-minute connect link;
 * `GET /v1/social/connect/{state_token}` tells how it went.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { resolveOAuthApp } from '../../connect/credentials.ts';
import { pollConnectSession } from '../../connect/poll.ts';
import { openConnectSession } from '../../connect/sessions.ts';
import { ApiError } from '../../errors/catalog.ts';
import type { Runtime } from '../../runtime.ts';
import { checkReturnUrl } from '../../teams/origins.ts';
import { principalOf } from '../auth.ts';
import { Envelope, errorResponses, ok } from '../envelope.ts';
import { platformOf } from '../platform.ts';
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
        const body = request.body ?? {};
        const team = await teamOf(db, request, body.team_id);
        if (!runtime.config.headlessConnect || !team.headless_connect) {
          throw new ApiError('NOT_ENABLED', 'Headless connect is turned off for this team');
        }
        const platform = platformOf(request.params.platform);
        const oauthApp = await resolveOAuthApp(runtime, team.id, platform);
        if (!oauthApp) {
          throw new ApiError('PROVIDER_NOT_CONFIGURED', `No OAuth app is configured for ${platform.name}`, {
            platform: platform.id,
          });
        }
        const returnUrl =
          body.return_url !== undefined
            ? checkReturnUrl(body.return_url, team.allowed_origins, 'return_url')
            : undefined;
        const opened = await openConnectSession(runtime, {
          teamId: team.id,
          platform,
          app: oauthApp,
          returnUrl,
          metadata: body.metadata ?? {},
          surface: 'headless',
        });
        return reply.code(201).send(
          ok(request, {
            platform: platform.id,
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
