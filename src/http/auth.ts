/**
 * API key authentication (`Authorization: Bearer <key>` or `x-api-key`), scope checks, and a budget of
 * failed authentications per client IP: past it, 429 before any database lookup until the window ends.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticateKey, type Principal } from '../apikeys/keys.ts';
import { hasScope, type Scope } from '../apikeys/scopes.ts';
import { ApiError } from '../errors/catalog.ts';
import type { Runtime } from '../runtime.ts';

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

/** Clients whose failures are counted at once; past it, windows that have ended are forgotten first. */
const MAX_TRACKED_CLIENTS = 10_000;

/**
 * Failed authentications per client IP in fixed windows. Only failures count: a client with a good key is
 * never slowed by its own requests, and one that guesses keys gets `max` guesses per window, then 429s
 * that cost no database lookup. Kept in memory, per process.
 */
export class FailedAuthThrottle {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #clients = new Map<string, { failures: number; windowEnds: number }>();

  constructor(options: { max: number; windowMs: number; now?: () => number }) {
    this.#max = options.max;
    this.#windowMs = options.windowMs;
    this.#now = options.now ?? Date.now;
  }

  /** Seconds until `ip` may try again, or 0 when it is within its budget. */
  retryAfter(ip: string): number {
    const client = this.#clients.get(ip);
    const now = this.#now();
    if (!client || client.windowEnds <= now || client.failures < this.#max) return 0;
    return Math.max(1, Math.ceil((client.windowEnds - now) / 1000));
  }

  recordFailure(ip: string): void {
    const now = this.#now();
    const client = this.#clients.get(ip);
    if (client && client.windowEnds > now) {
      client.failures++;
      return;
    }
    if (this.#clients.size >= MAX_TRACKED_CLIENTS) this.#forget(now);
    this.#clients.set(ip, { failures: 1, windowEnds: now + this.#windowMs });
  }

  #forget(now: number): void {
    for (const [ip, client] of this.#clients) if (client.windowEnds <= now) this.#clients.delete(ip);
    // Still full (a flood of addresses): the oldest entries go, Maps keep insertion order.
    for (const ip of this.#clients.keys()) {
      if (this.#clients.size < MAX_TRACKED_CLIENTS) break;
      this.#clients.delete(ip);
    }
  }
}

/** Adds authentication to every route registered in `app` (an encapsulated context). */
export function requireApiKey(app: FastifyInstance, runtime: Runtime): void {
  const throttle = new FailedAuthThrottle({
    max: runtime.config.rateLimit.authFailures,
    windowMs: runtime.config.rateLimit.windowMs,
    now: () => runtime.now().getTime(),
  });
  const fail = (ip: string, message: string) => {
    throttle.recordFailure(ip);
    return new ApiError('UNAUTHENTICATED', message);
  };
  app.addHook('onRequest', async (request, reply) => {
    const wait = throttle.retryAfter(request.ip);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new ApiError(
        'RATE_LIMITED',
        `Too many failed authentications from this address; try again in ${wait} seconds`,
      );
    }
    const key = presentedKey(request);
    if (!key) {
      throw fail(request.ip, 'Send an API key as "Authorization: Bearer <key>" or "x-api-key: <key>"');
    }
    const principal = await authenticateKey(runtime.db, key);
    if (!principal) throw fail(request.ip, 'The API key is unknown or revoked');
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
