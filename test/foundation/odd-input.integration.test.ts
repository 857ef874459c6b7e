/**
 * Issue 8, section 2: bad input is a 4xx everywhere, never a 500. Each row is an input that answered 500,
 * or was silently accepted, before; on PGlite and PostgreSQL. NUL and unpaired surrogates in any string
 * are 422 naming the field; a path id that cannot be an id is 404; bodies are strict.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import { Type } from 'typebox';
import { loadConfig } from '../../src/config/config.ts';
import { generateKeySpec } from '../../src/crypto/keyring.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/http/logging.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { bootstrapIfEmpty } from '../../src/teams/bootstrap.ts';
import { connectThroughSandbox, pollConnect } from '../support/connect-flow.ts';
import { startTestPortico, type TestPortico } from '../support/portico.ts';
import { BACKENDS, openTestStorage } from '../support/storage.ts';

interface Ids {
  team: string;
  key: string;
  account: string;
}

interface Row {
  name: string;
  method?: string;
  path: (ids: Ids) => string;
  json?: (ids: Ids) => unknown;
  status: number;
  code: string;
  /** The field a 422 names. */
  field?: string;
}

const NUL = '\u0000';
const HIGH = '\ud800';
const LOW = '\udfff';

const connect = (json: (ids: Ids) => unknown): Pick<Row, 'method' | 'path' | 'json'> => ({
  method: 'POST',
  path: () => '/v1/social/connect/twitter',
  json,
});
const newKey = (json: Record<string, unknown>): Pick<Row, 'method' | 'path' | 'json'> => ({
  method: 'POST',
  path: () => '/v1/api-keys',
  json: () => json,
});
const provider = (json: Record<string, unknown>): Pick<Row, 'method' | 'path' | 'json'> => ({
  method: 'PUT',
  path: () => '/v1/providers/twitter',
  json: () => json,
});
const notFound = { status: 404, code: 'NOT_FOUND' };
const invalid = (field: string) => ({ status: 422, code: 'VALIDATION_FAILED', field });

const ROWS: Row[] = [
  // NUL in path ids: an id that cannot be an id is 404, before any query.
  { name: 'GET /v1/teams/%00', path: () => '/v1/teams/%00', ...notFound },
  { name: 'GET /v1/teams/{id}%00', path: (i) => `/v1/teams/${i.team}%00`, ...notFound },
  {
    name: 'PATCH /v1/teams/{id}%00',
    method: 'PATCH',
    path: (i) => `/v1/teams/${i.team}%00`,
    json: () => ({ name: 'x' }),
    ...notFound,
  },
  { name: 'DELETE /v1/teams/{id}%00', method: 'DELETE', path: (i) => `/v1/teams/${i.team}%00`, ...notFound },
  {
    name: 'DELETE /v1/api-keys/{id}%00',
    method: 'DELETE',
    path: (i) => `/v1/api-keys/${i.key}%00`,
    ...notFound,
  },
  { name: 'DELETE /v1/api-keys/%00', method: 'DELETE', path: () => '/v1/api-keys/%00', ...notFound },
  {
    name: 'GET /v1/social/accounts/{id}%00',
    path: (i) => `/v1/social/accounts/${i.account}%00`,
    ...notFound,
  },
  { name: 'GET /v1/social/accounts/%00', path: () => '/v1/social/accounts/%00', ...notFound },
  {
    name: 'GET /v1/social/accounts/{id}%00/credentials',
    path: (i) => `/v1/social/accounts/${i.account}%00/credentials`,
    ...notFound,
  },
  {
    name: 'GET /v1/social/accounts/%00/credentials',
    path: () => '/v1/social/accounts/%00/credentials',
    ...notFound,
  },

  // NUL in query strings.
  {
    name: 'GET /v1/social/accounts?team_id=%00',
    path: () => '/v1/social/accounts?team_id=%00',
    ...invalid('team_id'),
  },
  {
    name: 'GET /v1/social/accounts/{id}?team_id={id}%00',
    path: (i) => `/v1/social/accounts/${i.account}?team_id=${i.team}%00`,
    ...invalid('team_id'),
  },
  {
    name: 'GET /v1/social/accounts/{id}/credentials?team_id=%00',
    path: (i) => `/v1/social/accounts/${i.account}/credentials?team_id=%00`,
    ...invalid('team_id'),
  },
  {
    name: 'GET /v1/providers/twitter?team_id=%00',
    path: () => '/v1/providers/twitter?team_id=%00',
    ...invalid('team_id'),
  },
  { name: 'GET /v1/teams?cursor=%00', path: () => '/v1/teams?cursor=%00', ...invalid('cursor') },
  { name: 'GET /v1/teams?cursor=team_%00', path: () => '/v1/teams?cursor=team_%00', ...invalid('cursor') },
  {
    name: 'GET /v1/social/accounts?cursor=%00',
    path: () => '/v1/social/accounts?cursor=%00',
    ...invalid('cursor'),
  },
  {
    name: 'GET /v1/social/accounts?metadata.customer=%00',
    path: () => '/v1/social/accounts?metadata.customer=%00',
    ...invalid('metadata.customer'),
  },
  {
    name: 'GET /v1/social/accounts?metadata.customer=a%00b',
    path: () => '/v1/social/accounts?metadata.customer=a%00b',
    ...invalid('metadata.customer'),
  },

  // NUL in JSON strings.
  {
    name: 'POST /v1/teams name with NUL',
    method: 'POST',
    path: () => '/v1/teams',
    json: () => ({ name: `a${NUL}b` }),
    ...invalid('name'),
  },
  {
    name: 'PATCH /v1/teams/{id} name with NUL',
    method: 'PATCH',
    path: (i) => `/v1/teams/${i.team}`,
    json: () => ({ name: NUL }),
    ...invalid('name'),
  },
  {
    name: 'POST /v1/teams allowed_origins with NUL',
    method: 'POST',
    path: () => '/v1/teams',
    json: () => ({ name: 'x', allowed_origins: [`https://app.example${NUL}`] }),
    ...invalid('allowed_origins.0'),
  },
  {
    name: 'POST /v1/api-keys name with NUL',
    ...newKey({ name: `k${NUL}`, scopes: ['social:read'] }),
    ...invalid('name'),
  },
  {
    name: 'POST /v1/api-keys team_id NUL',
    ...newKey({ name: 'k', scopes: ['social:read'], team_id: NUL }),
    ...invalid('team_id'),
  },
  {
    name: 'POST /v1/social/connect team_id NUL',
    ...connect(() => ({ team_id: NUL })),
    ...invalid('team_id'),
  },
  {
    name: 'POST /v1/social/connect team_id {id}NUL',
    ...connect((i) => ({ team_id: `${i.team}${NUL}` })),
    ...invalid('team_id'),
  },
  {
    name: 'PUT /v1/providers client_id with NUL',
    ...provider({ client_id: `id${NUL}`, client_secret: 's' }),
    ...invalid('client_id'),
  },
  {
    name: 'PUT /v1/providers client_secret with NUL',
    ...provider({ client_id: 'id', client_secret: `s${NUL}` }),
    ...invalid('client_secret'),
  },
  {
    name: 'POST /v1/social/connect metadata key with NUL',
    ...connect(() => ({ metadata: { [`k${NUL}`]: 'v' } })),
    ...invalid('metadata'),
  },
  {
    name: 'POST /v1/social/connect metadata value with NUL',
    ...connect(() => ({ metadata: { customer: `v${NUL}` } })),
    ...invalid('metadata.customer'),
  },
  {
    name: 'POST /v1/social/connect return_url with NUL',
    ...connect(() => ({ return_url: `https://app.example/back${NUL}` })),
    ...invalid('return_url'),
  },

  // Unpaired surrogates (PostgreSQL rejects them in JSON).
  {
    name: 'POST /v1/social/connect metadata key a lone high surrogate',
    ...connect(() => ({ metadata: { [HIGH]: 'v' } })),
    ...invalid('metadata'),
  },
  {
    name: 'POST /v1/social/connect metadata value a lone high surrogate',
    ...connect(() => ({ metadata: { customer: HIGH } })),
    ...invalid('metadata.customer'),
  },
  {
    name: 'POST /v1/social/connect metadata value a lone low surrogate',
    ...connect(() => ({ metadata: { customer: `a${LOW}b` } })),
    ...invalid('metadata.customer'),
  },
  {
    name: 'POST /v1/teams name a lone surrogate',
    method: 'POST',
    path: () => '/v1/teams',
    json: () => ({ name: `x${HIGH}` }),
    ...invalid('name'),
  },
  {
    name: 'POST /v1/api-keys name a lone surrogate',
    ...newKey({ name: LOW, scopes: ['social:read'] }),
    ...invalid('name'),
  },
  {
    name: 'PUT /v1/providers client_id a lone surrogate',
    ...provider({ client_id: HIGH, client_secret: 's' }),
    ...invalid('client_id'),
  },

  // POST /v1/api-keys: team_id null or "" was a foreign-key 500; bodies are strict.
  {
    name: 'POST /v1/api-keys team_id null',
    ...newKey({ name: 'k', scopes: ['admin'], team_id: null }),
    ...invalid('team_id'),
  },
  {
    name: 'POST /v1/api-keys team_id ""',
    ...newKey({ name: 'k', scopes: ['admin'], team_id: '' }),
    ...invalid('team_id'),
  },
  {
    name: 'POST /v1/api-keys team_id 5',
    ...newKey({ name: 'k', scopes: ['admin'], team_id: 5 }),
    ...invalid('team_id'),
  },
  {
    name: 'POST /v1/api-keys teamId (unknown field)',
    method: 'POST',
    path: () => '/v1/api-keys',
    json: (i) => ({ name: 'k', scopes: ['admin'], teamId: i.team }),
    ...invalid('teamId'),
  },
  {
    name: 'POST /v1/api-keys scopes "admin"',
    ...newKey({ name: 'k', scopes: 'admin' }),
    ...invalid('scopes'),
  },
  { name: 'POST /v1/api-keys name 42', ...newKey({ name: 42, scopes: ['admin'] }), ...invalid('name') },
  { name: 'POST /v1/api-keys name true', ...newKey({ name: true, scopes: ['admin'] }), ...invalid('name') },

  // Metadata keys follow the `metadata.<key>` filter's rule; values are bounded strings.
  {
    name: 'POST /v1/social/connect metadata key with a space',
    ...connect(() => ({ metadata: { 'customer id': 'v' } })),
    ...invalid('metadata'),
  },
  {
    name: 'POST /v1/social/connect metadata key of 41 characters',
    ...connect(() => ({ metadata: { ['k'.repeat(41)]: 'v' } })),
    ...invalid('metadata'),
  },
  {
    name: 'POST /v1/social/connect metadata key ""',
    ...connect(() => ({ metadata: { '': 'v' } })),
    ...invalid('metadata'),
  },
  {
    name: 'POST /v1/social/connect metadata odd key with a 10,000-character value',
    ...connect(() => ({ metadata: { 'a/b': 'v'.repeat(10_000) } })),
    ...invalid('metadata'),
  },
  {
    name: 'POST /v1/social/connect metadata odd key with an object value',
    ...connect(() => ({ metadata: { 'a b': { nested: true } } })),
    ...invalid('metadata'),
  },
];

/** Framework errors: the documented envelope with meta.request_id, not Fastify's own body. */
const FRAMEWORK_ROWS: Array<{ name: string; path: string; status: number; code: string }> = [
  { name: 'a bad escape in a /v1 path', path: '/v1/teams/%E0%A4%A', status: 400, code: 'INVALID_URL' },
  {
    name: 'a bad escape in an account path',
    path: '/v1/social/accounts/%ZZ',
    status: 400,
    code: 'INVALID_URL',
  },
  {
    name: 'a path parameter over 256 characters',
    path: `/v1/teams/${'a'.repeat(300)}`,
    status: 414,
    code: 'URL_TOO_LONG',
  },
];

for (const backend of BACKENDS) {
  describe(`odd input is a 4xx, never a 500 (${backend})`, () => {
    let portico: TestPortico;
    let ids: Ids;
    const logLines: string[] = [];

    before(async () => {
      portico = await startTestPortico(backend, { PORTICO_LOG_LEVEL: 'warn' }, { logLines });
      const { link } = await connectThroughSandbox(portico, 'twitter');
      const account = (await pollConnect(portico, link.state_token)).accounts[0].id;
      const minted = await portico.api('/v1/api-keys', {
        method: 'POST',
        json: { name: 'to revoke', scopes: ['social:read'] },
      });
      ids = { team: portico.teamId, key: ((await minted.json()) as any).data.api_key.id, account };
    });
    after(() => portico.close());

    for (const row of ROWS) {
      const expected = `${row.status} ${row.code}${row.field ? ` naming ${row.field}` : ''}`;
      test(`${row.name}: ${expected}`, async () => {
        const json = row.json?.(ids);
        const res = await portico.api(row.path(ids), {
          method: row.method ?? 'GET',
          ...(json !== undefined ? { json } : {}),
        });
        const text = await res.text();
        assert.equal(res.status, row.status, text);
        const body = JSON.parse(text);
        assert.equal(body.success, false);
        assert.equal(body.error.code, row.code, text);
        if (row.field) assert.equal(body.error.details.field, row.field, text);
        assert.equal(body.meta.request_id, res.headers.get('x-request-id'));
      });
    }

    for (const row of FRAMEWORK_ROWS) {
      test(`${row.name}: ${row.status} ${row.code} in the envelope`, async () => {
        const res = await portico.api(row.path);
        const text = await res.text();
        assert.equal(res.status, row.status, text);
        const body = JSON.parse(text);
        assert.equal(body.success, false, text);
        assert.equal(body.error.code, row.code);
        assert.match(body.meta.request_id, /^req_/);
        assert.equal(res.headers.get('x-request-id'), body.meta.request_id);
      });
    }

    test('a bad escape on the hosted-portal API answers in its shape', async () => {
      const res = await portico.api('/api/v1/social-account/%E0%A4%A');
      const body = (await res.json()) as any;
      assert.equal(res.status, 400);
      assert.deepEqual(Object.keys(body).sort(), ['error', 'issues', 'message', 'statusCode']);
      assert.equal(body.error, 'INVALID_URL');
      assert.match(res.headers.get('x-request-id') ?? '', /^req_/);
    });

    test('nothing above logged an unhandled error', () => {
      const errors = logLines.filter((line) => JSON.parse(line).level >= 50);
      assert.deepEqual(errors, []);
    });
  });
}

/**
 * The last line: a database error caused by input (PostgreSQL class 22, data exception) is 400, never 500,
 * even where validation let the value through. A fixture route hands its input to the database as is.
 */
const fixture =
  (runtime: Runtime): FastifyPluginAsync =>
  async (api) => {
    for (const prefix of ['/v1', '/api/v1']) {
      api.post(
        `${prefix}/fixture/database`,
        { config: { scope: 'admin' }, schema: { body: Type.Object({ sql: Type.String() }) } },
        async (request) => (await sql.raw((request.body as { sql: string }).sql).execute(runtime.db)).rows,
      );
      api.get(`${prefix}/fixture/:id`, { config: { scope: 'admin' } }, async () => ({}));
    }
  };

for (const backend of BACKENDS) {
  describe(`a database error caused by input is 400 (${backend})`, () => {
    let runtime: Runtime;
    let app: FastifyInstance;
    let url: string;
    let adminKey: string;

    before(async () => {
      const config = loadConfig({
        PORTICO_ENCRYPTION_KEYS: generateKeySpec('t'),
        PORTICO_LOG_LEVEL: 'silent',
      });
      runtime = await createRuntime(config, createLogger('silent'), {
        storage: await openTestStorage(backend),
      });
      adminKey = (await bootstrapIfEmpty(runtime.db, 'sandbox'))!.adminKey;
      app = await buildApp(runtime, { api: [fixture] });
      url = (await app.listen({ host: '127.0.0.1', port: 0 })).replace('[::1]', '127.0.0.1');
    });
    after(async () => {
      await app.close();
      await runtime.storage.close();
    });

    const QUERIES: Array<[string, string]> = [
      ['22P02 invalid text', `select 'x'::integer`],
      ['22P02 invalid JSON', `select '{"a": }'::jsonb`],
      ['22021 invalid byte sequence', `select convert_from('\\xff'::bytea, 'UTF8')`],
      ['22P05 untranslatable character', `select '"\\u0000"'::jsonb`],
    ];
    for (const [name, query] of QUERIES) {
      test(`${name}: 400 INVALID_INPUT on both surfaces`, async () => {
        const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
        const v1 = await fetch(`${url}/v1/fixture/database`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ sql: query }),
        });
        const body = (await v1.json()) as any;
        assert.equal(v1.status, 400, JSON.stringify(body));
        assert.equal(body.error.code, 'INVALID_INPUT');
        assert.equal(body.meta.request_id, v1.headers.get('x-request-id'));
        const portal = await fetch(`${url}/api/v1/fixture/database`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ sql: query }),
        });
        const shaped = (await portal.json()) as any;
        assert.equal(portal.status, 400);
        assert.equal(shaped.error, 'INVALID_INPUT');
        assert.equal(shaped.statusCode, 400);
      });
    }

    test('a path parameter over 256 characters on the hosted-portal API answers in its shape', async () => {
      const res = await fetch(`${url}/api/v1/fixture/${'a'.repeat(300)}`, {
        headers: { authorization: `Bearer ${adminKey}` },
      });
      const body = (await res.json()) as any;
      assert.equal(res.status, 414);
      assert.deepEqual(Object.keys(body).sort(), ['error', 'issues', 'message', 'statusCode']);
      assert.equal(body.error, 'URL_TOO_LONG');
      assert.match(res.headers.get('x-request-id') ?? '', /^req_/);
    });
  });
}
