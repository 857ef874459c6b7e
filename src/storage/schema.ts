/** Table types for Kysely. One interface per table; columns as the database returns them. */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** jsonb: written as a JSON string (so pg never turns arrays into PostgreSQL arrays), read back parsed. */
type Json<T> = ColumnType<T, string, string>;

export interface OrganizationsTable {
  id: string;
  name: string;
  created_at: CreatedAt;
}

export interface TeamsTable {
  id: string;
  organization_id: string;
  name: string;
  /** Origins `return_url`/`redirectUrl` must belong to; empty means any http(s) URL. */
  allowed_origins: Json<string[]>;
  headless_connect: Generated<boolean>;
  /** The hosted product's team avatar; Portico only stores it. */
  avatar_url: ColumnType<string | null, string | null | undefined, string | null>;
  /** Origins allowed to frame the hosted portal page (CSP `frame-ancestors`); empty: none may. */
  portal_frame_ancestors: ColumnType<string[], string | undefined, string>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  organization_id: string;
  /** When set, the key sees only this team. */
  team_id: string | null;
  name: string;
  /** The public, unique start of the key; used to find the row. */
  prefix: string;
  /** SHA-256 of the whole key, hex. The key itself is never stored. */
  hash: string;
  scopes: Json<string[]>;
  created_at: CreatedAt;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface IdempotencyRecordsTable {
  api_key_id: string;
  key: string;
  /** SHA-256 of method, path and body: the same key with another request is refused. */
  request_hash: string;
  /** Null while the first request is still running. */
  status_code: number | null;
  response_body: Json<unknown> | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
}

export interface ProviderCredentialsTable {
  team_id: string;
  platform: string;
  client_id: string;
  client_secret_enc: string;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export type ConnectStatus = 'pending' | 'connected' | 'expired' | 'failed';

export interface ConnectSessionsTable {
  id: string;
  team_id: string;
  platform: string;
  /** SHA-256 of the state token; the token itself is only ever in the user's browser and the caller's hands. */
  state_hash: string;
  /** The flow's secret until the callback (the PKCE verifier for OAuth 2.0), encrypted. */
  code_verifier_enc: string | null;
  redirect_uri: string;
  return_url: string | null;
  metadata: Json<Record<string, string>>;
  /** Which door opened it: 'headless' or 'portal'. */
  surface: string;
  /** Set when the session re-authorizes an existing account: the same platform user must authorize. */
  reconnect_account_id: string | null;
  /** The platform's per-connect options, validated and prepared (a Mastodon server...). */
  options: Json<Record<string, unknown>>;
  /** The instance the options point at; '' for single-host platforms. */
  instance: string;
  /** The OAuth app bound when the session opened; a different app at the callback fails the connect. */
  client_id: string | null;
  status: Generated<ConnectStatus>;
  error_code: string | null;
  error_message: string | null;
  account_ids: Json<string[]>;
  expires_at: Timestamp;
  /** Set by the one callback that gets to complete the session. */
  claimed_at: NullableTimestamp;
  created_at: CreatedAt;
  completed_at: NullableTimestamp;
}

export interface RegisteredAppsTable {
  platform: string;
  instance: string;
  redirect_uri: string;
  client_id: string;
  client_secret_enc: string;
  created_at: CreatedAt;
  /** When the instance last confirmed it still knows the app. */
  verified_at: Timestamp;
}

export type GrantStatus = 'active' | 'needs_reauth';

export interface GrantsTable {
  id: string;
  team_id: string;
  platform: string;
  instance: Generated<string>;
  /** The platform's id of the user who authorized. */
  subject: string;
  /** The connect options it was made with (its authorization server may depend on them). */
  options: ColumnType<Record<string, unknown>, string | undefined, string>;
  subject_name: Generated<string>;
  subject_username: string | null;
  subject_avatar_url: string | null;
  /** `needs_reauth` once its refresh token is dead or a rotated pair could not be kept. */
  status: Generated<GrantStatus>;
  status_reason: string | null;
  /** When a worker should refresh it next; null when it never needs to. */
  next_refresh_at: NullableTimestamp;
  /** Failed refreshes in a row (reset by a success). */
  refresh_attempts: Generated<number>;
  last_refresh_error: string | null;
  last_refreshed_at: NullableTimestamp;
  access_token_enc: string;
  refresh_token_enc: string | null;
  access_expires_at: NullableTimestamp;
  refresh_expires_at: NullableTimestamp;
  scopes: Json<string[]>;
  /** Who is refreshing this grant right now, and until when: never two refreshes of one grant at once. */
  refresh_lease_owner: string | null;
  refresh_lease_until: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export type TargetStatus = 'available' | 'gone';

/** Something a grant can publish to, found by listing; stored whether or not an account uses it. */
export interface TargetsTable {
  id: string;
  grant_id: string;
  team_id: string;
  platform: string;
  instance: string;
  external_id: string;
  target_type: string;
  display_name: string;
  username: string | null;
  avatar_url: string | null;
  /** A token of the target's own (Facebook Page tokens); null when the grant's token is used. */
  access_token_enc: string | null;
  access_expires_at: NullableTimestamp;
  /** `gone` when the latest listing no longer had it (removed, or the grant no longer covers it). */
  status: Generated<TargetStatus>;
  found_at: Timestamp;
  updated_at: Timestamp;
}

/**
 * `unavailable`: its target is gone from the grant (a Page removed, an organization permission withdrawn).
 */
export type AccountStatus = 'active' | 'needs_reauth' | 'unavailable' | 'disconnected';

/**
 * How a surface activates targets: `each` (headless: every target is an account of its own) or `single`
 * (the hosted product: one account per team and platform, with one selected target or none).
 */
export type Activation = 'each' | 'single';

export interface AccountsTable {
  id: string;
  team_id: string;
  grant_id: string;
  platform: string;
  instance: Generated<string>;
  /** The selected target; null for a `single` account with nothing selected yet. */
  target_id: string | null;
  activation: Generated<Activation>;
  /** The platform's id of the target (user, Page, organization, channel...); null when none is selected. */
  external_id: string | null;
  target_type: string;
  display_name: string;
  username: string | null;
  avatar_url: string | null;
  status: Generated<AccountStatus>;
  paused: Generated<boolean>;
  metadata: Json<Record<string, string>>;
  connected_at: Timestamp;
  updated_at: Timestamp;
}

export interface EventsTable {
  id: string;
  /** Null for an event of no team (a `ping` to an organization-wide endpoint). */
  team_id: string | null;
  organization_id: string;
  type: string;
  payload: Json<Record<string, unknown>>;
  /** Deliveries with the same key reach each endpoint in order (an account's id, a team's id). */
  ordering_key: string;
  /** The hosted product's `{type, data}` for this event; null when that product has no such event. */
  hosted: Json<{ type: string; data: unknown } | null>;
  created_at: CreatedAt;
}

export type PayloadStyle = 'portico' | 'hosted';

export interface WebhookEndpointsTable {
  id: string;
  organization_id: string;
  /** Null: every team of the organization (the only way to hear `team.created`). */
  team_id: string | null;
  url: string;
  description: Generated<string>;
  /** Event types to deliver, in the endpoint's style's names; empty means all. */
  events: Json<string[]>;
  payload_style: PayloadStyle;
  enabled: Generated<boolean>;
  /** Why it was turned off: `failing` when Portico did it, null when a person did (or it is on). */
  disabled_reason: string | null;
  /** The signing secret (`whsec_...`), encrypted; the previous one keeps signing until `previous_secret_until`. */
  secret_enc: string;
  previous_secret_enc: string | null;
  previous_secret_until: NullableTimestamp;
  /** The first failed attempt since the last success; null while deliveries succeed. */
  failing_since: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveriesTable {
  id: string;
  seq: Generated<string>;
  endpoint_id: string;
  event_id: string;
  ordering_key: string;
  status: Generated<DeliveryStatus>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  lease_owner: string | null;
  lease_until: NullableTimestamp;
  last_attempt_at: NullableTimestamp;
  last_status_code: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
  /** The start of the receiver's last answer (a few hundred bytes), for the delivery log. */
  last_response: string | null;
  delivered_at: NullableTimestamp;
  created_at: Timestamp;
}

/** A hosted portal link (`create-portal-link`); the token itself is only in the link the app was given. */
export interface PortalLinksTable {
  id: string;
  team_id: string;
  /** SHA-256 of the link's token. */
  token_hash: string;
  /** The link's options as the app sent them, validated (`portal/links.ts`). */
  settings: Json<Record<string, unknown>>;
  expires_at: Timestamp;
  created_at: CreatedAt;
}

export interface Database {
  organizations: OrganizationsTable;
  teams: TeamsTable;
  api_keys: ApiKeysTable;
  idempotency_records: IdempotencyRecordsTable;
  provider_credentials: ProviderCredentialsTable;
  connect_sessions: ConnectSessionsTable;
  registered_apps: RegisteredAppsTable;
  grants: GrantsTable;
  targets: TargetsTable;
  accounts: AccountsTable;
  events: EventsTable;
  portal_links: PortalLinksTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

export type Team = Selectable<TeamsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type ConnectSession = Selectable<ConnectSessionsTable>;
export type Grant = Selectable<GrantsTable>;
export type TargetRow = Selectable<TargetsTable>;
export type Account = Selectable<AccountsTable>;
export type PortalLink = Selectable<PortalLinksTable>;
export type WebhookEndpoint = Selectable<WebhookEndpointsTable>;
export type WebhookDelivery = Selectable<WebhookDeliveriesTable>;
export type NewAccount = Insertable<AccountsTable>;
export type AccountUpdate = Updateable<AccountsTable>;
