/**
 * X (Twitter): OAuth 2.0 Authorization Code Flow with PKCE, and the authenticated user's profile.
 * Docs: https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code
 *       https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token
 *       https://docs.x.com/x-api/users/user-lookup-me
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AuthorizeCheck, registerAuthorize } from '../authorize.ts';
import { grantedTo, redirectUriAllowed } from '../clients.ts';
import {
  basicCredentials,
  bearerToken,
  CODE_FAILURE_TEXT,
  redirectWith,
  secretsEqual,
  singleValues,
} from '../oauth.ts';
import type { SandboxPlatform } from '../platform.ts';
import type { Sandbox } from '../sandbox.ts';
import type { Grant } from '../store.ts';
import {
  type Authenticate,
  oauthError,
  readClientForm,
  type TokenEndpointRules,
  tokenEndpoint,
} from '../token-grants.ts';

/** twitter.com is the legacy host, still used by many clients; both serve the same flow. */
const AUTHORIZE_HOSTS = ['x.com', 'twitter.com'];
const API_HOSTS = ['api.x.com', 'api.twitter.com'];
/** "the access token ... will only stay valid for two hours unless you've used the offline.access scope". */
const ACCESS_TTL_SECONDS = 7200;
/** Not documented by X; RFC 6749 §4.1.2 recommends at most 10 minutes. */
const CODE_TTL_SECONDS = 600;
/** A refresh token is issued only when offline.access was granted (authorization-code doc, "Refresh tokens"). */
const OFFLINE_SCOPE = 'offline.access';
/** Each refresh returns a new refresh token and the old one stops working (observed; not stated in the docs). */
const REFRESH_ROTATES = true;
/** GET /2/users/me needs both (user-lookup-me doc, "OAuth 2.0 scopes required by this endpoint"). */
const USERS_ME_SCOPES = ['tweet.read', 'users.read'];

/** Scopes listed on the authorization-code doc ("Scopes"). */
const KNOWN_SCOPES = new Set([
  'tweet.read',
  'tweet.write',
  'tweet.moderate.write',
  'users.email',
  'users.read',
  'follows.read',
  'follows.write',
  'offline.access',
  'space.read',
  'mute.read',
  'mute.write',
  'like.read',
  'like.write',
  'list.read',
  'list.write',
  'block.read',
  'block.write',
  'bookmark.read',
  'bookmark.write',
  'dm.read',
  'dm.write',
  'media.write',
]);

/** X API v2 errors are RFC 7807-style problems: `{title, type, status, detail}`. */
function problem(status: number, title: string, detail = title) {
  return { title, type: 'about:blank', status, detail };
}

const SCENARIO_BODIES = {
  serverError: problem(500, 'Internal Server Error', 'Something went wrong. Please try again later.'),
  rateLimited: problem(429, 'Too Many Requests'),
};

export const twitter: SandboxPlatform = {
  id: 'twitter',
  name: 'X',
  hosts: [...AUTHORIZE_HOSTS, ...API_HOSTS],
  builtInUsers: [
    { id: 'tw-ada', name: 'Ada Lovelace', username: 'ada_sandbox' },
    { id: 'tw-grace', name: 'Grace Hopper', username: 'grace_sandbox' },
  ],
  newUserId: () => `tw-${randomBytes(6).toString('hex')}`,
  // An X connection is the user's own account only: there is nothing else to pick.
  defaultTargets: () => [],
  routes(app, sandbox) {
    registerAuthorize(
      app,
      sandbox,
      AUTHORIZE_HOSTS.map((host) => `/${host}/i/oauth2/authorize`),
      {
        platform: twitter,
        codeTtlSeconds: CODE_TTL_SECONDS,
        check: (query) => checkAuthorize(sandbox, query),
        approved: (pending, code) => redirectWith(pending.redirectUri, { state: pending.state, code }),
        denied: (pending) =>
          redirectWith(pending.redirectUri, { error: 'access_denied', state: pending.state }),
      },
    );
    for (const host of API_HOSTS) {
      app.post(`/${host}/2/oauth2/token`, tokenEndpoint(sandbox, tokenRules(sandbox)));
      app.post(`/${host}/2/oauth2/revoke`, (request, reply) => revoke(sandbox, request, reply));
      app.get(`/${host}/2/users/me`, (request, reply) => usersMe(sandbox, request, reply));
    }
  },
};

function checkAuthorize(sandbox: Sandbox, q: Record<string, string>): AuthorizeCheck {
  // X shows one generic page for a request it cannot trust; the message says what is wrong.
  const title = "You weren't able to give access to the App";
  const client = sandbox.client('twitter', q.client_id);
  if (!client) return { kind: 'page', title, message: `Unknown client_id '${q.client_id ?? ''}'.` };
  if (!q.redirect_uri || !redirectUriAllowed(client, q.redirect_uri)) {
    return {
      kind: 'page',
      title,
      message: 'redirect_uri does not match a callback URL registered for this App.',
    };
  }
  if (q.response_type !== 'code') return { kind: 'page', title, message: 'response_type must be code.' };
  // PKCE is required on every authorization request (authorization-code doc, "PKCE").
  if (!q.code_challenge) return { kind: 'page', title, message: 'code_challenge is required (PKCE).' };
  const method = q.code_challenge_method ?? 'plain';
  if (method !== 'S256' && method !== 'plain') {
    return { kind: 'page', title, message: 'code_challenge_method must be S256 or plain.' };
  }
  if (!q.state) return { kind: 'page', title, message: 'state is required.' };
  const scopes = (q.scope ?? '').split(' ').filter(Boolean);
  if (scopes.length === 0) return { kind: 'page', title, message: 'scope is required.' };
  const unknown = scopes.filter((s) => !KNOWN_SCOPES.has(s));
  if (unknown.length > 0) return { kind: 'page', title, message: `Unknown scope(s): ${unknown.join(' ')}.` };
  return {
    kind: 'ok',
    request: {
      clientId: client.clientId,
      redirectUri: q.redirect_uri,
      state: q.state,
      scopes,
      codeChallenge: q.code_challenge,
      codeChallengeMethod: method,
      extra: {},
    },
  };
}

/**
 * Confidential clients must use HTTP Basic ("Working with confidential clients"); public clients send only
 * client_id in the body.
 */
function authenticate(sandbox: Sandbox): Authenticate {
  return (form, request) => {
    const basic = basicCredentials(request);
    if (basic) {
      const client = sandbox.client('twitter', basic.id);
      if (!client || !secretsEqual(basic.secret, client.clientSecret)) {
        return { status: 401, error: 'invalid_client', description: 'Client authentication failed.' };
      }
      return client;
    }
    // Without a Basic header only a public client (no secret) may name itself in the body.
    const client = sandbox.client('twitter', form.client_id);
    if (client?.clientSecret !== '') {
      return { status: 401, error: 'unauthorized_client', description: 'Missing valid authorization header' };
    }
    return client;
  };
}

const WRONG_CONTENT_TYPE = 'Content-Type must be application/x-www-form-urlencoded.';

function tokenRules(sandbox: Sandbox): TokenEndpointRules {
  return {
    platform: 'twitter',
    authenticate: authenticate(sandbox),
    wrongContentType: WRONG_CONTENT_TYPE,
    bodies: SCENARIO_BODIES,
    codeFailureText: CODE_FAILURE_TEXT,
    refreshFailureText: {
      invalid: 'Value passed for the token was invalid.',
      revoked: 'The refresh token has been revoked.',
      // X refresh tokens have no documented lifetime; the simulator never expires them.
      expired: 'Value passed for the token was invalid.',
    },
    unsupportedGrantText: 'grant_type must be authorization_code or refresh_token.',
    refreshExpiresAt: () => null,
    rotatesByDefault: REFRESH_ROTATES,
    issuesRefreshToken: (grant) => grant.scopes.includes(OFFLINE_SCOPE),
    respond: (grant, refreshToken) => tokenResponse(sandbox, grant, refreshToken),
  };
}

/** `{token_type, expires_in, access_token, scope, refresh_token?}`; scope is the space-separated grant. */
function tokenResponse(sandbox: Sandbox, grant: Grant, refreshToken: string | undefined) {
  const access = sandbox.issueAccessToken(grant, ACCESS_TTL_SECONDS);
  return {
    token_type: 'bearer',
    expires_in: access.ttl,
    access_token: access.token.value,
    scope: grant.scopes.join(' '),
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
  };
}

/**
 * POST /2/oauth2/revoke (token, token_type_hint), same client authentication as the token endpoint.
 * Revoking a refresh token ends the whole grant; revoking an access token ends that token (RFC 7009 §2.1).
 */
async function revoke(sandbox: Sandbox, request: FastifyRequest, reply: FastifyReply) {
  const read = readClientForm(request, reply, authenticate(sandbox), WRONG_CONTENT_TYPE);
  if (!read) return reply;
  const { form, client } = read;
  if (!form.token) return oauthError(reply, 400, 'invalid_request', 'token is required.');
  const refresh = sandbox.store.refreshTokens.get(form.token);
  const access = sandbox.store.accessTokens.get(form.token);
  const grantId = refresh?.grantId ?? access?.grantId;
  const grant = grantId ? sandbox.store.grants.get(grantId) : undefined;
  if (grant && grantedTo(grant, client)) {
    if (refresh) sandbox.store.revokeGrant(grant.id);
    else if (access) access.revoked = true;
  }
  // An unknown token is not an error (RFC 7009 §2.2).
  return { revoked: true };
}

async function usersMe(sandbox: Sandbox, request: FastifyRequest, reply: FastifyReply) {
  const checked = sandbox.checkAccessToken('twitter', bearerToken(request));
  if (!checked.ok) return reply.code(401).send(problem(401, 'Unauthorized'));
  const missing = USERS_ME_SCOPES.filter((s) => !checked.grant.scopes.includes(s));
  if (missing.length > 0) {
    return reply
      .code(403)
      .send(problem(403, 'Forbidden', `Missing required OAuth 2.0 scope(s): ${missing.join(', ')}`));
  }
  const { user } = checked;
  const fields = (singleValues(request.query)['user.fields'] ?? '').split(',');
  return {
    data: {
      id: user.id,
      name: user.name,
      username: user.username ?? user.id,
      // X serves the 48px "_normal" variant; clients strip the suffix for the original size.
      ...(fields.includes('profile_image_url')
        ? { profile_image_url: user.pictureUrl.replace(/\.png$/, '_normal.png') }
        : {}),
    },
  };
}
