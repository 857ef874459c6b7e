/**
 * The processes of the refresh benchmark (`bench/refresh.ts`), each on its own so none shares an event loop
 * with the load it is measured against:
 *
 *   node bench/refresh-worker.ts simulator        the simulator on its own (the platform)
 *   node bench/refresh-worker.ts worker <json>    one Portico refresh worker on the bench's PostgreSQL schema
 *
 * A worker builds Portico's runtime as `portico worker` does (sandbox apps, the simulator's host overrides,
 * the bench's key ring), waits for "go", runs refresh passes (`refreshDue`, what its background loop runs
 * each tick) back to back through a warm-up and then a measured period, and reports what it did.
 */
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/http/logging.ts';
import { createRuntime } from '../src/runtime.ts';
import { SANDBOX_CREDENTIALS, sandboxHostOverrides, startSandboxServer } from '../src/sandbox/index.ts';
import { openStorage } from '../src/storage/db.ts';
import { refreshDue } from '../src/workers/refresh.ts';

export interface WorkerSettings {
  databaseUrl: string;
  schema: string;
  keys: string;
  simulatorUrl: string;
  warmupSeconds: number;
  seconds: number;
}

export interface WorkerReport {
  refreshed: number;
  failed: number;
  expired: number;
  seconds: number;
}

async function simulator() {
  const sandbox = await startSandboxServer();
  process.on('message', async (message) => {
    if (message !== 'stop') return;
    await sandbox.close();
    process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ url: sandbox.url });
}

async function worker(settings: WorkerSettings) {
  const config = loadConfig({
    PORTICO_MODE: 'sandbox',
    PORTICO_ENCRYPTION_KEYS: settings.keys,
    PORTICO_LOG_LEVEL: 'silent',
    PORTICO_DATA_DIR: '/nonexistent-portico-bench-dir',
  });
  const storage = await openStorage({
    kind: 'postgres',
    url: settings.databaseUrl,
    schema: settings.schema,
    poolSize: 10,
  });
  const runtime = await createRuntime(config, createLogger(config.logLevel), {
    storage,
    extraOverrides: sandboxHostOverrides(settings.simulatorUrl),
    sandboxApps: SANDBOX_CREDENTIALS,
  });
  await new Promise<void>((resolve) => {
    process.on('message', (message) => message === 'go' && resolve());
    process.send!('ready');
  });
  const warmupEnd = performance.now() + settings.warmupSeconds * 1000;
  while (performance.now() < warmupEnd) await refreshDue(runtime);
  const report: WorkerReport = { refreshed: 0, failed: 0, expired: 0, seconds: 0 };
  const started = performance.now();
  const end = started + settings.seconds * 1000;
  while (performance.now() < end) {
    const run = await refreshDue(runtime);
    report.refreshed += run.refreshed;
    report.failed += run.failed;
    report.expired += run.expired;
  }
  report.seconds = (performance.now() - started) / 1000;
  await storage.close();
  process.send!(report, () => process.exit(0));
}

const [mode, json] = process.argv.slice(2);
if (!process.send) throw new Error('bench/refresh-worker.ts runs as a child of bench/run.ts');
(mode === 'simulator' ? simulator() : worker(JSON.parse(json ?? '{}') as WorkerSettings)).catch((error) => {
  console.error(error);
  process.exit(1);
});
