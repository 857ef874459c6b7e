/** The headless API's response envelope and its OpenAPI schemas. */
import type { FastifyRequest } from 'fastify';
import { type TSchema, Type } from 'typebox';

export interface Meta {
  request_id: string;
  timestamp: string;
  next_cursor?: string | null;
}

export function meta(request: FastifyRequest, extra?: Partial<Meta>): Meta {
  return { request_id: String(request.id), timestamp: new Date().toISOString(), ...extra };
}

export function ok<T>(request: FastifyRequest, data: T, extra?: Partial<Meta>) {
  return { success: true as const, data, meta: meta(request, extra) };
}

export const MetaSchema = Type.Object({
  request_id: Type.String(),
  timestamp: Type.String({ format: 'date-time' }),
  next_cursor: Type.Optional(
    Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` for the next page; null on the last page.',
    }),
  ),
});

export function Envelope(data: TSchema) {
  return Type.Object({ success: Type.Literal(true), data, meta: MetaSchema });
}

export const ErrorEnvelope = Type.Object(
  {
    success: Type.Literal(false),
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
    meta: MetaSchema,
  },
  { $id: 'Error' },
);

/** The standard error responses an authenticated endpoint can give, for the OpenAPI document. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries([401, 403, 429, ...statuses].map((s) => [s, Type.Ref('Error')]));
}

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
  cursor: Type.Optional(Type.String({ maxLength: 64 })),
};
