/**
 * When the outbound client may try again, and how long it waits first. Pure functions, so the policy is
 * tested without a server or a clock.
 */

/** Methods that mean the same thing sent twice (RFC 9110 §9.2.2). POST is not one: a token-code exchange is single-use. */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
/** Answers that say "not now" rather than "no": a gateway in trouble, or a rate limit. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

/** The longest we wait between attempts. A platform asking for longer gets its answer passed back instead. */
export const MAX_WAIT_MS = 5000;
const BASE_BACKOFF_MS = 200;

export function isIdempotent(method: string, override?: boolean): boolean {
  return override ?? IDEMPOTENT_METHODS.has(method.toUpperCase());
}

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/**
 * Exponential backoff with jitter: attempt 1 waits 100-200 ms, attempt 2 200-400 ms, and so on, capped.
 * The jitter spreads out many workers that failed at the same moment.
 */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_WAIT_MS, BASE_BACKOFF_MS * 2 ** (attempt - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}

/**
 * Reads `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP date. Undefined when absent or unreadable.
 * A date in the past means "now" (0).
 */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Every HTTP-date form names the weekday; without letters, Date.parse would read "-1" as a year.
  if (!/[A-Za-z]/.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * How long to wait before retrying a retryable response: the platform's `Retry-After` when it gives one,
 * else backoff. Undefined when the platform asks for longer than `MAX_WAIT_MS`: waiting that long would hold
 * a user's request or a worker's lease, so the caller gets the response and decides.
 */
export function retryDelayMs(
  retryAfter: string | null,
  attempt: number,
  now: number = Date.now(),
): number | undefined {
  const asked = parseRetryAfter(retryAfter, now);
  if (asked === undefined) return backoffMs(attempt);
  return asked > MAX_WAIT_MS ? undefined : asked;
}
