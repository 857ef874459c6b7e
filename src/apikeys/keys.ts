/**
 * API keys: shown once, stored as a SHA-256 hash, found by their public prefix.
 * Format: `pk_<mode>_<8-character id><32-character secret>`; the first 16 characters are the prefix.
 * Keys carry 190 bits of randomness, so a fast hash is enough: no one can brute-force the input space.
 */
import type { Mode } from '../config/config.ts';
import type { Db } from '../storage/db.ts';
import { equalHex, newId, randomToken, sha256Hex } from '../storage/ids.ts';
import type { ApiKeyRow } from '../storage/schema.ts';
import type { Scope } from './scopes.ts';

const PREFIX_LENGTH = 16;
const LAST_USED_PRECISION_MS = 60_000;

export interface Principal {
  keyId: string;
  organizationId: string;
  /** Set when the key is limited to one team. */
  teamId: string | null;
  scopes: string[];
}

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  team_id: string | null;
  created_at: string;
  last_used_at: string | null;
}

export interface CreateKeyInput {
  organizationId: string;
  name: string;
  scopes: Scope[];
  teamId?: string | null;
  mode: Mode;
}

export async function createApiKey(
  db: Db,
  input: CreateKeyInput,
): Promise<{ key: string; view: ApiKeyView }> {
  const alphabetOnly = (s: string) => s.replace(/[-_]/g, '');
  let body = '';
  while (body.length < 40) body += alphabetOnly(randomToken(32));
  const key = `pk_${input.mode === 'live' ? 'live' : 'test'}_${body.slice(0, 40)}`;
  const row = await db
    .insertInto('api_keys')
    .values({
      id: newId('key'),
      organization_id: input.organizationId,
      team_id: input.teamId ?? null,
      name: input.name,
      prefix: key.slice(0, PREFIX_LENGTH),
      hash: sha256Hex(key),
      scopes: JSON.stringify(input.scopes),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { key, view: viewOf(row) };
}

/** The principal a presented key stands for, or undefined for a malformed, unknown or revoked key. */
export async function authenticateKey(
  db: Db,
  presented: string,
  now = new Date(),
): Promise<Principal | undefined> {
  if (!/^pk_(live|test)_[A-Za-z0-9]{40}$/.test(presented)) return undefined;
  const row = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('prefix', '=', presented.slice(0, PREFIX_LENGTH))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row || !equalHex(row.hash, sha256Hex(presented))) return undefined;
  // Recording every use would write on every request; minute precision is what operators need.
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > LAST_USED_PRECISION_MS) {
    await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', row.id).execute();
  }
  return { keyId: row.id, organizationId: row.organization_id, teamId: row.team_id, scopes: row.scopes };
}

export async function listApiKeys(
  db: Db,
  organizationId: string,
  teamId: string | null,
): Promise<ApiKeyView[]> {
  let query = db
    .selectFrom('api_keys')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('revoked_at', 'is', null);
  if (teamId) query = query.where('team_id', '=', teamId);
  return (await query.orderBy('id').execute()).map(viewOf);
}

/** Revokes a key at once; true when a live key of this organization (and team, if limited) was revoked. */
export async function revokeApiKey(
  db: Db,
  organizationId: string,
  teamId: string | null,
  id: string,
): Promise<boolean> {
  let query = db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('id', '=', id)
    .where('organization_id', '=', organizationId)
    .where('revoked_at', 'is', null);
  if (teamId) query = query.where('team_id', '=', teamId);
  const result = await query.executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

function viewOf(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    team_id: row.team_id,
    created_at: row.created_at.toISOString(),
    last_used_at: row.last_used_at?.toISOString() ?? null,
  };
}
