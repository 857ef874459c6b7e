/**
 * Every error Portico answers with, in one place: its stable code, HTTP status and meaning.
 * docs/errors.md is generated from this table (`npm run docs:errors`), so the two never drift.
 */
export const apiErrors = {
  UNAUTHENTICATED: { status: 401, meaning: 'No API key was sent, or it is unknown or revoked.' },
  INSUFFICIENT_SCOPE: {
    status: 403,
    meaning: 'The API key lacks the scope this endpoint needs; `details.required_scope` names it.',
  },
  KEY_LIMITED_TO_TEAM: {
    status: 403,
    meaning: 'The API key is limited to one team and the action needs an organization-wide key.',
  },
  NOT_FOUND: { status: 404, meaning: 'The resource does not exist, or this API key may not see it.' },
  ROUTE_NOT_FOUND: { status: 404, meaning: 'No endpoint has this path.' },
  NOT_ENABLED: { status: 404, meaning: 'Headless connect is turned off for this instance or team.' },
  METHOD_NOT_ALLOWED: {
    status: 405,
    meaning: 'The path exists but not for this method; `Allow` lists the methods.',
  },
  INVALID_JSON: { status: 400, meaning: 'The body is not valid JSON.' },
  INVALID_URL: {
    status: 400,
    meaning: 'The URL does not decode: a malformed percent-escape such as `%E0%A4%A`.',
  },
  URL_TOO_LONG: { status: 414, meaning: 'A path segment is longer than 256 characters; no id is that long.' },
  INVALID_INPUT: {
    status: 400,
    meaning:
      'The database refused a value in the request that validation let through; quote the request id when reporting it.',
  },
  VALIDATION_FAILED: {
    status: 422,
    meaning:
      'A field is missing or wrong; `details.field` names the first one and `details.issues` lists all.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, meaning: 'The body is larger than the limit (1 MiB).' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'The body is not `application/json`.' },
  IDEMPOTENCY_KEY_REUSED: {
    status: 409,
    meaning: 'This Idempotency-Key was already used with a different request.',
  },
  IDEMPOTENCY_REQUEST_IN_PROGRESS: {
    status: 409,
    meaning: 'A request with this Idempotency-Key is still running; retry shortly.',
  },
  RATE_LIMITED: { status: 429, meaning: 'Too many requests; `Retry-After` says when to try again.' },
  UNSUPPORTED_PLATFORM: {
    status: 422,
    meaning: 'The platform is not one Portico supports; `details.supported` lists them.',
  },
  PROVIDER_NOT_CONFIGURED: {
    status: 422,
    meaning: 'No OAuth app (client id and secret) is configured for this platform.',
  },
  ACCOUNT_PAUSED: {
    status: 409,
    meaning:
      'The account is paused (`POST /v1/social/accounts/{id}/pause`): it stays connected, but no token is handed out until `POST /v1/social/accounts/{id}/resume`.',
  },
  CHANNEL_IN_USE: {
    status: 409,
    meaning:
      'The channel is already connected as an account of its own on `/v1` (a headless connect); a target is activated once. Disconnect that account first, or keep using it.',
  },
  REAUTH_REQUIRED: {
    status: 409,
    meaning: 'The platform no longer accepts the account’s tokens; send the user through a reconnect link.',
  },
  PLATFORM_UNAVAILABLE: {
    status: 502,
    meaning: 'The platform did not answer, or answered with an error, and nothing was changed; retry later.',
  },
  NOT_READY: { status: 503, meaning: 'Portico cannot reach its database.' },
  INTERNAL_ERROR: { status: 500, meaning: 'Something failed inside Portico; the request id is in the logs.' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ApiErrorCode = keyof typeof apiErrors;

/**
 * Outcome codes of a connect attempt: the `error` flag on the return URL, `error.code` when polling a
 * connect session, and the reason in `account.connect_failed` events. Lower-case, as OAuth's own are.
 */
export const connectErrors = {
  access_denied: 'The user declined on the platform’s consent screen.',
  not_enough_permissions: 'The user did not grant every permission Portico needs to publish.',
  no_targets: 'The user has nothing to publish to here (no Pages, organizations, channels...).',
  invalid_state:
    'The callback’s state matches no connect session: forged, mistyped or from another instance.',
  session_used: 'The connect session was already completed; a link works once.',
  session_expired: 'The connect session was older than 15 minutes.',
  platform_error: 'The platform refused or garbled a request while connecting.',
  platform_unavailable: 'The platform did not answer (timeout, 5xx or rate limit).',
  account_mismatch:
    'A different platform user authorized than the one whose account was being reconnected; the account was left as it was.',
} as const;

export type ConnectErrorCode = keyof typeof connectErrors;

/** An error to answer with. Route handlers throw it; the error handler shapes it for the surface. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ApiErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = apiErrors[code].status;
    this.details = details;
  }
}

/** A validation error naming the field, the way every endpoint reports bad input. */
export function invalidField(field: string, message: string): ApiError {
  return new ApiError('VALIDATION_FAILED', `${field}: ${message}`, {
    field,
    issues: [{ field, message }],
  });
}
