import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { EVENT_TYPES } from '../../src/events/catalog.ts';
import { startTestPortico, type TestPortico } from '../support/portico.ts';

describe('API reference', () => {
  let portico: TestPortico;
  before(async () => {
    portico = await startTestPortico('pglite');
  });
  after(() => portico.close());

  test('/openapi.json is an OpenAPI 3.1 document whose every $ref resolves', async () => {
    const res = await fetch(`${portico.url}/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as any;
    assert.equal(doc.openapi, '3.1.0');
    const validation = await new Validator().validate(doc);
    assert.equal(validation.valid, true, JSON.stringify(validation.errors));
    assert.equal(typeof doc.info.title, 'string');
    for (const path of [
      '/v1/teams',
      '/v1/teams/{id}',
      '/v1/api-keys',
      '/v1/api-keys/{id}',
      '/v1/social/connect/{platform}',
      '/v1/social/connect/{state_token}',
      '/v1/social/accounts',
      '/v1/social/accounts/{id}',
      '/v1/social/accounts/{id}/credentials',
      '/v1/providers/{platform}',
      '/v1/webhooks',
      '/v1/webhooks/{id}',
      '/v1/webhooks/{id}/deliveries',
    ]) {
      assert.ok(doc.paths[path], `documents ${path}`);
    }
    assert.ok(doc.paths['/v1/teams'].post.requestBody, 'request bodies are documented');
    assert.ok(doc.paths['/v1/teams'].get.responses['200'], 'responses are documented');
    assert.ok(
      !Object.keys(doc.paths).some((p) => p.startsWith('/sandbox')),
      'the simulator is not part of the API',
    );
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    assert.ok(refs.length > 0);
    for (const ref of refs) {
      const pointer = ref.slice(8, -1);
      assert.match(pointer, /^#\/components\/schemas\//, `${pointer} is local`);
      assert.ok(doc.components.schemas[pointer.split('/').pop()!], `${pointer} resolves`);
    }
    assert.deepEqual(Object.keys(doc.webhooks).sort(), [...EVENT_TYPES].sort(), 'every event, as a webhook');
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        assert.ok(op.summary, `${method.toUpperCase()} ${path} has a summary`);
      }
    }
  });

  test('/docs works with no internet: every script and stylesheet is served by Portico', async () => {
    const res = await fetch(`${portico.url}/docs/`);
    assert.equal(res.status, 200);
    const html = await res.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.length > 0);
    for (const asset of assets) {
      assert.ok(!/^(https?:)?\/\//.test(asset), `${asset} is local`);
      const url = new URL(asset, `${portico.url}/docs/`);
      assert.equal((await fetch(url)).status, 200, `${url.pathname} is served`);
    }
  });
});
