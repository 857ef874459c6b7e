/** `/healthz` (the process answers) and `/readyz` (and can reach its database). */
import type { FastifyPluginAsync } from 'fastify';
import { ApiError } from '../../errors/catalog.ts';
import type { Runtime } from '../../runtime.ts';

export function healthRoutes(runtime: Runtime): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
    app.get('/readyz', { schema: { hide: true } }, async () => {
      try {
        await runtime.storage.ping();
      } catch {
        throw new ApiError('NOT_READY', 'The database is not reachable');
      }
      return { status: 'ready' };
    });
  };
}
