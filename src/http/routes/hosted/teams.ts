/**
 * The hosted product's teams and organization (`/api/v1/team/...`, `/api/v1/organization/`) and its status
 * endpoint (`/api/v1/`). The same teams as `/v1/teams`, with the same scopes and team limits; that
 * product's fields Portico has no meaning for are null or empty, never invented.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { teamSocialAccounts } from '../../../accounts/social-account.ts';
import { resolveOAuthApp } from '../../../connect/oauth-apps.ts';
import { ApiError } from '../../../errors/catalog.ts';
import { HOSTED_TYPES } from '../../../platforms/hosted.ts';
import { allPlatforms } from '../../../platforms/registry.ts';
import type { Runtime } from '../../../runtime.ts';
import type { Team } from '../../../storage/schema.ts';
import {
  createTeam,
  deleteTeam,
  findOrganization,
  findTeam,
  hostedTeamView,
  searchTeams,
  updateTeam,
} from '../../../teams/teams.ts';
import { principalOf } from '../../auth.ts';
import { IdParam } from '../../validation.ts';
import { HOSTED_TAG, hostedErrors } from './common.ts';

const Nullable = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()]);

/** That product's organization settings (posting limits, analytics, billing): no meaning in Portico, null. */
const UNUSED_ORGANIZATION_FIELDS = [
  'promotionCodeId',
  'ref',
  'dailyPostLimit',
  'dailyCommentLimit',
  'monthlyImportLimitPerAccount',
  'commentImportLimitPerPost',
  'monthlyReviewImportLimitPerAccount',
  'analyticsDisabled',
  'analyticsPostsDisabled',
  'uploadsCompressionEnabled',
  'analyticsInterval',
  'analyticsPostsInterval',
  'forcedAccountAnalyticsDailyLimit',
  'forcedPostAnalyticsDailyLimit',
  'showVerboseErrors',
  'disconnectCheckEnabled',
  'deleteAccountAfter',
  'suspended',
  'createdBy',
] as const;
const unusedOrganizationFields = Object.fromEntries(UNUSED_ORGANIZATION_FIELDS.map((f) => [f, null]));

const OrganizationSchema = Type.Object({
  ...Object.fromEntries(UNUSED_ORGANIZATION_FIELDS.map((f) => [f, Type.Null()])),
  id: Type.String(),
  name: Nullable(Type.String()),
  createdById: Type.String({ description: 'Empty: Portico has no users.' }),
  avatarUrl: Type.Null(),
  apiAccess: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  deletedAt: Type.Null(),
});

const TeamFields = {
  id: Type.String(),
  name: Type.String(),
  avatarUrl: Nullable(Type.String()),
  organizationId: Type.String(),
  createdById: Type.String({ description: 'Empty: Portico has no users.' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  deletedAt: Type.Null(),
};
const TeamSchema = Type.Object(TeamFields);
const FullTeamSchema = Type.Object({
  ...TeamFields,
  organization: OrganizationSchema,
  socialAccounts: Type.Array(Type.Ref('SocialAccount')),
});

const TeamBody = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  avatarUrl: Type.Optional(Nullable(Type.String({ maxLength: 2048, format: 'uri' }))),
};

const IdParams = Type.Object({ id: IdParam('team') });

function notFound(id: string) {
  return new ApiError('NOT_FOUND', `No team ${id}`, { resource: 'team', id });
}

export function hostedTeamRoutes(runtime: Runtime): FastifyPluginAsyncTypebox {
  const { db } = runtime;

  async function organizationOf(id: string) {
    const org = await findOrganization(db, id);
    return {
      ...unusedOrganizationFields,
      id: org.id,
      name: org.name,
      createdById: '',
      avatarUrl: null,
      apiAccess: true,
      createdAt: org.created_at.toISOString(),
      updatedAt: org.created_at.toISOString(),
      deletedAt: null,
    };
  }

  async function fullTeam(team: Team) {
    return {
      ...hostedTeamView(team),
      organization: await organizationOf(team.organization_id),
      socialAccounts: await teamSocialAccounts(db, team.id),
    };
  }

  return async (app) => {
    app.get(
      '/',
      {
        config: { scope: 'social:read' },
        schema: {
          tags: [HOSTED_TAG],
          summary: 'Status: is each platform served and configured',
          response: {
            200: Type.Object({
              status: Type.String(),
              createdAt: Type.String({ format: 'date-time' }),
              note: Type.String(),
              platforms: Type.Record(
                Type.String(),
                Type.Object({ status: Type.String(), note: Type.String() }),
              ),
            }),
            ...hostedErrors(),
          },
        },
      },
      async (request) => {
        const teamId = principalOf(request).teamId ?? (await teamOfKey(request));
        const platforms: Record<string, { status: string; note: string }> = {};
        for (const type of HOSTED_TYPES) {
          platforms[type] = { status: 'outage', note: 'Not served by this Portico' };
        }
        for (const module of allPlatforms()) {
          // Per-instance apps (Mastodon) are registered by Portico on first use: nothing to configure.
          const configured =
            module.registration !== undefined ||
            (teamId !== undefined &&
              (await resolveOAuthApp(runtime, { teamId, module, options: {}, instance: '' })) !== undefined);
          platforms[module.hosted.type] = configured
            ? { status: 'operational', note: 'Served and configured' }
            : { status: 'outage', note: 'Served, but no OAuth app is configured' };
        }
        return {
          status: 'ok',
          createdAt: runtime.now().toISOString(),
          note: 'Portico: platforms are not probed here; see GET /v1/social/accounts/{id}/health for live checks.',
          platforms,
        };
      },
    );

    async function teamOfKey(request: Parameters<typeof principalOf>[0]) {
      const principal = principalOf(request);
      const { rows } = await searchTeams(db, principal, { offset: 0, limit: 1 });
      return rows[0]?.id;
    }

    app.get(
      '/organization/',
      {
        config: { scope: 'social:read' },
        schema: {
          tags: [HOSTED_TAG],
          summary: 'The organization the API key belongs to',
          response: { 200: OrganizationSchema, ...hostedErrors() },
        },
      },
      async (request) => organizationOf(principalOf(request).organizationId),
    );

    app.get(
      '/team/',
      {
        config: { scope: 'social:read' },
        schema: {
          tags: [HOSTED_TAG],
          summary: 'Teams, with their organization and social accounts',
          querystring: Type.Object(
            {
              offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
              search: Type.Optional(Type.String({ maxLength: 100 })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({ items: Type.Array(FullTeamSchema), total: Type.Integer() }),
            ...hostedErrors(),
          },
        },
      },
      async (request) => {
        const { offset = 0, limit = 10, search } = request.query;
        const found = await searchTeams(db, principalOf(request), { offset, limit, search });
        const items = [];
        for (const team of found.rows) items.push(await fullTeam(team));
        return { items, total: found.total };
      },
    );

    app.post(
      '/team/',
      {
        config: { scope: 'admin' },
        schema: {
          tags: [HOSTED_TAG],
          summary: 'Create a team',
          body: Type.Object(TeamBody, { additionalProperties: false }),
          response: { 200: TeamSchema, ...hostedErrors() },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        if (principal.teamId) {
          throw new ApiError('KEY_LIMITED_TO_TEAM', 'Creating a team needs an organization-wide API key');
        }
        const created = await createTeam(db, principal.organizationId, {
          name: request.body.name,
          avatar_url: request.body.avatarUrl ?? null,
        });
        const team = await findTeam(db, principal, created.id);
        return hostedTeamView(team!);
      },
    );

    app.get(
      '/team/:id',
      {
        config: { scope: 'social:read' },
        schema: {
          tags: [HOSTED_TAG],
          summary: 'A team, with its organization and social accounts',
          params: IdParams,
          response: { 200: FullTeamSchema, ...hostedErrors(404) },
        },
      },
      async (request) => {
        const team = await findTeam(db, principalOf(request), request.params.id);
        if (!team) throw notFound(request.params.id);
        return fullTeam(team);
      },
    );

    app.patch(
      '/team/:id',
      {
        config: { scope: 'admin' },
        schema: {
          tags: [HOSTED_TAG],
          summary: 'Rename a team or change its avatar',
          params: IdParams,
          body: Type.Object(
            { name: Type.Optional(TeamBody.name), avatarUrl: TeamBody.avatarUrl },
            { additionalProperties: false },
          ),
          response: { 200: TeamSchema, ...hostedErrors(404) },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const { name, avatarUrl } = request.body;
        const updated = await updateTeam(db, principal, request.params.id, {
          ...(name !== undefined ? { name } : {}),
          ...(avatarUrl !== undefined ? { avatar_url: avatarUrl } : {}),
        });
        if (!updated) throw notFound(request.params.id);
        return hostedTeamView((await findTeam(db, principal, request.params.id))!);
      },
    );

    app.delete(
      '/team/:id',
      {
        config: { scope: 'admin' },
        schema: {
          tags: [HOSTED_TAG],
          summary: 'Delete a team and everything in it; returns the team as it was',
          params: IdParams,
          response: { 200: TeamSchema, ...hostedErrors(404) },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const team = await findTeam(db, principal, request.params.id);
        if (!team) throw notFound(request.params.id);
        if (principal.teamId) {
          throw new ApiError('KEY_LIMITED_TO_TEAM', 'Deleting a team needs an organization-wide API key');
        }
        if (!(await deleteTeam(db, principal.organizationId, team.id))) throw notFound(team.id);
        return hostedTeamView(team);
      },
    );
  };
}
