/**
 * The hosted product's social-account endpoints (`/api/v1/social-account/...`): a custom UI's connect
 * link, the team's account of a type, and (below) channel selection and disconnecting. Thin adapters over
 * the same core as `/v1`: `startConnect` with the hosted activation policy, `accounts/social-account.ts`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { findSocialAccount, socialAccountView } from '../../../accounts/social-account.ts';
import { startConnect } from '../../../connect/start.ts';
import { ApiError } from '../../../errors/catalog.ts';
import type { PlatformModule } from '../../../platforms/types.ts';
import type { Runtime } from '../../../runtime.ts';
import { teamOf } from '../../team.ts';
import { HOSTED_TAG, hostedErrors, platformOfType, TeamIdField, TypeField } from './common.ts';

const ConnectBody = Type.Object(
  {
    type: TypeField,
    teamId: TeamIdField,
    redirectUrl: Type.String({
      maxLength: 2048,
      description:
        'Where the user lands afterwards, with `?success=<platform>-callback` or `?error=<flag>` (docs/hosted-api.md).',
    }),
    serverUrl: Type.Optional(
      Type.String({ maxLength: 2048, description: 'Mastodon: the user’s server (required there).' }),
    ),
    instagramConnectionMethod: Type.Optional(
      Type.Union([Type.Literal('FACEBOOK'), Type.Literal('INSTAGRAM')], {
        description: 'Instagram only; accepted and ignored until Instagram is served.',
      }),
    ),
    disableAutoLogin: Type.Optional(Type.Boolean({ description: 'Accepted; ignored by the served platforms.' })),
    withBusinessScope: Type.Optional(Type.Boolean({ description: 'Accepted; ignored by the served platforms.' })),
    forceBrowserOAuth: Type.Optional(Type.Boolean({ description: 'Instagram only; accepted and ignored.' })),
    tiktokForceLogin: Type.Optional(Type.Boolean({ description: 'Accepted; ignored.' })),
  },
  { additionalProperties: false },
);

/** The platform options among the hosted connect fields (`serverUrl` is Mastodon's `server_url`). */
function optionsOf(module: PlatformModule, body: Record<string, unknown>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [hosted, option] of Object.entries(module.hosted.options ?? {})) {
    if (body[hosted] !== undefined) options[option] = body[hosted];
  }
  return options;
}

/** An error naming a platform option names the hosted field the caller sent (`server_url` → `serverUrl`). */
function inHostedTerms(module: PlatformModule, error: ApiError): ApiError {
  const field = error.details?.field;
  const hosted = Object.entries(module.hosted.options ?? {}).find(([, option]) => option === field)?.[0];
  if (!hosted || typeof field !== 'string') return error;
  const issues = (error.details?.issues as Array<{ field: string; message: string }> | undefined) ?? [];
  return new ApiError(error.code, error.message.replace(field, hosted), {
    ...error.details,
    field: hosted,
    issues: issues.map((i) => (i.field === field ? { ...i, field: hosted } : i)),
  });
}

export function socialAccountRoutes(runtime: Runtime): FastifyPluginAsyncTypebox {
  const { db } = runtime;
  return async (app) => {
    app.post(
      '/social-account/connect',
      {
        config: { scope: 'social:write' },
        schema: {
          tags: [HOSTED_TAG],
          summary: 'A connect link for a custom UI: the platform’s consent page, back to redirectUrl with flags',
          body: ConnectBody,
          response: { 200: Type.Object({ url: Type.String() }), ...hostedErrors(404) },
        },
      },
      async (request) => {
        const body = request.body;
        const module = platformOfType(body.type);
        const team = await teamOf(db, request, body.teamId);
        const started = await startConnect(runtime, {
          team,
          platform: module.id,
          surface: 'portal',
          returnUrl: body.redirectUrl,
          returnUrlField: 'redirectUrl',
          options: optionsOf(module, body),
        });
        if (!started.ok) throw inHostedTerms(module, started.failure);
        return { url: started.value.connectUrl };
      },
    );

    app.get(
      '/social-account/by-type',
      {
        config: { scope: 'social:read' },
        schema: {
          tags: [HOSTED_TAG],
          summary: 'The team’s social account of a type',
          querystring: Type.Object({ type: TypeField, teamId: TeamIdField }, { additionalProperties: false }),
          response: { 200: Type.Ref('SocialAccount'), ...hostedErrors(404) },
        },
      },
      async (request) => {
        const module = platformOfType(request.query.type);
        const team = await teamOf(db, request, request.query.teamId);
        const found = await findSocialAccount(db, team.id, module);
        if (!found) {
          throw new ApiError('NOT_FOUND', `The team has no ${module.hosted.type} social account`, {
            resource: 'social_account',
          });
        }
        return socialAccountView(db, module, found);
      },
    );
  };
}
