/**
 * Issue 8, section 1: a team-limited key never leaves its team. Every endpoint that takes `team_id` (query
 * or body), with every odd value of it, for a key limited to team B and for an organization-wide key.
 * A team-limited key works in its own team, always: any other `team_id` is 404. An empty or malformed
 * `team_id` is 422 naming the field, for any key.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectThroughSandbox, pollConnect } from '../support/connect-flow.ts';
import { startTestPortico, type TestPortico } from '../support/portico.ts';
import { BACKENDS } from '../support/storage.ts';

/** The world of one run: the default team A and team B, one connected account in each. */
interface World {
  teamA: string;
  teamB: string;
  accountA: string;
  accountB: string;
  /** The access token of A's account: a team-B key must never see it. */
  tokenA: string;
}

interface Call {
  method: string;
  path: string;
  json?: unknown;
}

/** `team` is the team_id value to send (undefined: none); `account` the account the path names. */
interface Endpoint {
  name: string;
  call(team: string | undefined, account: string, key: 'team' | 'org'): Call;
  success: number;
  /** Makes the call able to succeed in `team` (DELETE needs something to delete). */
  prepare?: (portico: TestPortico, team: string) => Promise<void>;
}

const q = (team: string | undefined) => (team === undefined ? '' : `?team_id=${encodeURIComponent(team)}`);
const body = (team: string | undefined, rest: Record<string, unknown> = {}) =>
  team === undefined ? rest : { ...rest, team_id: team };

const ENDPOINTS: Endpoint[] = [
  {
    name: 'GET /v1/social/accounts',
    call: (team) => ({ method: 'GET', path: `/v1/social/accounts${q(team)}` }),
    success: 200,
  },
  {
    name: 'GET /v1/social/accounts/{id}',
    call: (team, account) => ({ method: 'GET', path: `/v1/social/accounts/${account}${q(team)}` }),
    success: 200,
  },
  {
    name: 'GET /v1/social/accounts/{id}/credentials',
    call: (team, account) => ({
      method: 'GET',
      path: `/v1/social/accounts/${account}/credentials${q(team)}`,
    }),
    success: 200,
  },
  {
    name: 'POST /v1/social/connect/twitter',
    call: (team) => ({ method: 'POST', path: '/v1/social/connect/twitter', json: body(team) }),
    success: 201,
  },
  {
    name: 'PUT /v1/providers/twitter',
    call: (team, _account, key) => ({
      method: 'PUT',
      path: `/v1/providers/twitter${q(team)}`,
      json: { client_id: `written-by-${key}-key`, client_secret: 'secret' },
    }),
    success: 200,
  },
  {
    name: 'GET /v1/providers/twitter',
    call: (team) => ({ method: 'GET', path: `/v1/providers/twitter${q(team)}` }),
    success: 200,
  },
  {
    name: 'DELETE /v1/providers/twitter',
    call: (team) => ({ method: 'DELETE', path: `/v1/providers/twitter${q(team)}` }),
    success: 200,
    async prepare(portico, team) {
      const res = await portico.api(`/v1/providers/twitter${q(team)}`, {
        method: 'PUT',
        json: { client_id: 'to-delete', client_secret: 'secret' },
      });
      assert.equal(res.status, 200);
    },
  },
  {
    name: 'POST /v1/api-keys',
    call: (team) => ({
      method: 'POST',
      path: '/v1/api-keys',
      json: body(team, { name: 'k', scopes: ['social:read'] }),
    }),
    success: 201,
  },
];

/** The odd values of team_id: each is 422 naming `team_id` for any key. */
const MALFORMED: Array<[label: string, value: string]> = [
  ['empty', ''],
  ['whitespace', ' '],
  ['NUL', '\u0000'],
  ['an id with NUL', 'team_01m89hc0t5ts927j2r20sg4h7z\u0000'],
  ['very long', `team_${'a'.repeat(2000)}`],
];

for (const backend of BACKENDS) {
  describe(`a team-limited key never leaves its team (${backend})`, () => {
    let portico: TestPortico;
    let world: World;
    const keys = { org: '', team: '' };

    before(async () => {
      portico = await startTestPortico(backend);
      const teamA = portico.teamId;
      const created = await portico.api('/v1/teams', { method: 'POST', json: { name: 'B' } });
      const teamB = ((await created.json()) as any).data.id;
      const accountIn = async (team: string) => {
        const { link } = await connectThroughSandbox(portico, 'twitter', { body: { team_id: team } });
        return (await pollConnect(portico, link.state_token)).accounts[0].id as string;
      };
      const accountA = await accountIn(teamA);
      const accountB = await accountIn(teamB);
      const credentials = await portico.api(`/v1/social/accounts/${accountA}/credentials`);
      const tokenA = ((await credentials.json()) as any).data.access_token;
      world = { teamA, teamB, accountA, accountB, tokenA };
      keys.org = portico.adminKey;
      const minted = await portico.api('/v1/api-keys', {
        method: 'POST',
        json: { name: 'team B admin', scopes: ['admin'], team_id: teamB },
      });
      keys.team = ((await minted.json()) as any).data.key;
    });
    after(() => portico.close());

    async function send(call: Call, key: string) {
      const res = await portico.api(call.path, {
        method: call.method,
        key,
        ...(call.json !== undefined ? { json: call.json } : {}),
      });
      const text = await res.text();
      return { status: res.status, text, json: JSON.parse(text) as any };
    }

    /** Team A holds only what the set-up made: one connect session, no OAuth app, no team-A key. */
    async function assertTeamAUntouched() {
      const db = portico.runtime.db;
      const count = async (table: 'connect_sessions' | 'provider_credentials' | 'api_keys') =>
        (await db.selectFrom(table).select('team_id').where('team_id', '=', world.teamA).execute()).length;
      assert.equal(await count('connect_sessions'), 1, 'no connect session opened in team A');
      assert.equal(await count('provider_credentials'), 0, 'no OAuth app written for team A');
      assert.equal(await count('api_keys'), 0, 'no key minted for team A');
    }

    for (const endpoint of ENDPOINTS) {
      for (const keyName of ['team', 'org'] as const) {
        for (const [label, value] of MALFORMED) {
          test(`${endpoint.name}, team_id ${label}, ${keyName} key: 422 naming team_id`, async () => {
            const { status, text, json } = await send(
              endpoint.call(value, world.accountA, keyName),
              keys[keyName],
            );
            assert.equal(status, 422, text);
            assert.equal(json.error.code, 'VALIDATION_FAILED');
            assert.equal(json.error.details.field, 'team_id');
            assert.ok(!text.includes(world.accountA) && !text.includes(world.tokenA), 'nothing of team A');
            await assertTeamAUntouched();
          });
        }
      }

      test(`${endpoint.name}, team_id of another team, team key: 404 and nothing of team A`, async () => {
        const { status, text, json } = await send(
          endpoint.call(world.teamA, world.accountA, 'team'),
          keys.team,
        );
        assert.equal(status, 404, text);
        assert.equal(json.error.code, 'NOT_FOUND');
        assert.ok(!text.includes(world.accountA) && !text.includes(world.tokenA), 'nothing of team A');
        await assertTeamAUntouched();
      });

      test(`${endpoint.name}, its own team_id or none, team key: works in team B`, async () => {
        for (const team of [world.teamB, undefined]) {
          await endpoint.prepare?.(portico, world.teamB);
          const { status, text } = await send(endpoint.call(team, world.accountB, 'team'), keys.team);
          assert.equal(status, endpoint.success, text);
          assert.ok(!text.includes(world.accountA) && !text.includes(world.tokenA), 'nothing of team A');
        }
      });

      test(`${endpoint.name}, team_id of a team that is not the default, organization key: works there`, async () => {
        await endpoint.prepare?.(portico, world.teamB);
        const { status, text } = await send(endpoint.call(world.teamB, world.accountB, 'org'), keys.org);
        assert.equal(status, endpoint.success, text);
      });
    }
  });
}
