/**
 * When a worker should look at a grant next, and how long it waits after a failure.
 *
 * A refreshable token: a quarter of its lifetime before it expires (at least the margin before), so a
 * worker has time to retry a failing platform before the token dies. A token that cannot be refreshed but
 * expires (Facebook's 60-day user token): the expiring-soon warning, `expiringDays` before it runs out
 * (the worker then looks again at expiry). Null when nothing needs doing: the token does not expire, or a
 * protocol library keeps it fresh.
 */
import type { Config } from '../config/config.ts';
import type { RefreshVariant } from '../platforms/types.ts';

export interface SchedulePolicy {
  /** Refresh at least this long before expiry. */
  marginMs: number;
  /** Warn this long before a token that cannot be refreshed expires. */
  expiringMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_POLICY: SchedulePolicy = {
  marginMs: 5 * 60 * 1000,
  expiringMs: 7 * DAY_MS,
  backoffBaseMs: 30_000,
  backoffMaxMs: 60 * 60 * 1000,
};

export function schedulePolicy(config: Pick<Config, 'refresh'>): SchedulePolicy {
  return {
    marginMs: config.refresh.marginSeconds * 1000,
    expiringMs: config.refresh.expiringDays * DAY_MS,
    backoffBaseMs: config.refresh.backoffBaseMs,
    backoffMaxMs: config.refresh.backoffMaxMs,
  };
}

export function nextRefreshAt(
  refresh: RefreshVariant,
  expiresAt: Date | null | undefined,
  now: Date,
  policy: SchedulePolicy = DEFAULT_POLICY,
): Date | null {
  if (!expiresAt || refresh.kind === 'delegated') return null;
  if (refresh.kind === 'none') {
    return new Date(Math.max(now.getTime(), expiresAt.getTime() - policy.expiringMs));
  }
  const lifetime = expiresAt.getTime() - now.getTime();
  const lead = Math.max(policy.marginMs, lifetime / 4);
  return new Date(Math.max(now.getTime(), expiresAt.getTime() - lead));
}

/**
 * The next attempt after `attempts` transient failures in a row: exponential backoff with equal jitter
 * (half fixed, half random, so workers that failed together do not retry together), never sooner than the
 * platform's `Retry-After`.
 */
export function retryAt(
  attempts: number,
  now: Date,
  policy: SchedulePolicy,
  retryAfterMs?: number,
  random: () => number = Math.random,
): Date {
  const exponential = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** Math.max(0, attempts - 1));
  const delay = exponential / 2 + (random() * exponential) / 2;
  return new Date(now.getTime() + Math.max(delay, Math.min(retryAfterMs ?? 0, policy.backoffMaxMs)));
}
