/**
 * The hosted product's social-account endpoints (`/api/v1/social-account/...`): a custom UI's connect
 * link, the team's account of a type, and (below) channel selection and disconnecting. Thin adapters over
 * the same core as `/v1`: `startConnect` with the hosted activation policy, `accounts/social-account.ts`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { refreshChannels, selectTarget } from '../../../accounts/channels.ts';
import { CheckBudget } from '../../../accounts/check-budget.ts';
import { probeGrant } from '../../../accounts/probe.ts';
import { refreshProfile } from '../../../accounts/profile.ts';
import { disconnectAccount } from '../../../accounts/disconnect.ts';
import { findSocialAccount, socialAccountView } from '../../../accounts/social-account.ts';
import { startConnect } from '../../../connect/start.ts';
import { ApiError, invalidField } from '../../../errors/catalog.ts';
import type { PlatformModule } from '../../../platforms/types.ts';
import type { Runtime } from '../../../runtime.ts';
import { teamOf } from '../../team.ts';
import {
  HOSTED_TAG,
  hostedErrors,
  platformOfType,
  SocialAccountSchema,
  TeamIdField,
  TypeField,
} from './common.ts';

const TypeAndTeam = Type.Object({ type: TypeField, teamId: TeamIdField }, { additionalProperties: false });

/** The platform fields of a connect, shared by `connect` and `create-portal-link`. */
export const HostedConnectFields = {
  serverUrl: Type.Optional(
    Type.String({ maxLength: 2048, description: 'Mastodon: the user’s server (required there).' }),
  ),
  instagramConnectionMethod: Type.Optional(
    Type.Union([Type.Literal('FACEBOOK'), Type.Literal('INSTAGRAM')], {
      description: 'Instagram only; accepted and ignored until Instagram is served.',
    }),
  ),
  disableAutoLogin: Type.Optional(
    Type.Boolean({
      description:
        'Ask the platform for a new sign-in instead of the browser’s session: TikTok (`disable_auto_auth`) and Mastodon (`force_login`); accepted and ignored elsewhere.',
    }),
  ),
  withBusinessScope: Type.Optional(
    Type.Boolean({ description: 'Accepted; ignored by the served platforms.' }),
  ),
  forceBrowserOAuth: Type.Optional(Type.Boolean({ description: 'Instagram only; accepted and ignored.' })),
  tiktokForceLogin: Type.Optional(
    Type.Boolean({ description: 'TikTok: the same as `disableAutoLogin`; ignored elsewhere.' }),
  ),
};

const ConnectBody = Type.Object(
  {
    type: TypeField,
    teamId: TeamIdField,
    redirectUrl: Type.String({
      maxLength: 2048,
      description:
        'Where the user lands afterwards, with `?success=<platform>-callback` or `?error=<flag>` (docs/hosted-api.md).',
    }),
    ...HostedConnectFields,
  },
  { additionalProperties: false },
);

/** The platform options among the hosted connect fields (`serverUrl` is Mastodon's `server_url`). */
export function optionsOf(module: PlatformModule, body: Record<string, unknown>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [hosted, option] of Object.entries(module.hosted.options ?? {})) {
    if (body[hosted] !== undefined) options[option] = body[hosted];
  }
  return options;
}

/** Whether the hosted connect fields ask for a new sign-in on this platform (`disableAutoLogin`, its own field). */
export function signInAgainOf(module: PlatformModule, body: Record<string, unknown>): boolean {
  return (
    body.disableAutoLogin === true ||
    (module.hosted.signInAgainField !== undefined && body[module.hosted.signInAgainField] === true)
  );
}

/** An error naming a platform option names the hosted field the caller sent (`server_url` → `serverUrl`). */
export function inHostedTerms(module: PlatformModule, error: ApiError): ApiError {
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
          summary:
            'A connect link for a custom UI: the platform’s consent page, back to redirectUrl with flags',
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
          signInAgain: signInAgainOf(module, body),
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
          querystring: TypeAndTeam,
          response: { 200: Type.Ref('SocialAccount'), ...hostedErrors(404) },
        },
      },
      async (request) => {
        const { module, found } = await socialAccountOf(request, request.query);
        return socialAccountView(db, module, found);
      },
    );

    /** The team's social account of the type a request names; 404 when the team has none. */
    async function socialAccountOf(request: FastifyRequest, input: { type: string; teamId: string }) {
      const module = platformOfType(input.type);
      const team = await teamOf(db, request, input.teamId);
      const found = await findSocialAccount(db, team.id, module);
      if (!found) {
        throw new ApiError('NOT_FOUND', `The team has no ${module.hosted.type} social account`, {
          resource: 'social_account',
        });
      }
      return { module, team, found };
    }

    app.post(
      '/social-account/set-channel',
      {
        config: { scope: 'social:write' },
        schema: {
          tags: [HOSTED_TAG],
          summary: 'Select one of the account’s channels: it becomes usable, on /v1 too, with the same id',
          body: Type.Object(
            {
              type: TypeField,
              teamId: TeamIdField,
              channelId: Type.String({ minLength: 1, maxLength: 200 }),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Ref('SocialAccount'), ...hostedErrors(404, 409) },
        },
      },
      async (request) => {
        const { module, found } = await socialAccountOf(request, request.body);
        const selected = await selectTarget(runtime, found.account, request.body.channelId);
        if (!selected.ok) {
          if (selected.failure.code === 'NOT_FOUND') {
            throw invalidField('channelId', 'is not one of the account’s channels');
          }
          throw selected.failure;
        }
        return socialAccountView(db, module, { account: selected.value, grant: found.grant });
      },
    );

    app.post(
      '/social-account/unset-channel',
      {
        config: { scope: 'social:write' },
        schema: {
          tags: [HOSTED_TAG],
          summary: 'Clear the selected channel; the connection is kept',
          body: TypeAndTeam,
          response: { 200: Type.Ref('SocialAccount'), ...hostedErrors(404) },
        },
      },
      async (request) => {
        const { module, found } = await socialAccountOf(request, request.body);
        const cleared = await selectTarget(runtime, found.account, null);
        if (!cleared.ok) throw cleared.failure;
        return socialAccountView(db, module, { account: cleared.value, grant: found.grant });
      },
    );

    app.post(
      '/social-account/refresh-channels',
      {
        config: { scope: 'social:write' },
        schema: {
          tags: [HOSTED_TAG],
          summary: 'List the channels again from the platform; a selected channel that vanished is cleared',
          body: TypeAndTeam,
          response: {
            200: Type.Object({
              ...SocialAccountSchema.properties,
              clearedChannelId: Type.Optional(
                Type.String({
                  description: 'Present when the selected channel was gone and is now cleared.',
                }),
              ),
            }),
            ...hostedErrors(404, 409, 502),
          },
        },
      },
      async (request) => {
        const { module, found } = await socialAccountOf(request, request.body);
        const refreshed = await refreshChannels(runtime, found.account);
        if (!refreshed.ok) throw refreshed.failure;
        const view = await socialAccountView(db, module, {
          account: refreshed.value.account,
          grant: found.grant,
        });
        return refreshed.value.cleared ? { ...view, clearedChannelId: refreshed.value.cleared } : view;
      },
    );

    // Live checks cost a platform call each: a budget per account and kind (PORTICO_ACCOUNT_CHECK_*).
    const budgetOptions = {
      limit: runtime.config.rateLimit.accountChecks,
      windowSeconds: runtime.config.rateLimit.accountCheckWindowSeconds,
      now: () => runtime.now().getTime(),
    };
    const budgets = { check: new CheckBudget(budgetOptions), profile: new CheckBudget(budgetOptions) };

    function spend(reply: FastifyReply, budget: CheckBudget, accountId: string) {
      const state = budget.take(accountId);
      if (!state.allowed) {
        reply.header('retry-after', String(state.resetsIn));
        throw new ApiError(
          'RATE_LIMITED',
          `This account may be checked ${state.limit} times per ${state.windowSeconds} seconds; try again in ${state.resetsIn} seconds`,
        );
      }
      return {
        limit: state.limit,
        used: state.used,
        remaining: state.remaining,
        windowSeconds: state.windowSeconds,
      };
    }

    const Budget = {
      limit: Type.Integer(),
      used: Type.Integer(),
      remaining: Type.Integer(),
      windowSeconds: Type.Integer(),
    };

    app.post(
      '/social-account/connection-check',
      {
        config: { scope: 'social:read' },
        schema: {
          tags: [HOSTED_TAG],
          summary:
            'A live check that the account’s authorization still works at the platform (rate limited per account)',
          body: TypeAndTeam,
          response: {
            200: Type.Object({
              success: Type.Boolean(),
              message: Type.Optional(Type.String()),
              socialAccountId: Type.String(),
              checkedAt: Type.String({ format: 'date-time' }),
              ...Budget,
            }),
            ...hostedErrors(404),
          },
        },
      },
      async (request, reply) => {
        const { found } = await socialAccountOf(request, request.body);
        const budget = spend(reply, budgets.check, found.account.id);
        const probed = await probeGrant(runtime, found.grant, {
          timeoutMs: runtime.config.outboundTimeoutMs,
        });
        return {
          success: probed.ok,
          ...(probed.ok ? {} : { message: probed.failure.message }),
          socialAccountId: found.account.id,
          checkedAt: runtime.now().toISOString(),
          ...budget,
        };
      },
    );

    app.post(
      '/social-account/profile-refresh',
      {
        config: { scope: 'social:write' },
        schema: {
          tags: [HOSTED_TAG],
          summary:
            'Read the authorizing user’s profile (name, username, avatar) again and save it (rate limited per account)',
          body: TypeAndTeam,
          response: {
            200: Type.Object({
              success: Type.Boolean(),
              message: Type.Optional(Type.String()),
              socialAccountId: Type.String(),
              socialAccount: Type.Ref('SocialAccount'),
              refreshedAt: Type.String({ format: 'date-time' }),
              ...Budget,
            }),
            ...hostedErrors(404),
          },
        },
      },
      async (request, reply) => {
        const { module, found } = await socialAccountOf(request, request.body);
        const budget = spend(reply, budgets.profile, found.account.id);
        const refreshed = await refreshProfile(runtime, found.account);
        const grant = await db
          .selectFrom('grants')
          .selectAll()
          .where('id', '=', found.grant.id)
          .executeTakeFirstOrThrow();
        const account = refreshed.ok ? refreshed.value : found.account;
        return {
          success: refreshed.ok,
          ...(refreshed.ok ? {} : { message: refreshed.failure.message }),
          socialAccountId: found.account.id,
          socialAccount: await socialAccountView(db, module, { account, grant }),
          refreshedAt: runtime.now().toISOString(),
          ...budget,
        };
      },
    );

    app.delete(
      '/social-account/disconnect',
      {
        config: { scope: 'social:write' },
        schema: {
          tags: [HOSTED_TAG],
          summary: 'Disconnect the team’s account of a type (revoked at the platform where it can be)',
          body: TypeAndTeam,
          response: { 200: Type.Ref('SocialAccount'), ...hostedErrors(404) },
        },
      },
      async (request) => {
        const { module, team, found } = await socialAccountOf(request, request.body);
        const view = await socialAccountView(db, module, found);
        const done = await disconnectAccount(runtime, team.id, found.account.id);
        if (!done) {
          throw new ApiError('NOT_FOUND', `The team has no ${module.hosted.type} social account`, {
            resource: 'social_account',
          });
        }
        return view;
      },
    );
  };
}
