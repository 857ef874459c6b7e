/** Connected accounts: list, get, and a currently valid access token (`/credentials`). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listAccounts } from '../../accounts/list.ts';
import { accountsWithGrant, viewOfJoined } from '../../accounts/views.ts';
import { ApiError } from '../../errors/catalog.ts';
import { usableToken } from '../../accounts/usable-token.ts';
import type { Runtime } from '../../runtime.ts';
import type { Team } from '../../storage/schema.ts';
import { Envelope, errorResponses, ok, PageQuery } from '../envelope.ts';
import { platformOf } from '../platform.ts';
import { teamOf } from '../team.ts';
import { IdField, IdParam } from '../validation.ts';
import { METADATA_KEY } from './connect.ts';

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
const TeamQuery = {
  team_id: Type.Optional(IdField('team', 'Default: the key’s own team, or the organization’s first team.')),
};

export function accountRoutes(runtime: Runtime): FastifyPluginAsyncTypebox {
  const { db } = runtime;

  async function findAccount(team: Team, id: string) {
    const row = await accountsWithGrant(db)
      .where('accounts.id', '=', id)
      .where('accounts.team_id', '=', team.id)
      .executeTakeFirst();
    if (!row) throw new ApiError('NOT_FOUND', `No account ${id}`, { resource: 'account', id });
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
