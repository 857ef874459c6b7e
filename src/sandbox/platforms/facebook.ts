/**
 * Facebook Login (manually built flow) and the Graph API calls a Pages integration makes.
 * Docs: https://developers.facebook.com/documentation/facebook-login/guides/advanced/manual-flow
 *       https://developers.facebook.com/documentation/facebook-login/guides/advanced/oidc-token (PKCE)
 *       https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
 *       https://developers.facebook.com/docs/graph-api/guides/error-handling
 * Graph routes (me, permissions, accounts, debug_token) are in facebook-graph.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AuthorizeCheck, registerAuthorize } from '../authorize.ts';
import { redirectUriAllowed, type SandboxClient } from '../clients.ts';
import { type CodeFailure, grantFromCode, redeemCode, redirectWith, secretsEqual } from '../oauth.ts';
import type { SandboxPlatform } from '../platform.ts';
import type { Sandbox } from '../sandbox.ts';
import { answeredByScenario } from '../scenarios.ts';
import type { PendingAuthorization } from '../store.ts';
import type { SimUser } from '../users.ts';
import { graphError, registerGraph } from './facebook-graph.ts';
import { GRAPH_SCENARIO_BODIES, GRAPH_VERSION, type GraphFailure } from './meta-graph.ts';

/** The token from the code exchange is short-lived: "about an hour or two". */
const SHORT_LIVED_TTL_SECONDS = 3600;
/** fb_exchange_token gives a long-lived user token: "about 60 days". */
const LONG_LIVED_TTL_SECONDS = 60 * 24 * 3600;
/** Codes expire after 10 minutes (code-exchange errors: "This authorization code has expired"). */
const CODE_TTL_SECONDS = 600;
/** Always granted; the user cannot decline it. */
const PUBLIC_PROFILE = 'public_profile';

/** Permissions from the Permissions Reference that a Pages/Instagram integration asks for. */
const KNOWN_PERMISSIONS = new Set([
  'public_profile',
  'email',
  'pages_show_list',
  'pages_manage_posts',
  'pages_read_engagement',
  'pages_manage_metadata',
  'pages_read_user_content',
  'pages_manage_engagement',
  'pages_messaging',
  'read_insights',
  'business_management',
  'publish_video',
  'instagram_basic',
  'instagram_content_publish',
  'instagram_manage_comments',
  'instagram_manage_insights',
  'openid',
]);

export const facebook: SandboxPlatform = {
  id: 'facebook',
  name: 'Facebook',
  hosts: ['www.facebook.com', 'graph.facebook.com'],
  builtInUsers: [
    {
      id: 'fb-ada',
      name: 'Ada Lovelace',
      targets: [
        { id: '100200300400501', name: "Ada's Analytical Bakery", handle: 'adasbakery' },
        { id: '100200300400502', name: 'Engines of Tomorrow' },
      ],
    },
    { id: 'fb-noah', name: 'Noah Pageless', scenario: { targets: 'none' } },
  ],
  newUserId: () => `fb-${randomBytes(6).toString('hex')}`,
  defaultTargets: (userId, userName) => [
    {
      id: numericId(`${userId}#1`),
      name: `${userName}'s Page`,
      handle: `${userId.replace(/[^a-z0-9]/gi, '')}page`,
    },
    { id: numericId(`${userId}#2`), name: `${userName}'s Second Page` },
  ],
  routes(app, sandbox) {
    registerAuthorize(
      app,
      sandbox,
      ['/www.facebook.com/:version/dialog/oauth', '/www.facebook.com/dialog/oauth'],
      {
        platform: facebook,
        codeTtlSeconds: CODE_TTL_SECONDS,
        alwaysGranted: [PUBLIC_PROFILE],
        check: (query, request) => checkDialog(sandbox, query, request),
        // Facebook appends "#_=_" to its redirects (manual-flow doc); browsers keep it off the request.
        approved: (pending, code) =>
          redirectWith(pending.redirectUri, { code, state: pending.state }, '#_=_'),
        denied: (pending) =>
          redirectWith(
            pending.redirectUri,
            {
              error: 'access_denied',
              error_code: '200',
              error_description: 'Permissions error',
              error_reason: 'user_denied',
              state: pending.state,
            },
            '#_=_',
          ),
        notes: (pending) =>
          pending.extra.auth_type === 'rerequest'
            ? []
            : [
                'Permissions this user declined before stay declined unless the app asks with auth_type=rerequest.',
              ],
        decide: (pending, user, ticked) => recordPermissions(sandbox, pending, user, ticked),
      },
    );
    registerGraph(app, sandbox, { exchangeCode, exchangeLongLived });
  },
};

/** Page ids look like Facebook's: long decimal strings, stable per input. */
function numericId(seed: string): string {
  const n = createHash('sha256').update(seed).digest().readBigUInt64BE() % 10n ** 14n;
  return `1${n.toString().padStart(14, '0')}`;
}

function checkDialog(sandbox: Sandbox, q: Record<string, string>, request: FastifyRequest): AuthorizeCheck {
  const { version } = request.params as { version?: string };
  if (version !== undefined && !GRAPH_VERSION.test(version)) {
    return {
      kind: 'page',
      title: "Sorry, this content isn't available right now",
      message: `Unknown version ${version}.`,
    };
  }
  const client = sandbox.client('facebook', q.client_id);
  if (!client) {
    return {
      kind: 'page',
      title: 'Invalid App ID',
      message: 'The provided app ID does not look like a valid app ID.',
    };
  }
  if (!q.redirect_uri || !redirectUriAllowed(client, q.redirect_uri)) {
    return {
      kind: 'page',
      title: 'URL blocked',
      message:
        "This redirect failed because the redirect URI is not white-listed in the app's client OAuth settings. " +
        'Make sure that the client and web OAuth logins are on and add all your app domains as valid OAuth redirect URIs.',
    };
  }
  if ((q.response_type ?? 'code') !== 'code') {
    return {
      kind: 'page',
      title: 'Unsupported response_type',
      message: 'The sandbox implements response_type=code only.',
    };
  }
  // Comma-separated per the docs; spaces are accepted too.
  const requested = (q.scope ?? '').split(/[\s,]+/).filter(Boolean);
  const invalid = requested.filter((p) => !KNOWN_PERMISSIONS.has(p));
  if (invalid.length > 0) {
    return { kind: 'page', title: 'Invalid Scopes', message: `Invalid Scopes: ${invalid.join(', ')}.` };
  }
  const method = q.code_challenge ? (q.code_challenge_method ?? 'plain') : undefined;
  if (method !== undefined && method !== 'S256' && method !== 'plain') {
    return {
      kind: 'page',
      title: 'Invalid code_challenge_method',
      message: 'code_challenge_method must be S256 or plain.',
    };
  }
  const scopes = requested.includes(PUBLIC_PROFILE) ? requested : [PUBLIC_PROFILE, ...requested];
  return {
    kind: 'ok',
    request: {
      clientId: client.clientId,
      redirectUri: q.redirect_uri,
      state: q.state,
      scopes,
      codeChallenge: q.code_challenge || undefined,
      codeChallengeMethod: method,
      extra: q.auth_type ? { auth_type: q.auth_type } : {},
    },
  };
}

/**
 * Permissions belong to the app-user pair, not to one token: ticked ones become granted, unticked ones
 * declined; a permission declined before is not asked again without auth_type=rerequest
 * (manual-flow doc, "Re-asking for Declined Permissions"). Returns everything granted now.
 */
function recordPermissions(
  sandbox: Sandbox,
  pending: PendingAuthorization,
  user: SimUser,
  ticked: string[],
): string[] {
  const record = sandbox.store.permissionsOf('facebook', pending.clientId, user.id);
  const rerequest = pending.extra.auth_type === 'rerequest';
  for (const permission of pending.scopes) {
    const reasked = rerequest || record.get(permission) !== 'declined';
    if (!reasked) continue;
    record.set(permission, ticked.includes(permission) ? 'granted' : 'declined');
  }
  record.set(PUBLIC_PROFILE, 'granted');
  return [...record].filter(([, status]) => status === 'granted').map(([permission]) => permission);
}

/** Code-exchange failures in Graph's words (code 100 with the documented subcodes). */
const CODE_ERRORS: Record<CodeFailure, GraphFailure> = {
  unknown: { message: 'Invalid verification code format.', code: 100 },
  wrong_client: { message: 'Error validating verification code.', code: 100 },
  used: { message: 'This authorization code has been used.', code: 100, subcode: 36009 },
  expired: { message: 'This authorization code has expired.', code: 100, subcode: 36007 },
  redirect_uri_mismatch: {
    message:
      'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request',
    code: 100,
    subcode: 36008,
  },
  verifier_missing: { message: 'Missing code_verifier parameter.', code: 100 },
  verifier_mismatch: { message: 'Invalid code_verifier.', code: 100 },
};

/**
 * GET|POST /oauth/access_token?client_id&client_secret&redirect_uri&code[&code_verifier]: client
 * credentials travel as parameters. With PKCE a public client may leave out client_secret (oidc-token doc).
 */
async function exchangeCode(sandbox: Sandbox, params: Record<string, string>, reply: FastifyReply) {
  const client = checkClient(sandbox, params, { secretOptional: true });
  if ('message' in client) return graphError(reply, 400, client.message, client.code);
  const pendingCode = params.code ? sandbox.store.codes.get(params.code) : undefined;
  if (
    await answeredByScenario(
      sandbox,
      pendingCode && sandbox.user(pendingCode.userId),
      reply,
      GRAPH_SCENARIO_BODIES,
    )
  ) {
    return reply;
  }
  if (!params.code) return graphError(reply, 400, 'Missing code parameter.', 100);
  if (!params.redirect_uri) return graphError(reply, 400, 'Missing redirect_uri parameter.', 191);
  if (pendingCode?.codeChallenge === undefined && params.client_secret === undefined) {
    return graphError(reply, 400, 'Missing client_secret parameter.', 1);
  }
  const redeemed = redeemCode(sandbox, 'facebook', {
    code: params.code,
    clientId: client.clientId,
    redirectUri: params.redirect_uri,
    codeVerifier: params.code_verifier,
  });
  if (!redeemed.ok) {
    const failure = CODE_ERRORS[redeemed.reason];
    return graphError(reply, 400, failure.message, failure.code, { subcode: failure.subcode });
  }
  const grant = grantFromCode(sandbox, redeemed.code, null);
  const access = sandbox.issueAccessToken(grant, SHORT_LIVED_TTL_SECONDS);
  return { access_token: access.token.value, token_type: 'bearer', expires_in: access.ttl };
}

/** grant_type=fb_exchange_token: a valid user token of this app becomes a long-lived one (~60 days). */
async function exchangeLongLived(sandbox: Sandbox, params: Record<string, string>, reply: FastifyReply) {
  const client = checkClient(sandbox, params, { secretOptional: false });
  if ('message' in client) return graphError(reply, 400, client.message, client.code);
  const current = sandbox.checkAccessToken('facebook', params.fb_exchange_token);
  if (await answeredByScenario(sandbox, current.ok ? current.user : undefined, reply, GRAPH_SCENARIO_BODIES))
    return reply;
  if (!params.fb_exchange_token) return graphError(reply, 400, 'Missing fb_exchange_token parameter.', 100);
  if (!current.ok || current.token.kind !== 'user' || current.grant.clientId !== client.clientId) {
    return graphError(reply, 400, 'Invalid OAuth access token.', 190);
  }
  const access = sandbox.issueAccessToken(current.grant, LONG_LIVED_TTL_SECONDS, { longLived: true });
  return { access_token: access.token.value, token_type: 'bearer', expires_in: access.ttl };
}

function checkClient(
  sandbox: Sandbox,
  params: Record<string, string>,
  options: { secretOptional: boolean },
): SandboxClient | GraphFailure {
  if (!params.client_id) return { message: 'Missing client_id parameter.', code: 101 };
  const client = sandbox.client('facebook', params.client_id);
  if (!client) return { message: 'Error validating application. Invalid application ID.', code: 101 };
  const secret = params.client_secret;
  if (secret === undefined && options.secretOptional) return client;
  if (secret === undefined || !secretsEqual(secret, client.clientSecret)) {
    return { message: 'Error validating client secret.', code: 1 };
  }
  return client;
}
