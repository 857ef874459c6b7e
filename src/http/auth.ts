/** API key authentication (`Authorization: Bearer <key>` or `x-api-key`) and scope checks. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticateKey, type Principal } from '../apikeys/keys.ts';
import { hasScope, type Scope } from '../apikeys/scopes.ts';
import { ApiError } from '../errors/catalog.ts';
import type { Db } from '../storage/db.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** The scope a route needs; every authenticated route declares one. */
    scope?: Scope;
  }
}

function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1];
  }
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' ? apiKey.trim() : undefined;
}

/** Adds authentication to every route registered in `app` (an encapsulated context). */
export function requireApiKey(app: FastifyInstance, db: Db): void {
  app.addHook('onRequest', async (request) => {
    const key = presentedKey(request);
    if (!key) {
      throw new ApiError(
        'UNAUTHENTICATED',
        'Send an API key as "Authorization: Bearer <key>" or "x-api-key: <key>"',
      );
    }
    const principal = await authenticateKey(db, key);
    if (!principal) throw new ApiError('UNAUTHENTICATED', 'The API key is unknown or revoked');
    request.principal = principal;
    const required = request.routeOptions.config.scope;
    if (required && !hasScope(principal.scopes, required)) {
      throw new ApiError(
        'INSUFFICIENT_SCOPE',
        `This endpoint needs an API key with the "${required}" scope`,
        {
          required_scope: required,
        },
      );
    }
  });
}

/** The authenticated principal; only called in routes behind `requireApiKey`. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route is not behind requireApiKey');
  return request.principal;
}
