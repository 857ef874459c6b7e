/**
 * The simulator as a Fastify plugin, in its own encapsulated context: its own form parser, error and
 * not-found handlers, and every platform host as the first path segment (`{prefix}/api.x.com/2/...`).
 */
import formbody from '@fastify/formbody';
import type { FastifyError, FastifyInstance } from 'fastify';
import { defaultClients, type SandboxClient } from './clients.ts';
import { registerControl } from './control.ts';
import { platforms } from './platforms/index.ts';
import { Sandbox } from './sandbox.ts';

export interface SandboxOptions {
  clients?: SandboxClient[];
  /** Milliseconds since the epoch; every code, token and refresh-token expiry reads this clock. */
  now?: () => number;
  /** How long the 'hang' scenario holds a response before answering 504. @default 30000 */
  hangMs?: number;
}

const FORM = 'application/x-www-form-urlencoded';

export async function sandboxPlugin(app: FastifyInstance, opts: SandboxOptions): Promise<void> {
  const sandbox = new Sandbox(platforms, {
    clients: opts.clients ?? defaultClients(),
    now: opts.now ?? Date.now,
    hangMs: opts.hangMs ?? 30_000,
  });

  // Our own form parser even when an enclosing context registered one: the platforms' behaviour must not
  // depend on how the host app parses bodies.
  if (app.hasContentTypeParser(FORM)) app.removeContentTypeParser(FORM);
  await app.register(formbody);

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    return reply.code(status).send({ error: 'sandbox_error', message: error.message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: 'not_found',
      message: `The sandbox does not simulate ${request.method} ${request.url}`,
    }),
  );
  // A held ('hang') response must not keep the server from closing.
  app.addHook('preClose', async () => sandbox.releaseHeld());

  registerControl(app, sandbox);
  for (const platform of platforms) platform.routes(app, sandbox);
}

/** Every hostname the simulator imitates -> `${baseUrl}/${hostname}` (baseUrl includes the mount prefix). */
export function sandboxHostOverrides(baseUrl: string): Record<string, string> {
  const base = baseUrl.replace(/\/+$/, '');
  return Object.fromEntries(platforms.flatMap((p) => p.hosts).map((host) => [host, `${base}/${host}`]));
}
