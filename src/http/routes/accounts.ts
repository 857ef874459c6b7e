/**
 * Connected accounts: list, get, a currently valid access token (`/credentials`), health (one account with a
 * live probe, or the team's list with tallies), a reconnect link, pause and resume, and disconnect.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { disconnectAccount } from '../../accounts/disconnect.ts';
import { accountHealth, teamHealth } from '../../accounts/health.ts';
import { listAccounts } from '../../accounts/list.ts';
import { setPaused } from '../../accounts/pause.ts';
import { reconnectLink } from '../../accounts/reconnect.ts';
import { usableToken } from '../../accounts/usable-token.ts';
import { accountsWithGrant, usableOnV1, viewOfJoined } from '../../accounts/views.ts';
import { ApiError } from '../../errors/catalog.ts';
import { supportedPlatforms } from '../../platforms/registry.ts';
import type { Runtime } from '../../runtime.ts';
import type { Team } from '../../storage/schema.ts';
import { Envelope, errorResponses, ok, PageQuery } from '../envelope.ts';
import { platformOf } from '../platform.ts';
import { teamOf } from '../team.ts';
import { IdField, IdParam } from '../validation.ts';
import { METADATA_KEY } from './connect.ts';

const noSuchAccount = (id: string) =>
  new ApiError('NOT_FOUND', `No account ${id}`, { resource: 'account', id });
/** Platforms the OpenAPI examples show (named through the registry: platform names live in their modules). */
const EXAMPLE_PLATFORMS = [supportedPlatforms()[0], supportedPlatforms().at(-1)] as const;

export const AccountSchema = Type.Object(
  {
    id: Type.String(),
    team_id: Type.String(),
    platform: Type.String(),
    target_type: Type.String({
      description: 'profile, page, organization, channel, location, server, workspace, board or blog',
    }),
    platform_account_id: Type.String({ description: 'The platform’s own id of the target.' }),
    display_name: Type.String(),
    username: Type.Union([Type.String(), Type.Null()]),
    avatar_url: Type.Union([Type.String(), Type.Null()]),
    status: Type.Union(
      [
        Type.Literal('active'),
        Type.Literal('needs_reauth'),
        Type.Literal('unavailable'),
        Type.Literal('disconnected'),
      ],
      {
        description:
          '`needs_reauth`: its token cannot be refreshed, reconnect it. `unavailable`: the platform no longer lists it for this user (Page removed, permission withdrawn).',
      },
    ),
    paused: Type.Boolean(),
    connected_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
    scopes: Type.Array(Type.String()),
    token_expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    metadata: Type.Record(Type.String(), Type.String()),
  },
  { $id: 'Account' },
);

const IdParams = Type.Object({ id: IdParam('account') });

const HealthStatus = Type.Union([Type.Literal('connected'), Type.Literal('expired'), Type.Literal('error')], {
  description:
    '`expired`: the user must reconnect (the platform refused the token, it ran out and cannot be refreshed, or the account is unavailable). `error`: the last refresh failed for a passing reason, or the live check could not reach the platform; the account stays usable while its token is valid.',
});
const TokenExpired = Type.Boolean({
  description:
    'The token the account depends on is dead: expired beyond refreshing, or refused by the platform.',
});
const ValidityDays = Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
  description:
    'Whole days until the token the account depends on expires: the refresh token’s where the grant refreshes itself, else the access token’s (or the target’s own). Null when it does not expire.',
});

const AccountHealthSchema = Type.Object(
  {
    id: Type.String(),
    platform: Type.String(),
    account_name: Type.String(),
    status: HealthStatus,
    token_expired: TokenExpired,
    validity_days: ValidityDays,
    checked_at: Type.String({ format: 'date-time' }),
    error: Type.Optional(Type.String({ description: 'Why the status is not `connected`.' })),
  },
  {
    examples: [
      {
        id: 'acc_01JD8Z3Q4W5E6R7T8Y9U0I1O2P',
        platform: EXAMPLE_PLATFORMS[0],
        account_name: 'Ada Lovelace',
        status: 'connected',
        token_expired: false,
        validity_days: 179,
        checked_at: '2026-11-25T15:00:00.000Z',
      },
    ],
  },
);

const TeamHealthSchema = Type.Object(
  {
    healthy: Type.Integer({ description: 'Connected, and not expiring.' }),
    expiring: Type.Integer({
      description:
        'Still valid, but the token runs out within `PORTICO_TOKEN_EXPIRING_DAYS` (7 by default) and cannot be refreshed.',
    }),
    expired: Type.Integer(),
    paused: Type.Integer(),
    accounts: Type.Array(
      Type.Object({
        id: Type.String(),
        platform: Type.String(),
        account_name: Type.String(),
        is_active: Type.Boolean({ description: 'False while the account is paused.' }),
        status: HealthStatus,
        token_expired: TokenExpired,
        validity_days: ValidityDays,
      }),
    ),
  },
  {
    examples: [
      {
        healthy: 1,
        expiring: 0,
        expired: 1,
        paused: 0,
        accounts: [
          {
            id: 'acc_01JD8Z3Q4W5E6R7T8Y9U0I1O2P',
            platform: EXAMPLE_PLATFORMS[0],
            account_name: 'Ada Lovelace',
            is_active: true,
            status: 'connected',
            token_expired: false,
            validity_days: 179,
          },
          {
            id: 'acc_01JD8Z4A5S6D7F8G9H0J1K2L3M',
            platform: EXAMPLE_PLATFORMS[1],
            account_name: 'Grace Hopper',
            is_active: true,
            status: 'expired',
            token_expired: true,
            validity_days: 0,
          },
        ],
      },
    ],
  },
);

const Paused = Type.Object(
  { id: Type.String(), paused: Type.Boolean() },
  { examples: [{ id: 'acc_01JD8Z3Q4W5E6R7T8Y9U0I1O2P', paused: true }] },
);
const TeamQuery = {
  team_id: Type.Optional(IdField('team', 'Default: the key’s own team, or the organization’s first team.')),
};

export function accountRoutes(runtime: Runtime): FastifyPluginAsyncTypebox {
  const { db } = runtime;

  async function findAccount(team: Team, id: string) {
    const row = await usableOnV1(accountsWithGrant(db))
      .where('accounts.id', '=', id)
      .where('accounts.team_id', '=', team.id)
      .executeTakeFirst();
    if (!row) throw noSuchAccount(id);
    return row;
  }

  return async (app) => {
    app.get(
      '/v1/social/accounts',
      {
        config: { scope: 'social:read' },
        schema: {
          tags: ['Accounts'],
          summary: 'List connected accounts',
          description: 'Filter by platform, status, and any metadata key: `?metadata.customer_id=42`.',
          querystring: Type.Object(
            {
              ...PageQuery,
              ...TeamQuery,
              platform: Type.Optional(Type.String({ maxLength: 40 })),
              status: Type.Optional(
                Type.Union([
                  Type.Literal('active'),
                  Type.Literal('needs_reauth'),
                  Type.Literal('unavailable'),
                  Type.Literal('disconnected'),
                ]),
              ),
            },
            {
              patternProperties: { [`^metadata\\.${METADATA_KEY}$`]: Type.String({ maxLength: 500 }) },
              additionalProperties: false,
            },
          ),
          response: { 200: Envelope(Type.Array(Type.Ref('Account'))), ...errorResponses(404, 422) },
        },
      },
      async (request) => {
        const query = request.query as Record<string, string | number | undefined>;
        const team = await teamOf(db, request, request.query.team_id);
        const metadata = Object.fromEntries(
          Object.entries(query)
            .filter(([name]) => name.startsWith('metadata.'))
            .map(([name, value]) => [name.slice('metadata.'.length), String(value)]),
        );
        const page = await listAccounts(
          db,
          team.id,
          {
            ...(request.query.platform ? { platform: platformOf(request.query.platform).id } : {}),
            ...(request.query.status ? { status: request.query.status } : {}),
            metadata,
          },
          {
            limit: request.query.limit ?? 25,
            ...(request.query.cursor ? { after: request.query.cursor } : {}),
          },
        );
        return ok(request, page.items, { next_cursor: page.next ?? null });
      },
    );

    // Before `/v1/social/accounts/:id` in reading order; the router prefers the static segment anyway.
    app.get(
      '/v1/social/accounts/health',
      {
        config: { scope: 'social:read' },
        schema: {
          tags: ['Accounts'],
          summary: 'Health of every account of the team, with tallies',
          description:
            'From what Portico knows (the last refresh, the tokens’ expiry); no live check of the platforms, so it stays fast for thousands of accounts. Paged like the accounts list; the tallies count the whole team.',
          querystring: Type.Object({ ...PageQuery, ...TeamQuery }),
          response: { 200: Envelope(TeamHealthSchema), ...errorResponses(404, 422) },
        },
      },
      async (request) => {
        const team = await teamOf(db, request, request.query.team_id);
        const health = await teamHealth(
          db,
          team.id,
          runtime.now(),
          {
            limit: request.query.limit ?? 25,
            ...(request.query.cursor ? { after: request.query.cursor } : {}),
          },
          runtime.config.refresh.expiringDays,
        );
        return ok(
          request,
          { ...health.tallies, accounts: health.accounts },
          { next_cursor: health.next ?? null },
        );
      },
    );

    app.get(
      '/v1/social/accounts/:id/health',
      {
        config: { scope: 'social:read' },
        schema: {
          tags: ['Accounts'],
          summary: 'Health of an account',
          description:
            'From the last refresh and a live check of the platform (an identity call with the account’s token), which answers within a few seconds whatever the platform does and is reused for a minute. `?probe=false` skips the live check.',
          params: IdParams,
          querystring: Type.Object({
            ...TeamQuery,
            probe: Type.Optional(Type.Boolean({ default: true, description: 'Check live at the platform.' })),
          }),
          response: { 200: Envelope(AccountHealthSchema), ...errorResponses(404) },
        },
      },
      async (request) => {
        const team = await teamOf(db, request, request.query.team_id);
        const account = await findAccount(team, request.params.id);
        return ok(request, await accountHealth(runtime, account, { probe: request.query.probe !== false }));
      },
    );

    app.get(
      '/v1/social/accounts/:id/reconnect-url',
      {
        config: { scope: 'social:write' },
        schema: {
          tags: ['Accounts'],
          summary: 'A single-use, 15-minute link that re-authorizes the account',
          description:
            'The same platform user must authorize: the same account comes back (same id, new tokens, metadata kept). Another user ends in `account_mismatch` (redirect and poll), the account untouched. A connect link, so it needs `social:write`.',
          params: IdParams,
          querystring: Type.Object({
            ...TeamQuery,
            return_url: Type.Optional(
              Type.String({
                maxLength: 2048,
                description:
                  'Where the user lands afterwards, with ?connected=1&platform=<p> or ?error=<code>&platform=<p>.',
              }),
            ),
          }),
          response: {
            200: Envelope(
              Type.Object(
                {
                  reconnect_url: Type.String({ description: 'Send the user here.' }),
                  expires_at: Type.String({ format: 'date-time' }),
                  state_token: Type.String({
                    description: 'Poll GET /v1/social/connect/{state_token} with it.',
                  }),
                },
                {
                  examples: [
                    {
                      reconnect_url:
                        'https://x.com/i/oauth2/authorize?response_type=code&client_id=...&state=cst_...',
                      expires_at: '2026-11-25T15:15:00.000Z',
                      state_token: 'cst_...',
                    },
                  ],
                },
              ),
            ),
            ...errorResponses(404, 422),
          },
        },
      },
      async (request) => {
        const team = await teamOf(db, request, request.query.team_id);
        await findAccount(team, request.params.id);
        const started = await reconnectLink(runtime, team, request.params.id, request.query.return_url);
        if (!started.ok) throw started.failure;
        return ok(request, {
          reconnect_url: started.value.connectUrl,
          expires_at: started.value.expiresAt.toISOString(),
          state_token: started.value.stateToken,
        });
      },
    );

    for (const [action, paused] of [
      ['pause', true],
      ['resume', false],
    ] as const) {
      app.post(
        `/v1/social/accounts/:id/${action}`,
        {
          config: { scope: 'social:write' },
          schema: {
            tags: ['Accounts'],
            summary: paused
              ? 'Pause an account: its credentials are refused (409 ACCOUNT_PAUSED); it stays connected and refreshed'
              : 'Resume a paused account',
            description: `Doing it twice is not an error; only a change emits \`account.${paused ? 'paused' : 'resumed'}\`.`,
            params: IdParams,
            querystring: Type.Object(TeamQuery),
            response: { 200: Envelope(Paused), ...errorResponses(404) },
          },
        },
        async (request) => {
          const team = await teamOf(db, request, request.query.team_id);
          await findAccount(team, request.params.id);
          const result = await setPaused(runtime, team.id, request.params.id, paused);
          if (!result) {
            throw noSuchAccount(request.params.id);
          }
          return ok(request, result);
        },
      );
    }

    app.delete(
      '/v1/social/accounts/:id',
      {
        config: { scope: 'social:write' },
        schema: {
          tags: ['Accounts'],
          summary: 'Disconnect an account, irreversibly',
          description:
            'Revokes at the platform when no other account uses the same authorization (a failure there is reported in the `account.disconnected` event, not here), deletes the tokens and the account. Afterwards the id is 404; connecting again makes a new account.',
          params: IdParams,
          querystring: Type.Object(TeamQuery),
          response: { 200: Envelope(Type.Null()), ...errorResponses(404) },
        },
      },
      async (request) => {
        const team = await teamOf(db, request, request.query.team_id);
        await findAccount(team, request.params.id);
        const done = await disconnectAccount(runtime, team.id, request.params.id);
        if (!done) {
          throw noSuchAccount(request.params.id);
        }
        return ok(request, null);
      },
    );

    app.get(
      '/v1/social/accounts/:id',
      {
        config: { scope: 'social:read' },
        schema: {
          tags: ['Accounts'],
          summary: 'Get an account',
          params: IdParams,
          querystring: Type.Object(TeamQuery),
          response: { 200: Envelope(Type.Ref('Account')), ...errorResponses(404) },
        },
      },
      async (request) => {
        const team = await teamOf(db, request, request.query.team_id);
        return ok(request, viewOfJoined(await findAccount(team, request.params.id)));
      },
    );

    app.get(
      '/v1/social/accounts/:id/credentials',
      {
        config: { scope: 'social:read' },
        schema: {
          tags: ['Accounts'],
          summary:
            'Get a currently valid access token for the account (refreshed first when it expires within a minute)',
          params: IdParams,
          querystring: Type.Object(TeamQuery),
          response: {
            200: Envelope(
              Type.Object({
                account_id: Type.String(),
                platform: Type.String(),
                access_token: Type.String(),
                token_type: Type.Literal('bearer'),
                expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
                  description: 'Null for tokens that do not expire (Facebook Page tokens).',
                }),
              }),
            ),
            ...errorResponses(404, 409, 502),
          },
        },
      },
      async (request, reply) => {
        const team = await teamOf(db, request, request.query.team_id);
        const account = await findAccount(team, request.params.id);
        const fresh = await usableToken(runtime, account);
        if (!fresh.ok) throw fresh.failure;
        reply.header('cache-control', 'no-store');
        return ok(request, {
          account_id: account.id,
          platform: account.platform,
          access_token: fresh.value.accessToken,
          token_type: 'bearer' as const,
          expires_at: fresh.value.expiresAt?.toISOString() ?? null,
        });
      },
    );
  };
}
