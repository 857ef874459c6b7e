/** The simulator on its own port, for tests and scripts: a Fastify on 127.0.0.1 with the plugin at /sandbox. */
import Fastify from 'fastify';
import { type SandboxOptions, sandboxHostOverrides, sandboxPlugin } from './plugin.ts';

export const STANDALONE_PREFIX = '/sandbox';

export interface RunningSandbox {
  /** e.g. http://127.0.0.1:PORT/sandbox */
  url: string;
  overrides: Record<string, string>;
  close(): Promise<void>;
}

export async function startSandboxServer(
  opts: SandboxOptions & { host?: string; port?: number } = {},
): Promise<RunningSandbox> {
  const { host = '127.0.0.1', port = 0, ...options } = opts;
  const app = Fastify({ logger: false, forceCloseConnections: true });
  await app.register(async (scope) => sandboxPlugin(scope, options), { prefix: STANDALONE_PREFIX });
  await app.listen({ host, port });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}${STANDALONE_PREFIX}`;
  return { url, overrides: sandboxHostOverrides(url), close: () => app.close() };
}
