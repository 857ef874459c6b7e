/**
 * Starts a whole Portico: runtime, HTTP app, sandbox simulator (in sandbox mode) and background work.
 * `portico serve` and the integration tests both start it through here, so tests run the real thing.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/config.ts';
import { buildApp } from './http/app.ts';
import { createRuntime, type Runtime, type RuntimeOptions } from './runtime.ts';
import { SANDBOX_PREFIX, surfaces } from './surfaces.ts';
import { type Bootstrapped, bootstrapIfEmpty } from './teams/bootstrap.ts';

export interface RunningPortico {
  app: FastifyInstance;
  runtime: Runtime;
  /** The address it listens on, e.g. http://127.0.0.1:3000 */
  url: string;
  /** Set on the first start against an empty database. */
  bootstrapped: Bootstrapped | undefined;
  /**
   * Stops taking requests, lets those in flight finish, stops background work, closes the database. Calls
   * to platforms still running after the grace period are aborted, so a platform that never answers
   * cannot hold the shutdown.
   */
  close(): Promise<void>;
}

export interface StartOptions extends RuntimeOptions {
  /** How long requests in flight may keep waiting on a platform once closing starts. @default 5000 */
  shutdownGraceMs?: number;
}

/** How long a stopping process lets calls to platforms run before aborting them. */
export const SHUTDOWN_GRACE_MS = 5000;

export async function startPortico(
  config: Config,
  logger: Logger,
  options: StartOptions = {},
): Promise<RunningPortico> {
  const { shutdownGraceMs = SHUTDOWN_GRACE_MS, ...runtimeOptions } = options;
  const sandbox = config.mode === 'sandbox' ? await surfaces.sandbox(config, options.now) : undefined;
  const runtime = await createRuntime(config, logger, {
    ...runtimeOptions,
    extraOverrides: { ...sandbox?.overrides, ...runtimeOptions.extraOverrides },
    ...(sandbox ? { sandboxApps: sandbox.apps } : {}),
  });
  const bootstrapped = await bootstrapIfEmpty(runtime.db, config.mode);
  const app = await buildApp(runtime, {
    api: surfaces.api,
    public: surfaces.public,
    mounts: sandbox ? [sandbox.mount] : [],
    home: { simulatorPrefix: sandbox ? SANDBOX_PREFIX : undefined },
  });
  const workers = config.inProcessWorkers ? surfaces.workers(runtime) : [];
  const address = await app.listen({ host: config.host, port: config.port });
  if (config.mode === 'sandbox') {
    logger.warn(
      'SANDBOX MODE: every platform is served by the built-in simulator; no real account can connect',
    );
  }
  if (config.allowPrivateInstances) {
    logger.warn(
      'PORTICO_ALLOW_PRIVATE_INSTANCES: connects may name servers on loopback and private addresses; callers can make Portico reach internal services',
    );
  }
  let closed = false;
  return {
    app,
    runtime,
    url: address.replace('[::1]', '127.0.0.1'),
    bootstrapped,
    async close() {
      if (closed) return;
      closed = true;
      const grace = setTimeout(() => {
        logger.warn({ grace_ms: shutdownGraceMs }, 'stopping: aborting calls to platforms still running');
        runtime.outbound.abortAll();
      }, shutdownGraceMs);
      try {
        for (const worker of workers) await worker.stop();
        await app.close();
      } finally {
        clearTimeout(grace);
      }
      await runtime.storage.close();
    },
  };
}
