/** What a person opening Portico's address sees: a home page at `/`, and the API reference at `/docs`. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestPortico, type TestPortico } from '../support/portico.ts';

/** Headers every Portico HTML page carries. */
function assertPageHeaders(res: Response) {
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https:|\*/);
}

describe('home page and API reference (sandbox mode)', () => {
  let portico: TestPortico;
  before(async () => {
    portico = await startTestPortico('pglite');
  });
  after(() => portico.close());

  test('GET / is a small page saying what this is, with links to the reference and the simulator', async () => {
    const res = await fetch(`${portico.url}/`);
    assert.equal(res.status, 200);
    assertPageHeaders(res);
    assert.doesNotMatch(res.headers.get('content-security-policy') ?? '', /script-src/);
    const html = await res.text();
    assert.match(html, /<title>Portico<\/title>/);
    assert.match(html, /connects your users’ social accounts/);
    assert.match(html, /href="\/docs"/);
    assert.match(html, /href="\/openapi.json"/);
    assert.match(html, /Sandbox mode/);
    assert.match(html, /href="\/sandbox\/_control\/users\?platform=twitter"/);
    assert.match(html, /docs\/sandbox\.md/);
    assert.doesNotMatch(html, /<script/i);
    const icon = await fetch(`${portico.url}/favicon.svg`);
    assert.equal(icon.status, 200);
    assert.match(icon.headers.get('content-type') ?? '', /^image\/svg\+xml/);
  });

  test('/docs is branded Portico, not the framework, under a strict policy', async () => {
    const res = await fetch(`${portico.url}/docs`);
    assert.equal(res.status, 200);
    assertPageHeaders(res);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    const html = await res.text();
    assert.match(html, /<title>Portico API reference<\/title>/);
    assert.match(html, /theme\/favicon\.svg/);
    assert.doesNotMatch(html, /favicon-32x32\.png/, 'not the framework’s icon');

    const initializer = await (await fetch(`${portico.url}/docs/static/swagger-initializer.js`)).text();
    const logo = /img\.src = 'data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)'/.exec(initializer)?.[1];
    assert.ok(logo, 'a logo replaces the top bar’s');
    assert.match(Buffer.from(logo, 'base64').toString(), /aria-label="Portico"/);
    const require = createRequire(import.meta.url);
    const frameworkLogo = await readFile(
      path.join(path.dirname(require.resolve('@fastify/swagger-ui')), 'static/logo.svg'),
    );
    assert.ok(!initializer.includes(frameworkLogo.toString('base64')), 'not the framework’s logo');
    for (const asset of ['static/swagger-ui-bundle.js', 'static/theme/portico.css', 'json']) {
      const answer = await fetch(`${portico.url}/docs/${asset}`);
      assert.equal(answer.status, 200, asset);
      assert.equal(answer.headers.get('x-content-type-options'), 'nosniff', asset);
    }
  });

  test('the reference links the OpenAPI document', async () => {
    const doc = (await (await fetch(`${portico.url}/openapi.json`)).json()) as any;
    assert.match(doc.info.description, /\[\/openapi\.json\]\(\/openapi\.json\)/);
  });

  test('JSON answers carry nosniff and no-referrer too', async () => {
    const res = await portico.api('/v1/teams');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  });
});

describe('home page (live mode)', () => {
  test('says nothing about a simulator', async () => {
    const portico = await startTestPortico('pglite', { PORTICO_MODE: 'live' });
    try {
      const html = await (await fetch(`${portico.url}/`)).text();
      assert.match(html, /href="\/docs"/);
      assert.doesNotMatch(html, /Sandbox mode|\/sandbox\//);
    } finally {
      await portico.close();
    }
  });
});
