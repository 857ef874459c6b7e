/**
 * The pino logger: JSON lines, with every place a secret could appear redacted, at every level. URLs are
 * logged without their query string, because OAuth callbacks carry `code` and `state` there, and without
 * state tokens. Errors are logged without raw request bytes, and the URLs their messages quote are redacted.
 */
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import pino, { type Logger } from 'pino';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
  // Not `*.code`: that would hide every error's code (`err.code`); OAuth codes travel only in callback
  // query strings, which are never logged (see `redactText`).
  '*.code_verifier',
  '*.state_token',
  '*.key',
  '*.password',
  '*.secret',
];

/** Query parameters that carry a secret in an OAuth request or answer. */
const SECRET_PARAMS = [
  'code',
  'state',
  'code_verifier',
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'fb_exchange_token',
  'input_token',
  'token',
];
const SECRET_PARAM = new RegExp(`([?&;](?:${SECRET_PARAMS.join('|')})=)[^&#;\\s'"]*`, 'gi');

/**
 * Text that may quote a URL, with its secrets replaced: state tokens (they travel in a path too,
 * `GET /v1/social/connect/{state_token}`), portal link tokens (`/portal/{token}`), API keys, and the values of secret query parameters (a router
 * error quotes the whole URL, callback query string included).
 */
export function redactText(text: string): string {
  return (
    text
      .replace(/cst_[A-Za-z0-9_-]+/g, 'cst_[redacted]')
      // Portal links' tokens travel in the page's path (`/portal/ptl_...`) and its return URL.
      .replace(/ptl_[A-Za-z0-9_-]{20,}/g, 'ptl_[redacted]')
      .replace(/pk_(live|test)_[A-Za-z0-9]+/g, 'pk_$1_[redacted]')
      .replace(SECRET_PARAM, '$1[redacted]')
  );
}

/**
 * An error as pino's standard serializer writes it, minus what can hold a secret: byte arrays (Node's HTTP
 * parser attaches the raw request, headers and all, as `rawPacket` to the errors Fastify logs at trace)
 * and, in every string, what `redactText` replaces.
 */
export function serializeError(error: unknown): unknown {
  return scrub(pino.stdSerializers.err(error as Error), 0);
}

function scrub(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (!value || typeof value !== 'object' || depth > 5) return value;
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === 'rawPacket' || item instanceof Uint8Array || item instanceof ArrayBuffer) continue;
    out[key] = scrub(item, depth + 1);
  }
  return out;
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      hooks: {
        // A message can quote a URL too (Fastify's default 404 line quotes it with its query string).
        logMethod(args, method) {
          const redacted = args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg));
          return method.apply(this, redacted as typeof args);
        },
      },
      serializers: {
        req: (req: { id: string; method: string; url: string; ip?: string }) => ({
          id: req.id,
          method: req.method,
          path: redactText(req.url.split('?')[0] ?? ''),
          ip: req.ip,
        }),
        err: serializeError,
      },
    },
    destination,
  );
}

/**
 * One access-log line per request, when it completes, instead of Fastify's two: logging was a tenth of the
 * CPU time of a connect under load (bench/), and the "incoming request" line said nothing this one doesn't.
 */
export class AccessLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply) {
    const line = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}
