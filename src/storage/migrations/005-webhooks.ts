/**
 * Webhooks: endpoints (per team, or for every team of an organization), and one delivery per event and
 * endpoint, fanned out in the same transaction as the event (the outbox). Events outlive their team (a
 * `team.deleted` must still be delivered), so they no longer cascade from it; they carry their
 * organization, and the hosted product's rendering of themselves where they have one.
 */
export const statements: string[] = [
  `alter table events drop constraint if exists events_team_id_fkey`,
  `alter table events alter column team_id drop not null`,
  `alter table events add column organization_id text`,
  `update events set organization_id = teams.organization_id from teams where teams.id = events.team_id`,
  `alter table events add column ordering_key text`,
  `alter table events add column hosted jsonb`,

  `create table webhook_endpoints (
  id text primary key,
  organization_id text not null references organizations(id) on delete cascade,
  team_id text references teams(id) on delete cascade,
  url text not null,
  description text not null default '',
  events jsonb not null default '[]',
  payload_style text not null default 'portico',
  enabled boolean not null default true,
  disabled_reason text,
  secret_enc text not null,
  previous_secret_enc text,
  previous_secret_until timestamptz,
  failing_since timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null
)`,
  `create index webhook_endpoints_organization on webhook_endpoints (organization_id)`,

  `create table webhook_deliveries (
  id text primary key,
  seq bigserial not null,
  endpoint_id text not null references webhook_endpoints(id) on delete cascade,
  event_id text not null references events(id) on delete cascade,
  ordering_key text not null,
  status text not null default 'pending',
  attempts integer not null default 0,
  next_attempt_at timestamptz not null,
  lease_owner text,
  lease_until timestamptz,
  last_attempt_at timestamptz,
  last_status_code integer,
  last_error text,
  last_latency_ms integer,
  last_response text,
  delivered_at timestamptz,
  created_at timestamptz not null
)`,
  `create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending'`,
  `create index webhook_deliveries_order on webhook_deliveries (endpoint_id, ordering_key, seq) where status = 'pending'`,
  `create index webhook_deliveries_log on webhook_deliveries (endpoint_id, id)`,
];
