/**
 * TikTok: Login Kit for Web (OAuth v2) on www.tiktok.com, and the token, revoke and user-info endpoints of
 * open.tiktokapis.com. The client is a `client_key`, never a `client_id`, and authenticates in the form body.
 * Docs: https://developers.tiktok.com/doc/login-kit-web
 *       https://developers.tiktok.com/doc/oauth-user-access-token-management
 *       https://developers.tiktok.com/docs/en/oauth-refresh-a-user-access-token
 *       https://developers.tiktok.com/doc/oauth-error-handling
 *       https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info
 *       https://developers.tiktok.com/doc/tiktok-api-v2-error-handling
 *       https://developers.tiktok.com/docs/en/oauth-revoke-a-user-access-token
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AuthorizeCheck, redirectError, registerAuthorize } from '../authorize.ts';
import { grantedTo, redirectUriAllowed, type SandboxClient } from '../clients.ts';
import {
  bearerToken,
  type CodeFailure,
  isFormRequest,
  redirectWith,
  secretsEqual,
  singleValues,
} from '../oauth.ts';
import type { SandboxPlatform } from '../platform.ts';
import type { Sandbox } from '../sandbox.ts';
import type { ScenarioBodies } from '../scenarios.ts';
import type { Grant } from '../store.ts';
import { authorizationCodeGrant, type RefreshFailure, refreshTokenGrant } from '../token-grants.ts';
import type { SimUser } from '../users.ts';

const AUTHORIZE_HOST = 'www.tiktok.com';
const API_HOST = 'open.tiktokapis.com';
/** "expires_in ... It is valid for 24 hours after initial issuance" (oauth-user-access-token-management). */
const ACCESS_TTL_SECONDS = 86_400;
/**
 * "refresh_token ... It is valid for 365 days after the initial issuance": counted from the authorization,
 * so refresh_expires_in counts down on every refresh ("the remaining lifetime in seconds").
 */
const REFRESH_TTL_SECONDS = 31_536_000;
/** Not documented by TikTok; RFC 6749 §4.1.2 recommends at most 10 minutes. */
const CODE_TTL_SECONDS = 600;
/**
 * "Refresh tokens are rotated: a successful refresh request will return a new refresh_token ... The previous
 * refresh token stops working once a new one is issued" (oauth-refresh-a-user-access-token).
 */
const REFRESH_ROTATES = true;
/** Granted with every authorization; the consent page cannot take it away. */
const BASIC_SCOPE = 'user.info.basic';
/**
 * The docs give no HTTP status for OAuth errors (oauth-error-handling lists only `{error, error_description,
 * log_id}`); TikTok is observed to answer them with 200, so a client must read `error` in the body.
 */
const OAUTH_ERROR_STATUS = 200;

/** Scopes a Login Kit + Display/Content Posting app can hold (scopes overview). */
const KNOWN_SCOPES = new Set([
  'user.info.basic',
  'user.info.profile',
  'user.info.stats',
  'video.publish',
  'video.upload',
  'video.list',
]);

/** /v2/user/info/ fields and the scope each needs (get-user-info doc, "User Object", "Authorized Scope"). */
const USER_FIELD_SCOPES: Record<string, string> = {
  open_id: 'user.info.basic',
  union_id: 'user.info.basic',
  avatar_url: 'user.info.basic',
  avatar_url_100: 'user.info.basic',
  avatar_large_url: 'user.info.basic',
  display_name: 'user.info.basic',
  bio_description: 'user.info.profile',
  profile_deep_link: 'user.info.profile',
  is_verified: 'user.info.profile',
  username: 'user.info.profile',
  follower_count: 'user.info.stats',
  following_count: 'user.info.stats',
  likes_count: 'user.info.stats',
  video_count: 'user.info.stats',
};

export const tiktok: SandboxPlatform = {
  id: 'tiktok',
  name: 'TikTok',
  hosts: [AUTHORIZE_HOST, API_HOST],
  // open_ids in TikTok's current style: "-000" and an opaque base64url string.
  builtInUsers: [
    { id: '-000tkAdaLovelaceSandbox0', name: 'Ada Lovelace', username: 'ada_sandbox' },
    { id: '-000tkGraceHopperSandbox0', name: 'Grace Hopper', username: 'grace_sandbox' },
  ],
  newUserId: () => `-000${randomBytes(21).toString('base64url')}`,
  // A TikTok connection is the user's own account only.
  defaultTargets: () => [],
  routes(app, sandbox) {
    registerAuthorize(app, sandbox, [`/${AUTHORIZE_HOST}/v2/auth/authorize/`], {
      platform: tiktok,
      codeTtlSeconds: CODE_TTL_SECONDS,
      check: (query) => checkAuthorize(sandbox, query),
      // The callback carries the granted scopes as `scopes`, comma-separated (login-kit-web).
      approved: (pending, code) =>
        redirectWith(pending.redirectUri, {
          code,
          scopes: grantedScopes(sandbox, code).join(','),
          state: pending.state,
        }),
      denied: (pending) =>
        redirectWith(pending.redirectUri, {
          error: 'access_denied',
          error_description: 'The user denied the authorization request.',
          state: pending.state,
        }),
      notes: (pending) => [
        `TikTok lets the user grant a subset of the requested scopes; ${BASIC_SCOPE} is always granted.`,
        ...(pending.extra.disable_auto_auth === '1'
          ? ['disable_auto_auth=1: TikTok shows this page even to a user who authorized the app before.']
          : []),
      ],
      decide: (pending, _user, ticked) =>
        pending.scopes.filter((s) => s === BASIC_SCOPE || ticked.includes(s)),
    });
    app.post(`/${API_HOST}/v2/oauth/token/`, (request, reply) => token(sandbox, request, reply));
    app.post(`/${API_HOST}/v2/oauth/revoke/`, (request, reply) => revoke(sandbox, request, reply));
    app.get(`/${API_HOST}/v2/user/info/`, (request, reply) => userInfo(sandbox, request, reply));
  },
};

function grantedScopes(sandbox: Sandbox, code: string): string[] {
  return sandbox.store.codes.get(code)?.scopes ?? [];
}

/** TikTok-style log ids: UTC time to the second, then 20 hex digits (20220829194722CBE87ED59D524E727021). */
function logId(sandbox: Sandbox): string {
  const time = new Date(sandbox.now()).toISOString().replace(/\D/g, '').slice(0, 14);
  return `${time}${randomBytes(10).toString('hex').toUpperCase()}`;
}

function checkAuthorize(sandbox: Sandbox, q: Record<string, string>): AuthorizeCheck {
  const title = 'Something went wrong';
  // The app is named by client_key; an OAuth-standard client_id is not read at all.
  if (!q.client_key) {
    const hint = q.client_id ? ' (TikTok reads client_key, not client_id)' : '';
    return { kind: 'page', title, message: `client_key is required${hint}.` };
  }
  const client = sandbox.client('tiktok', q.client_key);
  if (!client) return { kind: 'page', title, message: `Unknown client_key '${q.client_key}'.` };
  // "This redirect URI must be registered in the Login Kit product configuration for your app."
  if (!q.redirect_uri || !redirectUriAllowed(client, q.redirect_uri)) {
    return {
      kind: 'page',
      title,
      message: 'redirect_uri does not match a redirect URI registered for this app.',
    };
  }
  if (q.response_type !== 'code') {
    return redirectError(q, 'unsupported_response_type', 'response_type must be code.');
  }
  // "A comma (,) separated string of authorization scope(s)".
  const requested = (q.scope ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (requested.length === 0) return redirectError(q, 'invalid_request', 'scope is required.');
  const unknown = requested.filter((s) => !KNOWN_SCOPES.has(s));
  if (unknown.length > 0) return redirectError(q, 'invalid_scope', `Unknown scope(s): ${unknown.join(',')}.`);
  // PKCE is optional on the web; a challenge must be S256 (base64url of the SHA-256, RFC 7636 §4.2).
  if (q.code_challenge && q.code_challenge_method !== 'S256') {
    return redirectError(q, 'invalid_request', 'code_challenge_method must be S256.');
  }
  const scopes = requested.includes(BASIC_SCOPE) ? requested : [BASIC_SCOPE, ...requested];
  return {
    kind: 'ok',
    request: {
      clientId: client.clientId,
      redirectUri: q.redirect_uri,
      state: q.state,
      scopes: [...new Set(scopes)],
      codeChallenge: q.code_challenge || undefined,
      codeChallengeMethod: q.code_challenge ? 'S256' : undefined,
      extra: q.disable_auto_auth ? { disable_auto_auth: q.disable_auto_auth } : {},
    },
  };
}

/** The OAuth error struct: `{error, error_description, log_id}` (oauth-error-handling). */
function oauthError(sandbox: Sandbox, reply: FastifyReply, error: string, description: string) {
  return reply
    .code(OAUTH_ERROR_STATUS)
    .send({ error, error_description: description, log_id: logId(sandbox) });
}

function scenarioBodies(sandbox: Sandbox): ScenarioBodies {
  return {
    serverError: {
      error: 'server_error',
      error_description: 'Internal server error, please retry later.',
      log_id: logId(sandbox),
    },
    rateLimited: {
      error: 'temporarily_unavailable',
      error_description: 'Too many requests, please retry later.',
      log_id: logId(sandbox),
    },
  };
}

/**
 * The form of a token or revoke request and the client it names: client_key and client_secret in the body
 * (no HTTP Basic). Undefined once an error has been sent.
 */
function readClientForm(
  sandbox: Sandbox,
  request: FastifyRequest,
  reply: FastifyReply,
): { form: Record<string, string>; client: SandboxClient } | undefined {
  if (!isFormRequest(request)) {
    void oauthError(
      sandbox,
      reply,
      'invalid_request',
      'Content-Type must be application/x-www-form-urlencoded.',
    );
    return undefined;
  }
  const form = singleValues(request.body);
  if (!form.client_key) {
    const hint = form.client_id ? ' TikTok reads client_key, not client_id.' : '';
    void oauthError(sandbox, reply, 'invalid_client', `client_key is required.${hint}`);
    return undefined;
  }
  const client = sandbox.client('tiktok', form.client_key);
  if (!client || form.client_secret === undefined || !secretsEqual(form.client_secret, client.clientSecret)) {
    void oauthError(sandbox, reply, 'invalid_client', 'Client key or secret is incorrect.');
    return undefined;
  }
  return { form, client };
}

/** Wording per failed redemption; PKCE failures are invalid_request, as TikTok is observed to answer them. */
const CODE_ERRORS: Record<CodeFailure, { error: string; description: string }> = {
  unknown: { error: 'invalid_grant', description: 'Authorization code is invalid.' },
  wrong_client: { error: 'invalid_grant', description: 'Authorization code was issued to another client.' },
  used: { error: 'invalid_grant', description: 'Authorization code has already been used.' },
  expired: { error: 'invalid_grant', description: 'Authorization code is expired.' },
  redirect_uri_mismatch: {
    error: 'invalid_grant',
    description: 'redirect_uri does not match the one used in the authorization request.',
  },
  verifier_missing: { error: 'invalid_request', description: 'Code verifier or code challenge is invalid.' },
  verifier_mismatch: { error: 'invalid_request', description: 'Code verifier or code challenge is invalid.' },
};

/** Wording per failed refresh; a rotated-out, revoked or scenario-killed token all read the same. */
const REFRESH_ERRORS: Record<RefreshFailure, string> = {
  invalid: 'Refresh token is invalid.',
  revoked: 'Refresh token is invalid or has been revoked.',
  expired: 'Refresh token is expired.',
};

/** POST /v2/oauth/token/: grant_type=authorization_code or refresh_token. */
async function token(sandbox: Sandbox, request: FastifyRequest, reply: FastifyReply) {
  const read = readClientForm(sandbox, request, reply);
  if (!read) return reply;
  const grantRequest = { platform: 'tiktok', ...read, bodies: scenarioBodies(sandbox) };

  if (read.form.grant_type === 'authorization_code') {
    const code = await authorizationCodeGrant(sandbox, reply, {
      ...grantRequest,
      refreshExpiresAt: sandbox.now() + REFRESH_TTL_SECONDS * 1000,
    });
    if (code.kind === 'answered') return reply;
    if (code.kind === 'failed') {
      const failure = CODE_ERRORS[code.reason];
      return oauthError(sandbox, reply, failure.error, failure.description);
    }
    return tokenResponse(sandbox, code.grant, sandbox.store.addRefreshToken(code.grant).value);
  }

  if (read.form.grant_type === 'refresh_token') {
    const refresh = await refreshTokenGrant(sandbox, reply, {
      ...grantRequest,
      rotatesByDefault: REFRESH_ROTATES,
    });
    if (refresh.kind === 'answered') return reply;
    if (refresh.kind === 'failed') {
      return oauthError(sandbox, reply, 'invalid_grant', REFRESH_ERRORS[refresh.reason]);
    }
    const { grant, rotates, presented } = refresh;
    return tokenResponse(
      sandbox,
      grant,
      rotates ? sandbox.store.addRefreshToken(grant).value : presented.value,
    );
  }

  return oauthError(
    sandbox,
    reply,
    'unsupported_grant_type',
    'grant_type must be authorization_code or refresh_token.',
  );
}

/**
 * `{open_id, scope, access_token, expires_in, refresh_token, refresh_expires_in, token_type}`: scope is the
 * COMMA-separated grant, token_type "Bearer"; the refresh grant answers the same struct.
 */
function tokenResponse(sandbox: Sandbox, grant: Grant, refreshToken: string) {
  const access = sandbox.issueAccessToken(grant, ACCESS_TTL_SECONDS);
  const refreshLeft = Math.max(
    0,
    Math.floor(((grant.refreshExpiresAt ?? sandbox.now()) - sandbox.now()) / 1000),
  );
  return {
    open_id: grant.userId,
    scope: grant.scopes.join(','),
    access_token: access.token.value,
    expires_in: access.ttl,
    refresh_token: refreshToken,
    refresh_expires_in: refreshLeft,
    token_type: 'Bearer',
  };
}

/**
 * POST /v2/oauth/revoke/ (client_key, client_secret, token): "Revokes a user access token and disconnects
 * your app from the user's TikTok account", so the whole grant ends; success is an empty JSON object.
 * Only an access token is revoked (the doc's `token`); any other value is accepted and changes nothing.
 */
async function revoke(sandbox: Sandbox, request: FastifyRequest, reply: FastifyReply) {
  const read = readClientForm(sandbox, request, reply);
  if (!read) return reply;
  const { form, client } = read;
  if (!form.token) return oauthError(sandbox, reply, 'invalid_request', 'token is required.');
  const access = sandbox.store.accessTokens.get(form.token);
  const grant = access && sandbox.store.grants.get(access.grantId);
  if (grant && grantedTo(grant, client)) sandbox.store.revokeGrant(grant.id);
  return reply.code(200).send({});
}

/** The API v2 error struct: `{data: {}, error: {code, message, log_id}}` (tiktok-api-v2-error-handling). */
function apiError(sandbox: Sandbox, reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ data: {}, error: { code, message, log_id: logId(sandbox) } });
}

/**
 * GET /v2/user/info/?fields=...: only the requested fields, each needing its scope. A field without its
 * scope is scope_not_authorized (401); an unknown or missing field list is invalid_params (400).
 */
async function userInfo(sandbox: Sandbox, request: FastifyRequest, reply: FastifyReply) {
  const checked = sandbox.checkAccessToken('tiktok', bearerToken(request));
  if (!checked.ok) {
    return apiError(
      sandbox,
      reply,
      401,
      'access_token_invalid',
      'The access token is invalid or not found in the request.',
    );
  }
  const fields = (singleValues(request.query).fields ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  if (fields.length === 0) return apiError(sandbox, reply, 400, 'invalid_params', 'fields is required.');
  const unknown = fields.filter((f) => !(f in USER_FIELD_SCOPES));
  if (unknown.length > 0) {
    return apiError(sandbox, reply, 400, 'invalid_params', `Invalid fields: ${unknown.join(',')}.`);
  }
  const missing = [...new Set(fields.map((f) => USER_FIELD_SCOPES[f] as string))].filter(
    (scope) => !checked.grant.scopes.includes(scope),
  );
  if (missing.length > 0) {
    return apiError(
      sandbox,
      reply,
      401,
      'scope_not_authorized',
      `The user did not authorize the scope required for completing this request: ${missing.join(',')}.`,
    );
  }
  const profile = userObject(checked.user);
  const user = Object.fromEntries(fields.map((f) => [f, profile[f]]));
  return { data: { user }, error: { code: 'ok', message: '', log_id: logId(sandbox) } };
}

/** Every documented field of one simulated user; stable per user id. */
function userObject(user: SimUser): Record<string, unknown> {
  const digest = createHash('sha256').update(`tiktok#${user.id}`).digest();
  const count = (offset: number, modulo: number) => digest.readUInt32BE(offset) % modulo;
  const username = user.username ?? user.id.replace(/[^A-Za-z0-9_.]/g, '').toLowerCase();
  return {
    open_id: user.id,
    // Per developer rather than per app; one app per developer here, so any stable value will do.
    union_id: digest
      .subarray(0, 16)
      .toString('hex')
      .replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-'),
    avatar_url: user.pictureUrl,
    avatar_url_100: user.pictureUrl.replace(/\.png$/, '_100.png'),
    avatar_large_url: user.pictureUrl.replace(/\.png$/, '_large.png'),
    display_name: user.name,
    bio_description: `Simulated TikTok account of ${user.name}.`,
    profile_deep_link: `https://vm.tiktok.com/ZS${digest.subarray(16, 22).toString('base64url')}/`,
    is_verified: false,
    username,
    follower_count: count(0, 100_000),
    following_count: count(4, 1_000),
    likes_count: count(8, 1_000_000),
    video_count: count(12, 500),
  };
}
