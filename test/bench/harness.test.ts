/**
 * The benchmark harness keeps working as the code under it changes: a short run on PGlite measures every
 * scenario and compares each with a baseline measured in the same run. Only the shape of the result is
 * asserted, never a speed: timings do not belong in tests.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.join(import.meta.dirname, '..', '..');

test('npm run bench measures every scenario against a baseline from the same run', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'portico-bench-test-'));
  try {
    const out = path.join(dir, 'result.json');
    const { stdout } = await run(
      process.execPath,
      [
        'bench/run.ts',
        ...['--seconds', '1', '--warmup', '1', '--connections', '2', '--flow-concurrency', '1'],
        ...['--backend', 'pglite', '--portal-loads', '0', '--out', out],
      ],
      { cwd: root, timeout: 100_000 },
    );
    const result = JSON.parse(await readFile(out, 'utf8'));
    const scenarios = result.rows.map((row: any) => row.scenario);
    assert.deepEqual(scenarios, [
      'baseline: bare Fastify GET /v1/teams, same query',
      'GET /v1/teams',
      'POST /v1/social/connect/twitter (create link)',
      'baseline: bare OAuth client, X simulator',
      'completed connects, X simulator',
      'GET /v1/social/accounts/{id}/health?probe=false',
    ]);
    for (const row of result.rows) {
      assert.equal(row.backend, 'pglite');
      assert.match(row.database, /^PGlite \(PostgreSQL \d+/);
      assert.ok(row.count > 0 && row.perSecond > 0, `${row.scenario} completed nothing`);
      if (row.scenario.startsWith('baseline:')) {
        assert.equal(row.ratio, undefined);
      } else {
        assert.ok(scenarios.indexOf(row.baseline) < scenarios.indexOf(row.scenario), row.scenario);
        const base = result.rows.find((r: any) => r.scenario === row.baseline);
        assert.ok(Math.abs(row.ratio - row.perSecond / base.perSecond) < 1e-9, row.scenario);
      }
    }
    assert.match(stdout, /vs baseline/);
    assert.equal(result.portal, undefined, '--portal-loads 0 leaves the portal page out');
    assert.match(stdout, /completed connects, X simulator\s+\d+\s+[\d.]+\s+[\d.]+\s+[\d.]+x/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
