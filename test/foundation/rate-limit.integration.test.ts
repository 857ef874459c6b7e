import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestPortico, type TestPortico } from '../support/portico.ts';

describe('rate limits', () => {
  let portico: TestPortico;
  before(async () => {
    portico = await startTestPortico('pglite', {
      PORTICO_RATE_LIMIT_API: '3',
      PORTICO_RATE_LIMIT_PUBLIC: '2',
    });
  });
  after(() => portico.close());

  test('API requests are limited per key with RateLimit headers, then 429 RATE_LIMITED with Retry-After', async () => {
    const first = await portico.api('/v1/teams');
    assert.equal(first.headers.get('ratelimit-limit'), '3');
    assert.equal(first.headers.get('ratelimit-remaining'), '2');
    assert.ok(Number(first.headers.get('ratelimit-reset')) > 0);
    await portico.api('/v1/teams');
    await portico.api('/v1/teams');
    const limited = await portico.api('/v1/teams');
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    const body = (await limited.json()) as any;
    assert.equal(body.error.code, 'RATE_LIMITED');
  });

  test('another API key has its own budget', async () => {
    const [row] = await portico.runtime.db.selectFrom('organizations').select('id').execute();
    const { createApiKey } = await import('../../src/apikeys/keys.ts');
    const { key } = await createApiKey(portico.runtime.db, {
      organizationId: row!.id,
      name: 'second',
      scopes: ['social:read'],
      mode: 'sandbox',
    });
    assert.equal((await portico.api('/v1/teams', { key })).status, 200);
  });
});
