/**
 * Webhook endpoints (`/v1/webhooks`): create (the signing secret is shown once), list, get, change, delete,
 * rotate the secret, send a test `ping`, and the delivery log with replay. Scope `webhooks:write`.
 * Thin: the use-cases are in `webhooks/`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ApiError, invalidField } from '../../errors/catalog.ts';
import { emitEvent } from '../../events/outbox.ts';
import type { Runtime } from '../../runtime.ts';
import type { WebhookDelivery } from '../../storage/schema.ts';
import { pageOf } from '../../storage/paging.ts';
import { replayDelivery } from '../../webhooks/deliver.ts';
import {
  createEndpoint,
  deleteEndpoint,
  endpointView,
  findEndpoint,
  listEndpoints,
  rotateSecret,
  updateEndpoint,
} from '../../webhooks/endpoints.ts';
import { principalOf } from '../auth.ts';
import { Envelope, errorResponses, ok, PageQuery } from '../envelope.ts';
import { teamOf } from '../team.ts';
import { IdField, IdParam } from '../validation.ts';

const TAG = 'Webhooks';

const EndpointSchema = Type.Object(
  {
    id: Type.String(),
    team_id: Type.Union([Type.String(), Type.Null()], {
      description: 'The team whose events it receives; null: every team of the organization.',
    }),
    url: Type.String(),
    description: Type.String(),
    events: Type.Array(Type.String(), { description: 'Event types delivered; empty: all of its style.' }),
    payload_style: Type.Union([Type.Literal('portico'), Type.Literal('hosted')]),
    enabled: Type.Boolean(),
    disabled_reason: Type.Union([Type.Literal('failing'), Type.Null()], {
      description:
        '`failing`: Portico turned it off after its deliveries failed for `PORTICO_WEBHOOKS_DISABLE_AFTER`.',
    }),
    failing_since: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    previous_secret_expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'After a rotation: until when the previous secret also signs.',
    }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'WebhookEndpoint' },
);

const WithSecret = Type.Intersect([
  Type.Ref('WebhookEndpoint'),
  Type.Object({
    secret: Type.String({ description: 'The signing secret (`whsec_...`). Shown only now: store it.' }),
  }),
]);

const DeliverySchema = Type.Object(
  {
    id: Type.String(),
    event_id: Type.String({ description: 'Also the `webhook-id` header: the same on every attempt.' }),
    event_type: Type.String(),
    status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
    attempts: Type.Integer(),
    last_attempt_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    response_status: Type.Union([Type.Integer(), Type.Null()]),
    latency_ms: Type.Union([Type.Integer(), Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()]),
    response_body: Type.Union([Type.String(), Type.Null()], { description: 'The start of the last answer.' }),
    next_attempt_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'When it is tried next; null unless pending.',
    }),
    delivered_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'WebhookDelivery' },
);

const Url = Type.String({ minLength: 1, maxLength: 2048, description: 'https (http where allowed).' });
const Events = Type.Array(Type.String({ maxLength: 100 }), {
  maxItems: 50,
  description: 'Event types to deliver (the style’s names: docs/webhooks.md); empty or absent: all.',
});
const Style = Type.Union([Type.Literal('portico'), Type.Literal('hosted')], {
  description:
    '`portico`: `{id, type, created_at, team_id, data}`. `hosted`: the hosted product’s `{type, data}` with its event names and objects, signed with `x-signature` too.',
});
const Description = Type.String({ maxLength: 500 });

const IdParams = Type.Object({ id: IdParam('webhook') });

export function webhookRoutes(runtime: Runtime): FastifyPluginAsyncTypebox {
  const { db } = runtime;
  const config = { scope: 'webhooks:write' as const };
  return async (app) => {
    app.addSchema(EndpointSchema);
    app.addSchema(DeliverySchema);

    app.post(
      '/v1/webhooks',
      {
        config,
        schema: {
          tags: [TAG],
          summary: 'Create a webhook endpoint',
          description:
            'Events of one team (`team_id`, else the key’s team or the default team), or with `all_teams` every team of the organization (organization-wide keys; the only way to receive `team.created`).',
          body: Type.Object(
            {
              url: Url,
              events: Type.Optional(Events),
              payload_style: Type.Optional(Style),
              description: Type.Optional(Description),
              enabled: Type.Optional(Type.Boolean()),
              team_id: Type.Optional(IdField('team', 'The team whose events it receives.')),
              all_teams: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
          response: { 201: Envelope(WithSecret), ...errorResponses(403, 404, 422) },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const { team_id, all_teams, ...fields } = request.body;
        let teamId: string | null;
        if (all_teams) {
          if (team_id !== undefined) throw invalidField('all_teams', 'cannot be set with team_id');
          if (principal.teamId) {
            throw new ApiError(
              'KEY_LIMITED_TO_TEAM',
              'An endpoint for all teams needs an organization-wide API key',
            );
          }
          teamId = null;
        } else {
          teamId = (await teamOf(db, request, team_id)).id;
        }
        const created = await createEndpoint(
          runtime,
          { organizationId: principal.organizationId, teamId },
          fields,
        );
        return reply.code(201).send(ok(request, { ...created.endpoint, secret: created.secret }));
      },
    );

    app.get(
      '/v1/webhooks',
      {
        config,
        schema: {
          tags: [TAG],
          summary: 'List webhook endpoints',
          querystring: Type.Object({
            ...PageQuery,
            team_id: Type.Optional(IdField('team', 'Only this team’s endpoints.')),
          }),
          response: { 200: Envelope(Type.Array(Type.Ref('WebhookEndpoint'))), ...errorResponses(422) },
        },
      },
      async (request) => {
        const { limit = 25, cursor, team_id } = request.query;
        const page = await listEndpoints(
          db,
          principalOf(request),
          { teamId: team_id },
          { limit, after: cursor },
        );
        return ok(request, page.items, { next_cursor: page.next ?? null });
      },
    );

    app.get(
      '/v1/webhooks/:id',
      {
        config,
        schema: {
          tags: [TAG],
          summary: 'Get a webhook endpoint',
          params: IdParams,
          response: { 200: Envelope(Type.Ref('WebhookEndpoint')), ...errorResponses(404) },
        },
      },
      async (request) =>
        ok(request, endpointView(await findEndpoint(db, principalOf(request), request.params.id))),
    );

    app.patch(
      '/v1/webhooks/:id',
      {
        config,
        schema: {
          tags: [TAG],
          summary: 'Change a webhook endpoint',
          description:
            'Turning a disabled endpoint on (`enabled: true`) delivers what waited for it, in order.',
          params: IdParams,
          body: Type.Object(
            {
              url: Type.Optional(Url),
              events: Type.Optional(Events),
              payload_style: Type.Optional(Style),
              description: Type.Optional(Description),
              enabled: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
          response: { 200: Envelope(Type.Ref('WebhookEndpoint')), ...errorResponses(404, 422) },
        },
      },
      async (request) =>
        ok(request, await updateEndpoint(runtime, principalOf(request), request.params.id, request.body)),
    );

    app.delete(
      '/v1/webhooks/:id',
      {
        config,
        schema: {
          tags: [TAG],
          summary: 'Delete a webhook endpoint',
          description: 'Its pending deliveries go with it.',
          params: IdParams,
          response: { 200: Envelope(Type.Null()), ...errorResponses(404) },
        },
      },
      async (request) => {
        await deleteEndpoint(db, principalOf(request), request.params.id);
        return ok(request, null);
      },
    );

    app.post(
      '/v1/webhooks/:id/rotate-secret',
      {
        config,
        schema: {
          tags: [TAG],
          summary: 'Rotate the signing secret',
          description:
            'A new secret, shown once. The previous one keeps signing beside it for 24 hours: two signatures in `webhook-signature` (and, hosted style, `x-signature` by the old secret, `x-signature-next` by the new).',
          params: IdParams,
          response: { 200: Envelope(WithSecret), ...errorResponses(404) },
        },
      },
      async (request) => {
        const rotated = await rotateSecret(runtime, principalOf(request), request.params.id);
        return ok(request, { ...rotated.endpoint, secret: rotated.secret });
      },
    );

    app.post(
      '/v1/webhooks/:id/test',
      {
        config,
        schema: {
          tags: [TAG],
          summary: 'Send a test ping',
          description: 'Queues a `ping` event for this endpoint alone; the delivery log shows how it went.',
          params: IdParams,
          response: { 202: Envelope(Type.Object({ event_id: Type.String() })), ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const endpoint = await findEndpoint(db, principalOf(request), request.params.id);
        const eventId = await db
          .transaction()
          .execute((trx) =>
            emitEvent(
              trx,
              endpoint.team_id,
              'ping',
              { webhook_id: endpoint.id, message: 'Portico test delivery' },
              { onlyEndpoint: endpoint.id, organizationId: endpoint.organization_id },
            ),
          );
        return reply.code(202).send(ok(request, { event_id: eventId }));
      },
    );

    app.get(
      '/v1/webhooks/:id/deliveries',
      {
        config,
        schema: {
          tags: [TAG],
          summary: 'The delivery log',
          description: 'Newest first.',
          params: IdParams,
          querystring: Type.Object({
            ...PageQuery,
            status: Type.Optional(
              Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
            ),
          }),
          response: { 200: Envelope(Type.Array(Type.Ref('WebhookDelivery'))), ...errorResponses(404, 422) },
        },
      },
      async (request) => {
        const endpoint = await findEndpoint(db, principalOf(request), request.params.id);
        const { limit = 25, cursor, status } = request.query;
        let query = db
          .selectFrom('webhook_deliveries as d')
          .innerJoin('events as ev', 'ev.id', 'd.event_id')
          .selectAll('d')
          .select('ev.type as event_type')
          .where('d.endpoint_id', '=', endpoint.id);
        if (status) query = query.where('d.status', '=', status);
        if (cursor) query = query.where('d.id', '<', cursor);
        const rows = await query
          .orderBy('d.id', 'desc')
          .limit(limit + 1)
          .execute();
        const page = pageOf(rows, limit, deliveryView);
        return ok(request, page.items, { next_cursor: page.next ?? null });
      },
    );

    app.post(
      '/v1/webhooks/:id/deliveries/:delivery_id/replay',
      {
        config,
        schema: {
          tags: [TAG],
          summary: 'Send a delivery again',
          description:
            'Due at once with a fresh set of attempts, signed anew, same `webhook-id` (receivers that de-duplicate by it will see a repeat).',
          params: Type.Object({ id: IdParam('webhook'), delivery_id: IdParam('delivery') }),
          response: { 202: Envelope(Type.Ref('WebhookDelivery')), ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const endpoint = await findEndpoint(db, principalOf(request), request.params.id);
        const replayed = await replayDelivery(runtime, endpoint.id, request.params.delivery_id);
        if (!replayed) {
          throw new ApiError('NOT_FOUND', `No delivery ${request.params.delivery_id} for this endpoint`, {
            resource: 'delivery',
            id: request.params.delivery_id,
          });
        }
        const type = await db
          .selectFrom('events')
          .select('type')
          .where('id', '=', replayed.event_id)
          .executeTakeFirstOrThrow();
        return reply.code(202).send(ok(request, deliveryView({ ...replayed, event_type: type.type })));
      },
    );
  };
}

function deliveryView(row: WebhookDelivery & { event_type: string }) {
  return {
    id: row.id,
    event_id: row.event_id,
    event_type: row.event_type,
    status: row.status,
    attempts: row.attempts,
    last_attempt_at: row.last_attempt_at?.toISOString() ?? null,
    response_status: row.last_status_code,
    latency_ms: row.last_latency_ms,
    error: row.last_error,
    response_body: row.last_response,
    // A new or replayed delivery is due at once (`new Date(0)`): no time to show.
    next_attempt_at:
      row.status === 'pending' && row.next_attempt_at.getTime() > 0
        ? row.next_attempt_at.toISOString()
        : null,
    delivered_at: row.delivered_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
  };
}
