/**
 * One thing to measure, in a process of its own so the load generator does not share its event loop:
 *
 *   node bench/target.ts <portico|baseline> <pglite|postgres>
 *
 * `portico` is the real service as `npm start` runs it (sandbox mode, simulator mounted, default log level,
 * logs discarded by the parent), with rate limits raised out of the way. `baseline` is a bare Fastify app
 * whose `GET /v1/teams` runs the same query through the same driver, with no auth, envelope, logging or
 * metrics: what is left is the floor that Portico's own work sits on.
 *
 * PGlite persists to a fresh temporary folder (the embedded default is file-backed); PostgreSQL gets a schema
 * of its own. Both are removed when the parent sends "stop" or goes away. The ready message carries the
 * address, the admin key and the database's version.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { loadConfig } from '../src/config/config.ts';
import { generateKeySpec } from '../src/crypto/keyring.ts';
import { createLogger } from '../src/http/logging.ts';
import { startPortico } from '../src/server.ts';
import { openStorage, type Storage } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import { bootstrapIfEmpty } from '../src/teams/bootstrap.ts';
import { listTeams } from '../src/teams/teams.ts';
import { freePort } from '../test/support/portico.ts';
import { type Backend, openTestStorage } from '../test/support/storage.ts';

export type TargetKind = 'portico' | 'baseline';

export interface TargetReady {
  url: string;
  adminKey: string;
  database: string;
}

/** Portico closes its storage on shutdown and the bench closes it again to clean up: once is enough. */
function closingOnce(storage: Storage): Storage {
  let closing: Promise<void> | undefined;
  return { ...storage, close: () => (closing ??= storage.close()) };
}

async function openBenchStorage(backend: Backend): Promise<{ storage: Storage; remove(): Promise<void> }> {
  if (backend === 'postgres') {
    const storage = closingOnce(await openTestStorage('postgres'));
    return { storage, remove: () => storage.close() };
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'portico-bench-'));
  const storage = closingOnce(await openStorage({ kind: 'pglite', dataDir }));
  return {
    storage,
    async remove() {
      await storage.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function databaseVersion(storage: Storage): Promise<string> {
  const { rows } = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(
    storage.db,
  );
  const version = rows[0]?.v ?? '?';
  return storage.kind === 'pglite' ? `PGlite (PostgreSQL ${version})` : `PostgreSQL ${version}`;
}

async function startPorticoTarget(storage: Storage): Promise<TargetReady & { close(): Promise<void> }> {
  const port = await freePort();
  const config = loadConfig({
    PORTICO_HOST: '127.0.0.1',
    PORTICO_PORT: String(port),
    PORTICO_MODE: 'sandbox',
    PORTICO_ENCRYPTION_KEYS: generateKeySpec('bench'),
    PORTICO_RATE_LIMIT_API: '1000000',
    PORTICO_RATE_LIMIT_PUBLIC: '1000000',
    PORTICO_DATA_DIR: '/nonexistent-portico-bench-dir',
  });
  const portico = await startPortico(config, createLogger(config.logLevel), { storage });
  if (!portico.bootstrapped) throw new Error('a fresh bench database must bootstrap');
  return {
    url: portico.url,
    adminKey: portico.bootstrapped.adminKey,
    database: await databaseVersion(storage),
    close: () => portico.close(),
  };
}

async function startBaselineTarget(storage: Storage): Promise<TargetReady & { close(): Promise<void> }> {
  await migrate(storage.db as never);
  const first = await bootstrapIfEmpty(storage.db, 'sandbox');
  if (!first) throw new Error('a fresh bench database must bootstrap');
  const scope = { organizationId: first.organizationId, teamId: null };
  const app = Fastify({ logger: false });
  app.get('/v1/teams', async () => {
    const page = await listTeams(storage.db, scope, { limit: 25 });
    return { success: true, data: page.items, meta: { next_cursor: page.next ?? null } };
  });
  const url = await app.listen({ host: '127.0.0.1', port: await freePort() });
  return {
    url,
    adminKey: first.adminKey,
    database: await databaseVersion(storage),
    close: () => app.close(),
  };
}

async function main() {
  const [kind, backend] = process.argv.slice(2) as [TargetKind, Backend];
  if (!['portico', 'baseline'].includes(kind) || !['pglite', 'postgres'].includes(backend)) {
    throw new Error('usage: node bench/target.ts <portico|baseline> <pglite|postgres>');
  }
  if (!process.send) throw new Error('bench/target.ts runs as a child of bench/run.ts');
  const { storage, remove } = await openBenchStorage(backend);
  const target = await (kind === 'portico' ? startPorticoTarget(storage) : startBaselineTarget(storage));

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await target.close();
    await remove();
    process.exit(0);
  };
  process.on('message', (message) => message === 'stop' && void stop());
  process.on('disconnect', () => void stop());
  process.send({
    url: target.url,
    adminKey: target.adminKey,
    database: target.database,
  } satisfies TargetReady);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
