/**
 * The HTTP application: one Fastify instance serving the headless API (`/v1`), OAuth callbacks, the home
 * page, the API reference and operations endpoints; the hosted product's API (`/api/v1`) answers errors in
 * that product's shape. Routes are thin adapters; the logic lives in the modules they call.
 */
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { ApiError } from '../errors/catalog.ts';
import type { Runtime } from '../runtime.ts';
import { newId } from '../storage/ids.ts';
import { requireApiKey } from './auth.ts';
import { registerApiReference } from './docs.ts';
import { ErrorEnvelope } from './envelope.ts';
import { frameworkError, installErrorHandling } from './errors.ts';
import { installIdempotency } from './idempotency.ts';
import { AccessLog } from './logging.ts';
import { installMetrics } from './metrics.ts';
import { AccountSchema } from './routes/accounts.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { healthRoutes } from './routes/health.ts';
import { HostedErrorSchema, SocialAccountSchema } from './routes/hosted/common.ts';
import { type HomeOptions, homeRoutes } from './routes/home.ts';
import { TeamSchema, teamRoutes } from './routes/teams.ts';
import { schemaController } from './validation.ts';
import { openApiWebhooks } from '../events/catalog.ts';

const BODY_LIMIT = 1024 * 1024;

export interface AppParts {
  /** Authenticated API routes (headless and hosted-portal APIs); behind API keys, idempotency, rate limits. */
  api: Array<(runtime: Runtime) => FastifyPluginAsync>;
  /** Public routes (OAuth callbacks, portal pages), rate limited per client IP. */
  public: Array<(runtime: Runtime) => FastifyPluginAsync>;
  /** Mounted as they are (the sandbox simulator). */
  mounts: Array<{ plugin: FastifyPluginAsync; prefix: string }>;
  /** What the home page links to besides the API (the simulator in sandbox mode). */
  home: HomeOptions;
}

export async function buildApp(runtime: Runtime, parts: Partial<AppParts> = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: runtime.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    trustProxy: runtime.config.trustProxy,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(incoming)
        ? incoming
        : newId('req');
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 256 },
    frameworkErrors: (error, request, reply) => frameworkError(error, request, reply),
    schemaController,
    logController: new AccessLog(),
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Once closing starts, every response ends its connection: a keep-alive connection that goes idle after
  // close() began would otherwise hold the server open for its whole keep-alive timeout (72 s).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
    // Every answer, HTML page or not, unless a route says otherwise.
    if (!reply.hasHeader('x-content-type-options')) reply.header('x-content-type-options', 'nosniff');
    if (!reply.hasHeader('referrer-policy')) reply.header('referrer-policy', 'no-referrer');
    return payload;
  });
  installErrorHandling(app);
  installMetrics(app, runtime.metrics);
  app.addSchema(ErrorEnvelope);
  app.addSchema(TeamSchema);
  app.addSchema(AccountSchema);
  app.addSchema(HostedErrorSchema);
  app.addSchema(SocialAccountSchema);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Portico API',
        version: '0.1.0',
        description:
          'Self-hosted social-account connection gateway. Authenticate with `Authorization: Bearer <key>` or `x-api-key: <key>`.\n\n' +
          'This document as JSON: [/openapi.json](/openapi.json). Portico’s home page: [/](/).',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
      webhooks: openApiWebhooks(),
    },
    // Only tagged routes are the API; the sandbox simulator and operations endpoints stay out.
    hideUntagged: true,
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await registerApiReference(app);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(homeRoutes(runtime, parts.home));
  await app.register(healthRoutes(runtime));

  await app.register(async (api) => {
    // The APIs take JSON only; Fastify's built-in text/plain parser would turn a wrong content type into
    // a confusing validation error instead of 415.
    api.removeContentTypeParser('text/plain');
    requireApiKey(api, runtime);
    await api.register(rateLimit, {
      max: runtime.config.rateLimit.apiMax,
      timeWindow: runtime.config.rateLimit.windowMs,
      // After the API key check (an onRequest hook registered first), before body parsing and
      // validation: invalid requests count against the key's budget too.
      hook: 'onRequest',
      enableDraftSpec: true,
      keyGenerator: (request) => request.principal?.keyId ?? request.ip,
      errorResponseBuilder: (_request, context) =>
        new ApiError('RATE_LIMITED', `Rate limit of ${context.max} requests per ${context.after} exceeded`),
    });
    installIdempotency(api, runtime);
    await api.register(teamRoutes(runtime));
    await api.register(apiKeyRoutes(runtime));
    for (const part of parts.api ?? []) await api.register(part(runtime));
  });

  await app.register(async (pub) => {
    await pub.register(formbody);
    await pub.register(rateLimit, {
      max: runtime.config.rateLimit.publicMax,
      timeWindow: runtime.config.rateLimit.windowMs,
      enableDraftSpec: true,
      errorResponseBuilder: (_request, context) =>
        new ApiError('RATE_LIMITED', `Rate limit of ${context.max} requests per ${context.after} exceeded`),
    });
    for (const part of parts.public ?? []) await pub.register(part(runtime));
  });

  for (const mount of parts.mounts ?? []) await app.register(mount.plugin, { prefix: mount.prefix });
  return app;
}
