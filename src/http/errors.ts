/**
 * Error handling for every route: anything thrown becomes a catalog error in the shape of the surface it
 * hit. The headless API (`/v1/...`) answers `{success:false, error:{code,message,details}, meta}`; the
 * hosted-portal API (`/api/v1/...`) answers `{statusCode, message, error, issues:[{code,message,path}]}` as
 * that product does. Bad input never becomes a 500; a real 500 never shows its stack to the client.
 * The router's own errors (a URL that does not decode, a path parameter too long) take the same shapes.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import FindMyWay from 'find-my-way';
import { ApiError, type ApiErrorCode, apiErrors } from '../errors/catalog.ts';
import { meta } from './envelope.ts';
import { ID_KEYWORD } from './validation.ts';

interface Issue {
  field: string;
  message: string;
  keyword?: string;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export function installErrorHandling(app: FastifyInstance): void {
  // Fastify answers 404 for a known path with another method; a second router of the same routes tells 405.
  const known = FindMyWay({ ignoreTrailingSlash: true });
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if ((METHODS as readonly string[]).includes(method) && !route.url.includes('*')) {
        try {
          known.on(method as (typeof METHODS)[number], route.url, () => {});
        } catch {
          // the same route registered twice under another prefix; one entry is enough
        }
      }
    }
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = METHODS.filter((m) => known.find(m, path));
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendError(
        request,
        reply,
        new ApiError('METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}`, { allowed }),
      );
    }
    return sendError(
      request,
      reply,
      new ApiError('ROUTE_NOT_FOUND', `No endpoint ${request.method} ${path}`),
    );
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.code === 'INTERNAL_ERROR') request.log.error({ err: error }, 'unhandled error');
    if (apiError.code === 'INVALID_INPUT') {
      // Validation let through a value the database refused: worth fixing, but not a 500. The message
      // may quote the value, so only the code is logged.
      request.log.warn({ dbCode: error.code }, 'the database refused a value from the request');
    }
    return sendError(request, reply, apiError);
  });
}

/** Fastify's `frameworkErrors`: the router's errors, before any route or hook ran. */
export function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  reply.header('x-request-id', request.id);
  return sendError(request, reply, toApiError(error));
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: ApiError) {
  if (request.url.startsWith('/api/')) {
    // That product answers every bad input 400 (it has no 422): a field, a type it does not serve.
    const status = error.status === 422 ? 400 : error.status;
    reply.code(status);
    const issues = (error.details?.issues as Issue[] | undefined) ?? [];
    return reply.send({
      statusCode: status,
      message: error.message,
      error: error.code,
      issues: issues.map((i) => ({
        code: i.keyword ?? error.code.toLowerCase(),
        message: i.message,
        path: [i.field],
      })),
    });
  }
  reply.code(error.status);
  return reply.send({
    success: false,
    error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
    meta: meta(request),
  });
}

function toApiError(error: FastifyError): ApiError {
  if (error instanceof ApiError) return error;
  if (error.validation) return validationError(error);
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('INVALID_JSON', 'The request body is not valid JSON');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('PAYLOAD_TOO_LARGE', 'The request body is larger than 1 MiB');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
    case 'FST_ERR_BAD_URL':
      return new ApiError('INVALID_URL', 'The URL does not decode: it has a malformed percent-escape');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ApiError('URL_TOO_LONG', 'A path segment is longer than 256 characters');
  }
  // The last line behind validation: PostgreSQL's class 22 (data exception: invalid text, byte sequence,
  // JSON...) means the request sent a value the database cannot take. PGlite raises the same codes.
  if (typeof error.code === 'string' && /^22[0-9A-Z]{3}$/.test(error.code)) {
    return new ApiError('INVALID_INPUT', 'A value in the request cannot be stored or searched as sent');
  }
  // JSON.parse errors thrown by the body parser carry a 400 and no Fastify code.
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
    return new ApiError('INVALID_JSON', 'The request body is not valid JSON');
  }
  const byStatus = Object.entries(apiErrors).find(
    ([, e]) => e.status === error.statusCode && error.statusCode < 500,
  );
  if (byStatus) return new ApiError(byStatus[0] as ApiErrorCode, error.message);
  return new ApiError('INTERNAL_ERROR', 'Something went wrong inside Portico; the request id is in its logs');
}

function validationError(error: FastifyError): ApiError {
  const where = error.validationContext ?? 'body';
  const errors = error.validation ?? [];
  // A path parameter that cannot be an id names nothing: 404, as an unknown id would be.
  const badId = errors.find((v) => v.keyword === ID_KEYWORD);
  if (badId) {
    const resource = String((badId.params as { resource?: unknown }).resource ?? 'resource');
    return new ApiError('NOT_FOUND', `No ${resource.replace('_', ' ')} has this id`, { resource });
  }
  const issues: Issue[] = errors
    // Ajv follows a failed `propertyNames` with a summary; the error before it says what is wrong.
    .filter((v) => v.keyword !== 'propertyNames')
    .map((v) => {
      const params = v.params as Record<string, unknown>;
      const segments = String(v.instancePath ?? '')
        .split('/')
        .filter(Boolean)
        .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
      let message = v.message ?? 'is invalid';
      if (typeof params.missingProperty === 'string') {
        segments.push(params.missingProperty);
        message = 'is required';
      } else if (typeof params.additionalProperty === 'string') {
        // A name that cannot be shown (NUL, control characters, very long) is named by its parent.
        if (printable(params.additionalProperty)) {
          segments.push(params.additionalProperty);
          message = 'is not a known field';
        } else message = 'has a field with an invalid name';
      }
      const key = (v as { propertyName?: unknown }).propertyName;
      if (typeof key === 'string') message = `key ${printable(key) ? `"${key}" ` : ''}${message}`;
      return { field: segments.join('.') || where, message, keyword: v.keyword };
    });
  const first = issues[0] ?? { field: where, message: 'is invalid' };
  return new ApiError('VALIDATION_FAILED', `${first.field}: ${first.message}`, {
    field: first.field,
    issues: issues.map(({ field, message }) => ({ field, message })),
  });
}

function printable(name: string): boolean {
  return /^[\x20-\x7e]{1,64}$/.test(name);
}
