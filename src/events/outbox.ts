/**
 * The outbox: an event is written in the same transaction as the change that causes it, together with one
 * pending delivery per webhook endpoint that wants it, so an event exists exactly when its change does and
 * no endpoint can miss one. The webhook worker (`webhooks/deliver.ts`) sends what is pending.
 */
import type { Db } from '../storage/db.ts';
import { newId } from '../storage/ids.ts';
import { type EventType, hostedEventOf } from './catalog.ts';
import { type HostedRendering, renderHosted } from './hosted.ts';

export type { EventType } from './catalog.ts';

export interface EmitOptions {
  /** The hosted product's rendering, made by the caller while the object still exists (a deletion). */
  hosted?: HostedRendering | null;
  /** Deliver to this endpoint only, whatever its filter (a `ping`). */
  onlyEndpoint?: string;
  /** For an event of no team: the organization whose all-teams endpoints hear it. */
  organizationId?: string;
  /** Not to this endpoint (the one a `webhook.disabled` is about). */
  exceptEndpoint?: string;
}

export async function emitEvent(
  db: Db,
  teamId: string | null,
  type: EventType,
  payload: Record<string, unknown>,
  options: EmitOptions = {},
): Promise<string> {
  const now = new Date();
  const id = newId('evt', now.getTime());
  const endpoints = await interestedEndpoints(db, teamId, options);
  const organizationId = endpoints[0]?.organization_id ?? options.organizationId;
  if (!organizationId) throw new Error(`emitEvent: ${type} names no team or organization that exists`);
  const wanted = endpoints.flatMap((e) =>
    e.id !== null && e.events !== null ? [{ id: e.id, style: e.payload_style, events: e.events }] : [],
  );
  // The hosted rendering costs queries: only made when an endpoint of that style may want it.
  const hosted =
    hostedEventOf(type) && wanted.some((e) => e.style === 'hosted')
      ? (options.hosted ?? (await renderHosted(db, type, payload)))
      : null;
  const orderingKey = orderingKeyOf(payload) ?? id;
  await db
    .insertInto('events')
    .values({
      id,
      team_id: teamId,
      organization_id: organizationId,
      type,
      payload: JSON.stringify(payload),
      ordering_key: orderingKey,
      hosted: JSON.stringify(hosted),
    })
    .execute();
  const receivers = wanted.filter((e) => {
    if (e.id === options.exceptEndpoint) return false;
    const name = e.style === 'hosted' ? hosted?.type : type;
    return (
      name !== undefined &&
      (options.onlyEndpoint !== undefined || e.events.length === 0 || e.events.includes(name))
    );
  });
  if (receivers.length > 0) {
    await db
      .insertInto('webhook_deliveries')
      .values(
        receivers.map((e) => ({
          id: newId('dlv', now.getTime()),
          endpoint_id: e.id,
          event_id: id,
          ordering_key: orderingKey,
          // Due at once, whatever clock the worker keeps (tests move theirs).
          next_attempt_at: new Date(0),
          created_at: now,
        })),
      )
      .execute();
  }
  return id;
}

/**
 * The team's organization and the endpoints that hear its events (the team's own and the organization's
 * all-teams ones), in one query; a team with none still gives its organization (a row of nulls).
 */
function interestedEndpoints(db: Db, teamId: string | null, options: EmitOptions) {
  const columns = ['e.organization_id', 'e.id', 'e.payload_style', 'e.events'] as const;
  if (options.onlyEndpoint) {
    return db
      .selectFrom('webhook_endpoints as e')
      .select(columns)
      .where('e.id', '=', options.onlyEndpoint)
      .execute();
  }
  if (teamId === null) {
    return db
      .selectFrom('webhook_endpoints as e')
      .select(columns)
      .where('e.organization_id', '=', options.organizationId ?? '')
      .where('e.team_id', 'is', null)
      .execute();
  }
  return db
    .selectFrom('teams as t')
    .leftJoin('webhook_endpoints as e', (join) =>
      join
        .onRef('e.organization_id', '=', 't.organization_id')
        .on((eb) => eb.or([eb('e.team_id', 'is', null), eb('e.team_id', '=', eb.ref('t.id'))])),
    )
    .select(['t.organization_id', 'e.id', 'e.payload_style', 'e.events'])
    .where('t.id', '=', teamId)
    .execute();
}

/** Deliveries with one key reach an endpoint in order: an account's events, a team's events. */
function orderingKeyOf(payload: Record<string, unknown>): string | undefined {
  for (const key of ['account', 'team', 'webhook'] as const) {
    const value = payload[key] as { id?: unknown } | undefined;
    if (typeof value?.id === 'string') return value.id;
  }
  return undefined;
}
