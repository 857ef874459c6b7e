/**
 * What one simulated platform is: its hostnames, its built-in users, and the routes that imitate its
 * documented OAuth and account endpoints. One file per platform under `platforms/`.
 */
import type { FastifyInstance } from 'fastify';
import type { Sandbox } from './sandbox.ts';
import type { SimTarget, UserSeed } from './users.ts';

export interface SandboxPlatform {
  /** Portico's lower-case platform id ('twitter', 'facebook', 'linkedin', ...). */
  id: string;
  /** Shown on the consent page. */
  name: string;
  /** Every real hostname this platform's routes imitate; each is the first path segment of its routes. */
  hosts: readonly string[];
  builtInUsers: readonly UserSeed[];
  /** An id in the platform's own style for a user added without one. */
  newUserId(): string;
  /** The targets a user added through the control API gets with `targets: 'default'`. */
  defaultTargets(userId: string, userName: string): SimTarget[];
  /** Registers the platform's routes, each under `/<hostname>/<real documented path>`. */
  routes(app: FastifyInstance, sandbox: Sandbox): void;
}
