/**
 * When a grant should be refreshed next: a quarter of its token's lifetime before it expires (at least
 * five minutes before), so a worker has time to retry a failing platform before the token dies. Null when
 * nothing needs doing: the token does not expire, or the platform cannot refresh it.
 */
import type { RefreshVariant } from '../platforms/types.ts';

const MIN_LEAD_MS = 5 * 60 * 1000;

export function nextRefreshAt(
  refresh: RefreshVariant,
  expiresAt: Date | null | undefined,
  now: Date,
): Date | null {
  if (!expiresAt || refresh.kind === 'none' || refresh.kind === 'delegated') return null;
  const lifetime = expiresAt.getTime() - now.getTime();
  const lead = Math.max(MIN_LEAD_MS, lifetime / 4);
  return new Date(Math.max(now.getTime(), expiresAt.getTime() - lead));
}
