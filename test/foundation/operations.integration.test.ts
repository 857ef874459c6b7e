import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestPortico, type TestPortico } from '../support/portico.ts';

describe('operations endpoints', () => {
  let portico: TestPortico;
  before(async () => {
    portico = await startTestPortico('pglite');
  });
  after(() => portico.close());

  test('/healthz and /readyz answer without an API key', async () => {
    assert.equal((await fetch(`${portico.url}/healthz`)).status, 200);
    const ready = await fetch(`${portico.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready' });
  });

  test('/metrics exposes request counts and latencies by route pattern', async () => {
    await portico.api('/v1/teams');
    await portico.api(`/v1/teams/${portico.teamId}`);
    const text = await (await fetch(`${portico.url}/metrics`)).text();
    assert.match(text, /portico_http_requests_total\{method="GET",route="\/v1\/teams",status="200"\} \d+/);
    assert.match(text, /portico_http_request_duration_seconds_bucket\{[^}]*route="\/v1\/teams\/:id"/);
    assert.ok(!text.includes(portico.teamId), 'ids stay out of label values');
  });
});

describe('readiness without a database', () => {
  test('/readyz is 503 NOT_READY when the database is gone', async () => {
    const portico = await startTestPortico('pglite');
    try {
      await portico.runtime.storage.close();
      const res = await fetch(`${portico.url}/readyz`);
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as any).error.code, 'NOT_READY');
    } finally {
      await portico.app.close();
    }
  });
});

describe('logs', () => {
  const lines: string[] = [];
  let portico: TestPortico;
  before(async () => {
    portico = await startTestPortico('pglite', { PORTICO_LOG_LEVEL: 'info' }, { logLines: lines });
  });
  after(() => portico.close());

  test('log lines are JSON and never hold API keys or query strings', async () => {
    const key = portico.bootstrapped!.adminKey;
    await fetch(`${portico.url}/v1/teams?secret=hunter2`, { headers: { authorization: `Bearer ${key}` } });
    await fetch(`${portico.url}/v1/teams`, { headers: { 'x-api-key': key } });
    await new Promise((resolve) => setImmediate(resolve));
    const text = lines.join('');
    assert.ok(lines.length > 0);
    for (const line of lines) JSON.parse(line);
    assert.ok(text.includes('/v1/teams'), 'requests are logged');
    // One access-log line per request, when it completes, with its outcome.
    const teamLines = lines.map((l) => JSON.parse(l)).filter((l) => l.req?.path === '/v1/teams');
    assert.equal(teamLines.length, 2);
    for (const line of teamLines) {
      assert.equal(line.msg, 'request completed');
      assert.equal(line.res.statusCode, 200);
      assert.equal(typeof line.responseTime, 'number');
      assert.match(line.reqId, /^req_/);
    }
    assert.ok(!text.includes(key), 'no API key in logs');
    assert.ok(!text.includes('hunter2'), 'no query string in logs');
  });
});
