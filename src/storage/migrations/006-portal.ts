/**
 * The hosted connect portal: its links (one row per `create-portal-link`, the token stored only as a hash,
 * kept after expiry so the expired page can still offer the way back to the app), and each team's
 * `frame-ancestors` for the portal page (none by default: the page may not be framed).
 */
export const statements: string[] = [
  `create table portal_links (
  id text primary key,
  team_id text not null references teams(id) on delete cascade,
  token_hash text not null unique,
  settings jsonb not null,
  expires_at timestamptz not null,
  created_at timestamptz not null default now()
)`,
  `create index portal_links_team on portal_links (team_id)`,
  `alter table teams add column portal_frame_ancestors jsonb not null default '[]'`,
];
