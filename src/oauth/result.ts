/** Expected failures are values: who failed, and the platform's own error code when it gave one. */
export type OAuthFailureKind = 'refused' | 'garbled' | 'unavailable';

export interface OAuthFailure {
  kind: OAuthFailureKind;
  /** RFC 6749 error code (`invalid_grant`...) when the platform sent one. */
  error?: string | undefined;
  status?: number | undefined;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; failure: OAuthFailure };

export const success = <T>(value: T): Result<T> => ({ ok: true, value });
export const failure = <T>(f: OAuthFailure): Result<T> => ({ ok: false, failure: f });
