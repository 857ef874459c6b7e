/**
 * Core v2: grants → targets → accounts. Every target a grant can publish to is stored (with its own token
 * where it has one); an account is an activated target. The instance (a Mastodon server) joins the keys;
 * apps registered at run time are cached; grants carry what a refresh worker needs.
 * Existing rows move over: each account's target is made from it, its own token (ciphertext and
 * encryption context unchanged) moves to the target.
 */
export const statements: string[] = [
  `alter table connect_sessions add column options jsonb not null default '{}'`,
  `alter table connect_sessions add column instance text not null default ''`,
  `alter table connect_sessions add column client_id text`,

  `create table registered_apps (
  platform text not null,
  instance text not null,
  redirect_uri text not null,
  client_id text not null,
  client_secret_enc text not null,
  created_at timestamptz not null default now(),
  verified_at timestamptz not null,
  primary key (platform, instance, redirect_uri)
)`,

  `alter table grants add column instance text not null default ''`,
  `alter table grants drop constraint grants_team_id_platform_subject_key`,
  `create unique index grants_natural_key on grants (team_id, platform, instance, subject)`,
  `alter table grants add column options jsonb not null default '{}'`,
  `alter table grants add column subject_name text not null default ''`,
  `alter table grants add column subject_username text`,
  `alter table grants add column subject_avatar_url text`,
  `alter table grants add column status text not null default 'active'`,
  `alter table grants add column status_reason text`,
  `alter table grants add column next_refresh_at timestamptz`,
  `alter table grants add column refresh_attempts integer not null default 0`,
  `alter table grants add column last_refresh_error text`,
  `alter table grants add column last_refreshed_at timestamptz`,
  `create index grants_next_refresh on grants (next_refresh_at) where next_refresh_at is not null`,

  `create table targets (
  id text primary key,
  grant_id text not null references grants(id) on delete cascade,
  team_id text not null references teams(id) on delete cascade,
  platform text not null,
  instance text not null default '',
  external_id text not null,
  target_type text not null,
  display_name text not null,
  username text,
  avatar_url text,
  access_token_enc text,
  access_expires_at timestamptz,
  status text not null default 'available',
  found_at timestamptz not null,
  updated_at timestamptz not null,
  unique (grant_id, external_id)
)`,
  `insert into targets (id, grant_id, team_id, platform, instance, external_id, target_type, display_name,
  username, avatar_url, access_token_enc, access_expires_at, status, found_at, updated_at)
select 'tgt_' || substr(a.id, 5), a.grant_id, a.team_id, a.platform, '', a.external_id, a.target_type,
  a.display_name, a.username, a.avatar_url, a.access_token_enc, a.access_expires_at, 'available',
  a.connected_at, a.updated_at
from accounts a`,

  `alter table accounts add column instance text not null default ''`,
  `alter table accounts add column target_id text references targets(id) on delete set null`,
  `update accounts set target_id = 'tgt_' || substr(id, 5)`,
  `alter table accounts add column activation text not null default 'each'`,
  `alter table accounts drop constraint accounts_team_id_platform_external_id_key`,
  `alter table accounts alter column external_id drop not null`,
  `create unique index accounts_each_target on accounts (team_id, platform, instance, external_id) where activation = 'each'`,
  `create unique index accounts_single_per_platform on accounts (team_id, platform, instance) where activation = 'single'`,
  `create index accounts_grant on accounts (grant_id)`,
  `alter table accounts drop column access_token_enc`,
  `alter table accounts drop column access_expires_at`,
];
