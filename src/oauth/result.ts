/** Expected failures are values: who failed, and the platform's own error code when it gave one. */
export type OAuthFailureKind = 'refused' | 'garbled' | 'unavailable';

export interface OAuthFailure {
  kind: OAuthFailureKind;
  /** RFC 6749 error code (`invalid_grant`...) when the platform sent one. */
  error?: string | undefined;
  status?: number | undefined;
  /** How long the platform asked us to wait (a 429's or 503's `Retry-After`), when it said. */
  retryAfterMs?: number | undefined;
  message: string;
}

export type Result<T, F = OAuthFailure> = { ok: true; value: T } | { ok: false; failure: F };

export const success = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const failure = <F>(f: F): { ok: false; failure: F } => ({ ok: false, failure: f });
