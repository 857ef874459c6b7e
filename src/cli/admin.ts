/** `portico keys ...` and `portico teams ...`: administration without an API key, for the operator. */
import { createApiKey, listApiKeys, revokeApiKey } from '../apikeys/keys.ts';
import { isScope, type Scope } from '../apikeys/scopes.ts';
import type { Config } from '../config/config.ts';
import type { Runtime } from '../runtime.ts';
import { bootstrapIfEmpty } from '../teams/bootstrap.ts';
import { createTeam, defaultTeam, listTeams } from '../teams/teams.ts';
import { withRuntime } from './open.ts';

interface Flags {
  name?: string | undefined;
  scopes?: string | undefined;
  team?: string | undefined;
}

/** The organization the CLI acts on: the only one, created on first use like `serve` would. */
async function organizationOf(runtime: Runtime): Promise<string> {
  const created = await bootstrapIfEmpty(runtime.db, runtime.config.mode);
  if (created) printFirstKey(created.adminKey, runtime.config.publicUrl);
  const org = await runtime.db
    .selectFrom('organizations')
    .select('id')
    .orderBy('id')
    .executeTakeFirstOrThrow();
  return org.id;
}

export function printFirstKey(key: string, baseUrl: string): void {
  process.stdout.write(
    `\n  First start: created a default organization, team and this admin API key.\n` +
      `  It is shown once and stored only as a hash. Keep it somewhere safe:\n\n    ${key}\n\n` +
      `  Try: curl -H "Authorization: Bearer ${key}" ${baseUrl}/v1/teams\n\n`,
  );
}

// Arguments are checked before the runtime opens: a mistyped command must not create a data folder, a key
// file or a first admin key.
export async function keysCommand(config: Config, args: string[], flags: Flags): Promise<number> {
  const [action, id] = args;
  if (action === 'create') {
    const scopes = (flags.scopes ?? 'social:read,social:write').split(',').map((s) => s.trim());
    const unknown = scopes.filter((s) => !isScope(s));
    const name = flags.name;
    if (!name || unknown.length > 0) {
      console.error(
        `portico keys create: ${!name ? '--name is required' : `unknown scope ${unknown.join(', ')}`} ` +
          '(scopes: social:read, social:write, webhooks:write, admin)',
      );
      return 2;
    }
    return withRuntime(config, async (runtime) => {
      const { key, view } = await createApiKey(runtime.db, {
        organizationId: await organizationOf(runtime),
        name,
        scopes: scopes as Scope[],
        teamId: flags.team ?? null,
        mode: config.mode,
      });
      console.log(`${key}\n\n(id ${view.id}; shown once, stored only as a hash)`);
      return 0;
    });
  }
  if (action === 'list') {
    return withRuntime(config, async (runtime) => {
      for (const k of await listApiKeys(runtime.db, await organizationOf(runtime), null)) {
        console.log(`${k.id}  ${k.prefix}…  ${k.scopes.join(',')}  ${k.team_id ?? 'all teams'}  ${k.name}`);
      }
      return 0;
    });
  }
  if (action === 'revoke' && id) {
    return withRuntime(config, async (runtime) => {
      const revoked = await revokeApiKey(runtime.db, await organizationOf(runtime), null, id);
      console.log(revoked ? `revoked ${id}` : `no live key ${id}`);
      return revoked ? 0 : 1;
    });
  }
  console.error('usage: portico keys create --name N --scopes a,b [--team T] | keys list | keys revoke <id>');
  return 2;
}

export async function teamsCommand(config: Config, args: string[], flags: Flags): Promise<number> {
  const [action] = args;
  const name = flags.name;
  if (action === 'create' && name) {
    return withRuntime(config, async (runtime) => {
      const team = await createTeam(runtime.db, await organizationOf(runtime), { name });
      console.log(team.id);
      return 0;
    });
  }
  if (action === 'list') {
    return withRuntime(config, async (runtime) => {
      const organizationId = await organizationOf(runtime);
      const fallback = await defaultTeam(runtime.db, organizationId);
      const { items } = await listTeams(runtime.db, { organizationId, teamId: null }, { limit: 100 });
      for (const t of items) console.log(`${t.id}  ${t.name}${t.id === fallback?.id ? '  (default)' : ''}`);
      return 0;
    });
  }
  console.error('usage: portico teams create --name N | teams list');
  return 2;
}
