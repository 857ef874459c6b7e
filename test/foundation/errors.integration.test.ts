import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestPortico, type TestPortico } from '../support/portico.ts';

describe('error responses', () => {
  let portico: TestPortico;
  before(async () => {
    portico = await startTestPortico('pglite');
  });
  after(() => portico.close());

  async function expectError(res: Response, status: number, code: string) {
    assert.equal(res.status, status);
    const body = (await res.json()) as any;
    assert.equal(body.success, false);
    assert.equal(body.error.code, code);
    assert.equal(typeof body.error.message, 'string');
    assert.equal(body.meta.request_id, res.headers.get('x-request-id'));
    assert.ok(!JSON.stringify(body).includes('    at '), 'no stack trace');
    return body;
  }

  test('every response carries x-request-id, and a well-formed incoming one is kept', async () => {
    const res = await portico.api('/v1/teams');
    assert.match(res.headers.get('x-request-id') ?? '', /^req_/);
    const kept = await portico.api('/v1/teams', { headers: { 'x-request-id': 'trace-abc.123' } });
    assert.equal(kept.headers.get('x-request-id'), 'trace-abc.123');
    const replaced = await portico.api('/v1/teams', { headers: { 'x-request-id': 'bad id with spaces' } });
    assert.match(replaced.headers.get('x-request-id') ?? '', /^req_/);
  });

  test('an unknown route is 404 ROUTE_NOT_FOUND', async () => {
    await expectError(await portico.api('/v1/nothing-here'), 404, 'ROUTE_NOT_FOUND');
  });

  test('a known path with the wrong method is 405 with Allow', async () => {
    const res = await portico.api('/v1/teams', { method: 'PUT', json: {} });
    await expectError(res, 405, 'METHOD_NOT_ALLOWED');
    assert.equal(res.headers.get('allow'), 'GET, POST');
  });

  test('malformed JSON is 400 INVALID_JSON', async () => {
    const res = await portico.api('/v1/teams', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name": ',
    });
    await expectError(res, 400, 'INVALID_JSON');
  });

  test('a body over 1 MiB is 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await portico.api('/v1/teams', {
      method: 'POST',
      json: { name: 'x'.repeat(1024 * 1024 + 10) },
    });
    await expectError(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  test('a body that is not JSON is 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    for (const type of ['text/csv', 'text/plain', 'application/x-www-form-urlencoded']) {
      const res = await portico.api('/v1/teams', {
        method: 'POST',
        headers: { 'content-type': type },
        body: 'name=x',
      });
      await expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
  });

  test('a wrong field type is 422 naming the field', async () => {
    const body = await expectError(
      await portico.api('/v1/teams', { method: 'POST', json: { name: 42 } }),
      422,
      'VALIDATION_FAILED',
    );
    assert.equal(body.error.details.field, 'name');
    assert.match(body.error.message, /^name: /);
    const query = await expectError(await portico.api('/v1/teams?limit=1000'), 422, 'VALIDATION_FAILED');
    assert.equal(query.error.details.field, 'limit');
  });

  test('the hosted-portal API answers in its own error shape', async () => {
    const res = await portico.api('/api/v1/social-account/nothing');
    assert.equal(res.status, 404);
    const body = (await res.json()) as any;
    assert.equal(body.statusCode, 404);
    assert.equal(typeof body.message, 'string');
    assert.equal(body.error, 'ROUTE_NOT_FOUND');
    assert.deepEqual(body.issues, []);
    assert.equal(body.success, undefined);
  });
});
