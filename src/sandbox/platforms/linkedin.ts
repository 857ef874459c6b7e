/**
 * LinkedIn: 3-legged OAuth on www.linkedin.com (client credentials in the form body, comma-separated
 * granted scope, fixed-lifetime refresh tokens). The api.linkedin.com side is in linkedin-api.ts.
 * Docs: https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow
 *       https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens
 *       https://learn.microsoft.com/en-us/linkedin/shared/authentication/token-introspection
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AuthorizeCheck, redirectError, registerAuthorize } from '../authorize.ts';
import { grantedTo, redirectUriAllowed } from '../clients.ts';
import { CODE_FAILURE_TEXT, redirectWith, secretsEqual } from '../oauth.ts';
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
import { registerLinkedInApi, slug } from './linkedin-api.ts';

/** Access tokens live 60 days (expires_in 5184000). */
const ACCESS_TTL_SECONDS = 5_184_000;
/** Programmatic refresh tokens live 365 days from the first authorization; refreshing does not extend them. */
const REFRESH_TTL_SECONDS = 31_536_000;
/** "The authorization code ... has a lifespan of 30 minutes." */
const CODE_TTL_SECONDS = 1800;
/** Refreshing returns the same refresh token unless a scenario says otherwise (its TTL keeps running). */
const REFRESH_ROTATES = false;

/** Scopes a self-serve or Community Management app can hold; others answer unauthorized_scope_error. */
const KNOWN_SCOPES = new Set([
  'openid',
  'profile',
  'email',
  'w_member_social',
  'r_basicprofile',
  'r_organization_admin',
  'rw_organization_admin',
  'w_organization_social',
  'r_organization_social',
  'r_1st_connections_size',
]);

const SCENARIO_BODIES = {
  serverError: {
    status: 500,
    serviceErrorCode: 0,
    code: 'INTERNAL_SERVER_ERROR',
    message: 'Internal Server Error',
  },
  rateLimited: {
    status: 429,
    serviceErrorCode: 0,
    code: 'TOO_MANY_REQUESTS',
    message: 'Resource level throttle limit reached',
  },
};

export const linkedin: SandboxPlatform = {
  id: 'linkedin',
  name: 'LinkedIn',
  hosts: ['www.linkedin.com', 'api.linkedin.com'],
  builtInUsers: [
    {
      id: 'li-ada',
      name: 'Ada Lovelace',
      targets: [
        {
          id: '90000001',
          name: 'Analytical Engines Ltd',
          handle: 'analytical-engines',
          role: 'ADMINISTRATOR',
        },
        { id: '90000002', name: 'Note G Publishing', handle: 'note-g', role: 'ADMINISTRATOR' },
        // Not administered: a role=ADMINISTRATOR query must leave it out.
        { id: '90000003', name: 'Difference Society', handle: 'difference-society', role: 'ANALYST' },
      ],
    },
    { id: 'li-noah', name: 'Noah Orgless', scenario: { targets: 'none' } },
  ],
  newUserId: () => `li-${randomBytes(6).toString('hex')}`,
  defaultTargets: (userId, userName) => [
    {
      id: orgId(`${userId}#1`),
      name: `${userName} Ventures`,
      handle: `${slug(userId)}-ventures`,
      role: 'ADMINISTRATOR',
    },
    {
      id: orgId(`${userId}#2`),
      name: `${userName} Foundation`,
      handle: `${slug(userId)}-foundation`,
      role: 'ADMINISTRATOR',
    },
  ],
  routes(app, sandbox) {
    registerAuthorize(app, sandbox, ['/www.linkedin.com/oauth/v2/authorization'], {
      platform: linkedin,
      codeTtlSeconds: CODE_TTL_SECONDS,
      check: (query) => checkAuthorize(sandbox, query),
      approved: (pending, code) => redirectWith(pending.redirectUri, { code, state: pending.state }),
      // "Cancel" is user_cancelled_authorize, not access_denied (authorization-code-flow doc, "Failed requests").
      denied: (pending) =>
        redirectWith(pending.redirectUri, {
          error: 'user_cancelled_authorize',
          error_description: 'The user cancelled the authorization',
          state: pending.state,
        }),
      notes: () => [
        'LinkedIn itself asks for all scopes at once; unticking one here simulates an app not entitled to it.',
      ],
    });
    app.post('/www.linkedin.com/oauth/v2/accessToken', tokenEndpoint(sandbox, tokenRules(sandbox)));
    app.post('/www.linkedin.com/oauth/v2/revoke', (request, reply) => revoke(sandbox, request, reply));
    app.post('/www.linkedin.com/oauth/v2/introspectToken', (request, reply) =>
      introspect(sandbox, request, reply),
    );
    registerLinkedInApi(app, sandbox);
  },
};

function orgId(seed: string): string {
  return String(10_000_000 + (createHash('sha256').update(seed).digest().readUInt32BE() % 89_999_999));
}

function checkAuthorize(sandbox: Sandbox, q: Record<string, string>): AuthorizeCheck {
  const client = sandbox.client('linkedin', q.client_id);
  if (!client) return { kind: 'page', title: 'Bummer, something went wrong.', message: 'Invalid client_id.' };
  if (!q.redirect_uri || !redirectUriAllowed(client, q.redirect_uri)) {
    return {
      kind: 'page',
      title: 'Bummer, something went wrong.',
      message: 'The redirect_uri does not match the registered value.',
    };
  }
  if (q.response_type !== 'code') {
    return redirectError(q, 'invalid_request', 'Unsupported response_type; only code is supported.');
  }
  // URL-encoded, space-delimited.
  const scopes = (q.scope ?? '').split(' ').filter(Boolean);
  if (scopes.length === 0) return redirectError(q, 'invalid_request', 'The scope parameter is required.');
  const unknown = scopes.find((s) => !KNOWN_SCOPES.has(s));
  if (unknown) {
    return redirectError(
      q,
      'unauthorized_scope_error',
      `Scope "${unknown}" is not authorized for your application`,
    );
  }
  return {
    kind: 'ok',
    request: { clientId: client.clientId, redirectUri: q.redirect_uri, state: q.state, scopes, extra: {} },
  };
}

/** client_id and client_secret travel in the form body (authorization-code-flow doc, Step 3). */
function authenticate(sandbox: Sandbox): Authenticate {
  return (form) => {
    for (const name of ['client_id', 'client_secret']) {
      if (!form[name])
        return {
          status: 400,
          error: 'invalid_request',
          description: `A required parameter "${name}" is missing`,
        };
    }
    const client = sandbox.client('linkedin', form.client_id);
    if (!client || !secretsEqual(form.client_secret as string, client.clientSecret)) {
      return { status: 401, error: 'invalid_client', description: 'Client authentication failed' };
    }
    return client;
  };
}

const WRONG_CONTENT_TYPE = 'Content-Type must be application/x-www-form-urlencoded';

function readForm(request: FastifyRequest, reply: FastifyReply, sandbox: Sandbox) {
  return readClientForm(request, reply, authenticate(sandbox), WRONG_CONTENT_TYPE);
}

function tokenRules(sandbox: Sandbox): TokenEndpointRules {
  return {
    platform: 'linkedin',
    authenticate: authenticate(sandbox),
    wrongContentType: WRONG_CONTENT_TYPE,
    bodies: SCENARIO_BODIES,
    codeFailureText: CODE_FAILURE_TEXT,
    refreshFailureText: {
      invalid: 'The provided refresh token is invalid.',
      revoked: 'The provided refresh token has been revoked.',
      expired: 'The provided refresh token has expired.',
    },
    unsupportedGrantText: 'grant_type must be authorization_code or refresh_token',
    refreshExpiresAt: () => sandbox.now() + REFRESH_TTL_SECONDS * 1000,
    rotatesByDefault: REFRESH_ROTATES,
    // Programmatic refresh tokens come with every code exchange of an app that has them.
    issuesRefreshToken: () => true,
    respond: (grant, refreshToken) => tokenResponse(sandbox, grant, refreshToken),
  };
}

/**
 * `{access_token, expires_in, refresh_token, refresh_token_expires_in, scope}` with scope COMMA-separated
 * (a LinkedIn quirk). token_type appears only in OpenID Connect responses (sign-in-with-linkedin-v2 doc).
 */
function tokenResponse(sandbox: Sandbox, grant: Grant, refreshToken: string | undefined) {
  const access = sandbox.issueAccessToken(grant, ACCESS_TTL_SECONDS);
  const refreshLeft = Math.max(
    0,
    Math.floor(((grant.refreshExpiresAt ?? sandbox.now()) - sandbox.now()) / 1000),
  );
  return {
    access_token: access.token.value,
    expires_in: access.ttl,
    refresh_token: refreshToken,
    refresh_token_expires_in: refreshLeft,
    scope: grant.scopes.join(','),
    ...(grant.scopes.includes('openid') ? { token_type: 'Bearer' } : {}),
  };
}

/** POST /oauth/v2/revoke (client_id, client_secret, token): the grant and all its tokens end. */
async function revoke(sandbox: Sandbox, request: FastifyRequest, reply: FastifyReply) {
  const read = readForm(request, reply, sandbox);
  if (!read) return reply;
  const { form, client } = read;
  if (!form.token)
    return oauthError(reply, 400, 'invalid_request', 'A required parameter "token" is missing');
  const grantId =
    sandbox.store.accessTokens.get(form.token)?.grantId ??
    sandbox.store.refreshTokens.get(form.token)?.grantId;
  const grant = grantId ? sandbox.store.grants.get(grantId) : undefined;
  if (grant && grantedTo(grant, client)) sandbox.store.revokeGrant(grant.id);
  return reply.code(200).send('');
}

/** POST /oauth/v2/introspectToken (client_id, client_secret, token). */
async function introspect(sandbox: Sandbox, request: FastifyRequest, reply: FastifyReply) {
  const read = readForm(request, reply, sandbox);
  if (!read) return reply;
  const { form, client } = read;
  const stored = form.token ? sandbox.store.accessTokens.get(form.token) : undefined;
  const grant = stored && sandbox.store.grants.get(stored.grantId);
  if (!stored || !grant || !grantedTo(grant, client)) return { active: false };
  const checked = sandbox.checkAccessToken(client.platform, form.token);
  const seconds = (ms: number) => Math.floor(ms / 1000);
  return {
    active: checked.ok,
    client_id: client.clientId,
    authorized_at: seconds(grant.createdAt),
    created_at: seconds(stored.issuedAt),
    status: checked.ok ? 'active' : checked.reason,
    expires_at: stored.expiresAt === null ? undefined : seconds(stored.expiresAt),
    scope: grant.scopes.join(','),
    auth_type: '3L',
  };
}
