/**
 * Starts a real Portico for a test: real HTTP on 127.0.0.1, a real database of the chosen backend, the
 * sandbox simulator mounted on Portico's port. Nothing of Portico is mocked.
 */
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/config.ts';
import { generateKeySpec } from '../../src/crypto/keyring.ts';
import { createLogger } from '../../src/http/logging.ts';
import { type RunningPortico, startPortico } from '../../src/server.ts';
import { type Backend, openTestStorage } from './storage.ts';
import type { Resolver } from '../../src/outbound/public-address.ts';

export interface TestPortico extends RunningPortico {
  /** The first-run admin key. */
  adminKey: string;
  teamId: string;
  /** fetch against Portico with the admin key unless `key` is given (pass null for none). */
  api(path: string, init?: RequestInit & { key?: string | null; json?: unknown }): Promise<Response>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function startTestPortico(
  backend: Backend,
  env: Record<string, string> = {},
  options: {
    now?: () => Date;
    /** DNS stand-in for the hosts Portico checks (webhook endpoints). */
    resolve?: Resolver;
    port?: number /** Collects every log line (JSON text). */;
    logLines?: string[];
  } = {},
): Promise<TestPortico> {
  const port = options.port ?? (await freePort());
  const config = loadConfig({
    PORTICO_HOST: '127.0.0.1',
    PORTICO_PORT: String(port),
    PORTICO_MODE: 'sandbox',
    PORTICO_ENCRYPTION_KEYS: generateKeySpec('test'),
    PORTICO_LOG_LEVEL: process.env.PORTICO_TEST_LOG_LEVEL ?? 'silent',
    PORTICO_DATA_DIR: '/nonexistent-portico-test-dir',
    ...env,
  });
  const storage = await openTestStorage(backend);
  const sink = options.logLines && lineCollector(options.logLines);
  const portico = await startPortico(config, createLogger(config.logLevel, sink), {
    storage,
    ...(options.now ? { now: options.now } : {}),
    ...(options.resolve ? { resolve: options.resolve } : {}),
  });
  if (!portico.bootstrapped) throw new Error('a fresh test database must bootstrap');
  const { adminKey, teamId } = portico.bootstrapped;
  return {
    ...portico,
    adminKey,
    teamId,
    api(path, init = {}) {
      const { key = adminKey, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (key) headers.set('authorization', `Bearer ${key}`);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(`${portico.url}${path}`, {
        ...rest,
        headers,
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
      });
    },
  };
}

function lineCollector(lines: string[]): Writable {
  return new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
}
