/**
 * Token-endpoint failure scenarios: a user whose scenario says the token endpoint answers 500, 429 or hangs
 * gets that answer for every grant type (code exchange, refresh, long-lived exchange) before anything is
 * consumed, so the same code or refresh token still works once the scenario is switched back to 'ok'.
 */
import type { FastifyReply } from 'fastify';
import type { Sandbox } from './sandbox.ts';
import type { SimUser } from './users.ts';

/** Seconds a rate-limited client is told to wait (the Retry-After header). */
export const RETRY_AFTER_SECONDS = 60;

export interface ScenarioBodies {
  /** The platform's body for an internal error (status 500). */
  serverError: unknown;
  /** The platform's body for rate limiting (status 429). */
  rateLimited: unknown;
}

/** Answers per the user's token-endpoint scenario; returns true when it did (the caller then stops). */
export async function answeredByScenario(
  sandbox: Sandbox,
  user: SimUser | undefined,
  reply: FastifyReply,
  bodies: ScenarioBodies,
): Promise<boolean> {
  switch (user?.scenario.tokenEndpoint ?? 'ok') {
    case 'ok':
      return false;
    case '500':
      await reply.code(500).send(bodies.serverError);
      return true;
    case '429':
      await reply.code(429).header('retry-after', String(RETRY_AFTER_SECONDS)).send(bodies.rateLimited);
      return true;
    case 'hang':
      await sandbox.hold();
      await reply
        .code(504)
        .header('content-type', 'text/plain; charset=utf-8')
        .send('504 Gateway Timeout (sandbox hang scenario)');
      return true;
  }
  return false;
}
