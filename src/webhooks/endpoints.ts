/**
 * Webhook endpoints: where a team's events go. An endpoint belongs to one team, or to every team of its
 * organization (`all_teams`, the only way to hear `team.created`). Its URL is checked when it is saved
 * (scheme, and unless allowed, that every address its host resolves to is public) and again at each
 * delivery (`send.ts`). The signing secret is encrypted at rest and shown once: on creation and rotation.
 */
import { ApiError, invalidField } from '../errors/catalog.ts';
import { EVENT_TYPES, HOSTED_EVENT_TYPES } from '../events/catalog.ts';
import { checkPublicHost } from '../outbound/public-address.ts';
import type { Runtime } from '../runtime.ts';
import type { Db } from '../storage/db.ts';
import { newId } from '../storage/ids.ts';
import { pageOf } from '../storage/paging.ts';
import type { PayloadStyle, WebhookEndpoint } from '../storage/schema.ts';
import { newSigningSecret, type SigningSecrets } from './signing.ts';

/** How long a rotated-out secret keeps signing. */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;

export interface EndpointScope {
  organizationId: string;
  /** A team-limited key's team; null for an organization-wide key. */
  teamId: string | null;
}

export interface EndpointView {
  id: string;
  /** Null: the endpoint hears every team of the organization. */
  team_id: string | null;
  url: string;
  description: string;
  events: string[];
  payload_style: PayloadStyle;
  enabled: boolean;
  /** `failing` when Portico turned it off after failed deliveries; null otherwise. */
  disabled_reason: string | null;
  failing_since: string | null;
  /** Until when the previous secret still signs, after a rotation. */
  previous_secret_expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface EndpointFields {
  url: string;
  description?: string | undefined;
  events?: string[] | undefined;
  payload_style?: PayloadStyle | undefined;
  enabled?: boolean | undefined;
}

const secretContext = (id: string) => `webhook:${id}:secret`;

export async function createEndpoint(
  runtime: Runtime,
  owner: { organizationId: string; teamId: string | null },
  fields: EndpointFields,
): Promise<{ endpoint: EndpointView; secret: string }> {
  const style = fields.payload_style ?? 'portico';
  const url = await checkEndpointUrl(runtime, fields.url);
  const events = checkEvents(style, fields.events ?? []);
  const id = newId('whk');
  const secret = newSigningSecret();
  const row = await runtime.db
    .insertInto('webhook_endpoints')
    .values({
      id,
      organization_id: owner.organizationId,
      team_id: owner.teamId,
      url,
      description: fields.description ?? '',
      events: JSON.stringify(events),
      payload_style: style,
      enabled: fields.enabled ?? true,
      secret_enc: runtime.keyring.encrypt(secret, secretContext(id)),
      updated_at: runtime.now(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { endpoint: endpointView(row), secret };
}

/** Endpoints the scope may see; `teamId` narrows an organization-wide key's list to one team's. */
export async function listEndpoints(
  db: Db,
  scope: EndpointScope,
  filter: { teamId?: string | undefined },
  page: { limit: number; after?: string | undefined },
) {
  let query = db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('organization_id', '=', scope.organizationId);
  const team = scope.teamId ?? filter.teamId;
  if (team) query = query.where('team_id', '=', team);
  if (page.after) query = query.where('id', '>', page.after);
  const rows = await query
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
  return pageOf(rows, page.limit, endpointView);
}

export async function findEndpoint(db: Db, scope: EndpointScope, id: string): Promise<WebhookEndpoint> {
  let query = db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('id', '=', id)
    .where('organization_id', '=', scope.organizationId);
  if (scope.teamId) query = query.where('team_id', '=', scope.teamId);
  const row = await query.executeTakeFirst();
  if (!row) throw new ApiError('NOT_FOUND', `No webhook endpoint ${id}`, { resource: 'webhook', id });
  return row;
}

/**
 * Changes an endpoint. Turning it on again clears a `failing` mark and lets what waited be delivered, in
 * order, at once.
 */
export async function updateEndpoint(
  runtime: Runtime,
  scope: EndpointScope,
  id: string,
  changes: Partial<EndpointFields>,
): Promise<EndpointView> {
  const current = await findEndpoint(runtime.db, scope, id);
  const style = changes.payload_style ?? current.payload_style;
  const url = changes.url !== undefined ? await checkEndpointUrl(runtime, changes.url) : undefined;
  const events =
    changes.events !== undefined || changes.payload_style !== undefined
      ? checkEvents(style, changes.events ?? current.events)
      : undefined;
  const reenabled = changes.enabled === true && !current.enabled;
  return runtime.db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('webhook_endpoints')
      .set({
        ...(url !== undefined ? { url } : {}),
        ...(changes.description !== undefined ? { description: changes.description } : {}),
        ...(events !== undefined ? { events: JSON.stringify(events) } : {}),
        ...(changes.payload_style !== undefined ? { payload_style: changes.payload_style } : {}),
        ...(changes.enabled !== undefined ? { enabled: changes.enabled, disabled_reason: null } : {}),
        ...(reenabled ? { failing_since: null } : {}),
        updated_at: runtime.now(),
      })
      .where('id', '=', current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (reenabled) {
      // What waited is due now; deliveries that ran out of attempts while it was failing are not revived
      // (replay them one by one).
      await trx
        .updateTable('webhook_deliveries')
        .set({ next_attempt_at: new Date(0) })
        .where('endpoint_id', '=', current.id)
        .where('status', '=', 'pending')
        .execute();
    }
    return endpointView(row);
  });
}

export async function deleteEndpoint(db: Db, scope: EndpointScope, id: string): Promise<void> {
  const current = await findEndpoint(db, scope, id);
  await db.deleteFrom('webhook_endpoints').where('id', '=', current.id).execute();
}

/** A new secret; the old one keeps signing beside it for `ROTATION_OVERLAP_MS`. */
export async function rotateSecret(
  runtime: Runtime,
  scope: EndpointScope,
  id: string,
): Promise<{ endpoint: EndpointView; secret: string }> {
  const current = await findEndpoint(runtime.db, scope, id);
  const secret = newSigningSecret();
  const previous = runtime.keyring.decrypt(current.secret_enc, secretContext(current.id));
  const row = await runtime.db
    .updateTable('webhook_endpoints')
    .set({
      secret_enc: runtime.keyring.encrypt(secret, secretContext(current.id)),
      previous_secret_enc: runtime.keyring.encrypt(previous, secretContext(current.id)),
      previous_secret_until: new Date(runtime.now().getTime() + ROTATION_OVERLAP_MS),
      updated_at: runtime.now(),
    })
    .where('id', '=', current.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { endpoint: endpointView(row), secret };
}

/** The secrets that sign a delivery now. */
export function signingSecrets(runtime: Runtime, endpoint: WebhookEndpoint): SigningSecrets {
  const current = runtime.keyring.decrypt(endpoint.secret_enc, secretContext(endpoint.id));
  const stillSigns =
    endpoint.previous_secret_enc &&
    endpoint.previous_secret_until &&
    endpoint.previous_secret_until > runtime.now();
  return {
    current,
    previous: stillSigns
      ? runtime.keyring.decrypt(endpoint.previous_secret_enc!, secretContext(endpoint.id))
      : undefined,
  };
}

export function endpointView(row: WebhookEndpoint): EndpointView {
  return {
    id: row.id,
    team_id: row.team_id,
    url: row.url,
    description: row.description,
    events: row.events,
    payload_style: row.payload_style,
    enabled: row.enabled,
    disabled_reason: row.disabled_reason,
    failing_since: row.failing_since?.toISOString() ?? null,
    previous_secret_expires_at:
      row.previous_secret_enc && row.previous_secret_until ? row.previous_secret_until.toISOString() : null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/**
 * An endpoint URL: absolute http(s) (http only where allowed), no credentials or fragment, and unless
 * private addresses are allowed, a host whose every address is public.
 */
async function checkEndpointUrl(runtime: Runtime, raw: string): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidField('url', 'must be an absolute http(s) URL');
  }
  const { allowHttp, allowPrivate } = runtime.config.webhooks;
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowHttp)) {
    throw invalidField('url', allowHttp ? 'must be an http or https URL' : 'must be an https URL');
  }
  if (url.username || url.password) throw invalidField('url', 'must not contain a user name or password');
  if (url.hash) throw invalidField('url', 'must not have a fragment');
  if (!allowPrivate) {
    const check = await checkPublicHost(url.hostname, runtime.resolve);
    if (!check.public) {
      throw invalidField(
        'url',
        check.reason === 'unresolvable'
          ? `${url.hostname} does not resolve`
          : `${url.hostname} is not on a public address${check.address ? ` (${check.address})` : ''}; private, loopback and link-local addresses are refused`,
      );
    }
  }
  return url.href;
}

function checkEvents(style: PayloadStyle, events: string[]): string[] {
  const known: readonly string[] = style === 'hosted' ? HOSTED_EVENT_TYPES : EVENT_TYPES;
  const unknown = events.find((e) => !known.includes(e));
  if (unknown !== undefined) {
    throw invalidField(
      'events',
      `"${unknown.slice(0, 60)}" is not an event of the ${style} style; known: ${known.join(', ')}`,
    );
  }
  return [...new Set(events)];
}
