/**
 * The control API (JSON) tests and scripts use to shape the simulation: add users with scenarios, change a
 * scenario, list users, reset everything. Not part of any platform; lives under `{prefix}/_control/`.
 */
import type { FastifyInstance } from 'fastify';
import { singleValues } from './oauth.ts';
import type { Sandbox } from './sandbox.ts';
import { describeUser } from './users.ts';

export function registerControl(app: FastifyInstance, sandbox: Sandbox): void {
  app.post('/_control/users', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body))
      return reply.code(400).send({ error: 'body must be an object' });
    const { platform, id, name, username, email, scenario } = body;
    if (typeof platform !== 'string') return reply.code(400).send({ error: 'platform is required' });
    if (typeof name !== 'string' || name.trim() === '')
      return reply.code(400).send({ error: 'name is required' });
    for (const [field, value] of Object.entries({ id, username, email })) {
      if (value !== undefined && typeof value !== 'string') {
        return reply.code(400).send({ error: `${field} must be a string` });
      }
    }
    const added = sandbox.addUser({
      platform,
      name,
      id: id as string | undefined,
      username: username as string | undefined,
      email: email as string | undefined,
      scenario,
    });
    if (typeof added === 'string') {
      return reply.code(added.includes('already exists') ? 409 : 400).send({ error: added });
    }
    return reply.code(201).send(describeUser(added));
  });

  app.get('/_control/users', async (request, reply) => {
    const { platform } = singleValues(request.query);
    if (platform && !sandbox.platform(platform))
      return reply.code(400).send({ error: `unknown platform '${platform}'` });
    const users = platform
      ? sandbox.usersOf(platform)
      : sandbox.platforms.flatMap((p) => sandbox.usersOf(p.id));
    return { users: users.map(describeUser) };
  });

  app.patch<{ Params: { id: string } }>('/_control/users/:id', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const updated = sandbox.updateScenario(request.params.id, body.scenario);
    if (typeof updated === 'string') {
      return reply.code(updated.startsWith('unknown user') ? 404 : 400).send({ error: updated });
    }
    return describeUser(updated);
  });

  app.post('/_control/reset', async () => {
    sandbox.reset();
    return { reset: true };
  });
}
