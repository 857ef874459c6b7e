/** DDL statements, run one by one in a transaction (PGlite's prepared statements take one command each). */
export const statements: string[] = [
  `create table organizations (
  id text primary key,
  name text not null,
  created_at timestamptz not null default now()
)`,
  `create table teams (
  id text primary key,
  organization_id text not null references organizations(id) on delete cascade,
  name text not null,
  allowed_origins jsonb not null default '[]',
  headless_connect boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
)`,
  `create index teams_organization on teams (organization_id, created_at, id)`,
  `create table api_keys (
  id text primary key,
  organization_id text not null references organizations(id) on delete cascade,
  team_id text references teams(id) on delete cascade,
  name text not null,
  prefix text not null unique,
  hash text not null,
  scopes jsonb not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
)`,
  `create table idempotency_records (
  api_key_id text not null references api_keys(id) on delete cascade,
  key text not null,
  request_hash text not null,
  status_code integer,
  response_body jsonb,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (api_key_id, key)
)`,
  `create index idempotency_expiry on idempotency_records (expires_at)`,
];
