/** Unsafe switches are loud: each says so in the log when Portico starts with it on, and only then. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestPortico } from '../support/portico.ts';

async function startupLines(env: Record<string, string>): Promise<string[]> {
  const logLines: string[] = [];
  const portico = await startTestPortico('pglite', { PORTICO_LOG_LEVEL: 'warn', ...env }, { logLines });
  await portico.close();
  return logLines;
}

test('PORTICO_ALLOW_PRIVATE_INSTANCES=true is announced at start-up', async () => {
  const on = await startupLines({ PORTICO_ALLOW_PRIVATE_INSTANCES: 'true' });
  assert.ok(
    on.some((line) => line.includes('PORTICO_ALLOW_PRIVATE_INSTANCES')),
    on.join(''),
  );
  const off = await startupLines({});
  assert.ok(!off.some((line) => line.includes('PORTICO_ALLOW_PRIVATE_INSTANCES')));
});
