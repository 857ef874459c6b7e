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

describe('failed authentication is throttled per client IP', () => {
  const WINDOW_MS = 60_000;
  let portico: TestPortico;
  let now = Date.parse('2026-01-01T12:00:00Z');
  /** Database lookups of API keys, counted through a wrapper around the runtime's database. */
  let keyLookups = 0;
  before(async () => {
    portico = await startTestPortico(
      'pglite',
      {
        PORTICO_RATE_LIMIT_AUTH_FAILURES: '3',
        PORTICO_RATE_LIMIT_WINDOW_MS: String(WINDOW_MS),
        // Lets each test speak from its own address through X-Forwarded-For.
        PORTICO_TRUST_PROXY: 'true',
      },
      { now: () => new Date(now) },
    );
    const db = portico.runtime.db;
    (portico.runtime as { db: unknown }).db = new Proxy(db, {
      get(target, property) {
        if (property === 'selectFrom') {
          return (table: string) => {
            if (String(table).startsWith('api_keys')) keyLookups++;
            return target.selectFrom(table as never);
          };
        }
        const value = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  });
  after(() => portico.close());

  const unknownKey = `pk_test_${'x'.repeat(40)}`;
  const from = (ip: string, key: string | null = unknownKey) =>
    portico.api('/v1/teams', { key, headers: { 'x-forwarded-for': ip } });

  test('past the budget a failed authentication is 429 RATE_LIMITED with Retry-After, before any database lookup', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await from('203.0.113.1')).status, 401);
    const lookupsBefore = keyLookups;
    assert.equal(lookupsBefore, 3, 'each failure within the budget looked its key up');
    for (let i = 0; i < 5; i++) {
      const limited = await from('203.0.113.1');
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('retry-after'), '60');
      const body = (await limited.json()) as any;
      assert.equal(body.success, false);
      assert.equal(body.error.code, 'RATE_LIMITED');
      assert.ok(body.meta.request_id);
    }
    assert.equal(keyLookups, lookupsBefore, 'no key was looked up once the budget was spent');
    // A good key from the same address waits too: which keys are good is what the budget protects.
    assert.equal((await from('203.0.113.1', portico.adminKey)).status, 429);
  });

  test('a request without a key counts as a failure', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await from('203.0.113.2', null)).status, 401);
    assert.equal((await from('203.0.113.2', null)).status, 429);
  });

  test('successful requests are never throttled and do not spend the budget', async () => {
    for (let i = 0; i < 10; i++) assert.equal((await from('203.0.113.3', portico.adminKey)).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await from('203.0.113.3')).status, 401);
    assert.equal((await from('203.0.113.3')).status, 429);
  });

  test('another address has its own budget', async () => {
    assert.equal((await from('203.0.113.1')).status, 429);
    assert.equal((await from('203.0.113.4')).status, 401);
    assert.equal((await from('203.0.113.4', portico.adminKey)).status, 200);
  });

  test('once the window has passed the address may try again', async () => {
    assert.equal((await from('203.0.113.1')).status, 429);
    now += WINDOW_MS;
    assert.equal((await from('203.0.113.1')).status, 401);
    assert.equal((await from('203.0.113.1', portico.adminKey)).status, 200);
  });
});
