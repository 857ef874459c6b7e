/**
 * The team a request works in. A team-limited key works in its own team, always: naming any other team
 * is 404, as if it did not exist. An organization-wide key works in the team `team_id` names, or in the
 * organization's default team when it names none. A `team_id` that was sent is never "no team": empty or
 * malformed is 422 naming the field, for any key (the routes' schemas say so first; this says it again).
 */
import type { FastifyRequest } from 'fastify';
import { ApiError, invalidField } from '../errors/catalog.ts';
import type { Db } from '../storage/db.ts';
import { idPattern, isId } from '../storage/ids.ts';
import type { Team } from '../storage/schema.ts';
import { defaultTeam, findTeam } from '../teams/teams.ts';
import { principalOf } from './auth.ts';

export async function teamOf(db: Db, request: FastifyRequest, requested: string | undefined): Promise<Team> {
  const principal = principalOf(request);
  if (requested !== undefined && !isId('team', requested)) {
    throw invalidField('team_id', `must match pattern "${idPattern('team')}"`);
  }
  const id = requested ?? principal.teamId;
  const team =
    id !== null ? await findTeam(db, principal, id) : await defaultTeam(db, principal.organizationId);
  if (!team) {
    throw new ApiError('NOT_FOUND', id !== null ? `No team ${id}` : 'The organization has no team', {
      resource: 'team',
      ...(id !== null ? { id } : {}),
    });
  }
  return team;
}
