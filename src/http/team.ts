/**
 * The team a request works in: a team-limited key's own team; otherwise the team named by `team_id`,
 * or the organization's default team.
 */
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors/catalog.ts';
import type { Db } from '../storage/db.ts';
import type { Team } from '../storage/schema.ts';
import { defaultTeam, findTeam } from '../teams/teams.ts';
import { principalOf } from './auth.ts';

export async function teamOf(db: Db, request: FastifyRequest, requested: string | undefined): Promise<Team> {
  const principal = principalOf(request);
  const id = requested ?? principal.teamId;
  const team = id ? await findTeam(db, principal, id) : await defaultTeam(db, principal.organizationId);
  if (!team)
    throw new ApiError('NOT_FOUND', id ? `No team ${id}` : 'The organization has no team', {
      resource: 'team',
      id,
    });
  return team;
}
