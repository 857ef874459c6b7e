/**
 * Threads (Meta): the Authorization Window, the code exchange, long-lived tokens and their refresh, the
 * app-scoped user's profile and /debug_token.
 * Docs: https://developers.facebook.com/docs/threads/get-started/get-access-tokens-and-permissions
 *       https://developers.facebook.com/docs/threads/get-started/long-lived-tokens
 *       https://developers.facebook.com/docs/threads/threads-profiles
 *       https://developers.facebook.com/docs/threads/troubleshooting/debug-access-token
 *       https://developers.facebook.com/docs/threads/reference ("graph.threads.com or graph.threads.net")
 *       https://developers.facebook.com/docs/development/create-an-app/threads-use-case (permissions)
 *       https://developers.facebook.com/docs/graph-api/guides/error-handling (Graph error shape)
 * Not in the docs, so not simulated: PKCE, a token revocation endpoint (an app only gets a deauthorize
 * callback from Meta), /me/permissions, and app access tokens (grant_type=client_credentials).
 */
import { randomInt } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AuthorizeCheck, registerAuthorize } from '../authorize.ts';
import { grantedTo, redirectUriAllowed } from '../clients.ts';
import {
  type CodeFailure,
  grantFromCode,
  redeemCode,
  redirectWith,
  secretsEqual,
  singleValues,
} from '../oauth.ts';
import type { SandboxPlatform } from '../platform.ts';
import type { Sandbox } from '../sandbox.ts';
import { answeredByScenario } from '../scenarios.ts';
import type { PendingAuthorization } from '../store.ts';
import { GRAPH_SCENARIO_BODIES, GRAPH_VERSION, graphErrorBody, TOKEN_FAILURES } from './meta-graph.ts';

/** The Authorization Window: threads.net in most pages, threads.com in the current get-access-tokens one. */
const AUTHORIZE_HOSTS = ['threads.net', 'www.threads.net', 'threads.com', 'www.threads.com'];
/** "The Threads API can be accessed by either graph.threads.com or graph.threads.net." (reference) */
const GRAPH_HOSTS = ['graph.threads.net', 'graph.threads.com'];
/** "By default, Threads user access tokens are short-lived and are valid for one hour." */
const SHORT_LIVED_TTL_SECONDS = 3600;
/** "Long-lived tokens are valid for 60 days"; a refreshed one for 60 days from the refresh. */
const LONG_LIVED_TTL_SECONDS = 60 * 24 * 3600;
/** A long-lived token "can be refreshed as long as [it is] at least 24 hours old but [has] not expired". */
const REFRESH_MIN_AGE_SECONDS = 24 * 3600;
/** "Authorization codes are valid for 1 hour and can only be used once." */
const CODE_TTL_SECONDS = 3600;
/** debug_token's data_access_expires_at: "permissions granted to apps ... are now valid for 90 days". */
const DATA_ACCESS_TTL_SECONDS = 90 * 24 * 3600;
/** "threads_basic is required" in the scope; the use-case page: "Required. Cannot be removed." */
const THREADS_BASIC = 'threads_basic';
/** debug_token's `application`. */
const APP_NAME = 'Portico sandbox app';

/** The Threads API use case's permissions (use-case page and the Permissions reference). */
const KNOWN_PERMISSIONS = new Set([
  'threads_basic',
  'threads_content_publish',
  'threads_delete',
  'threads_keyword_search',
  'threads_location_tagging',
  'threads_manage_insights',
  'threads_manage_mentions',
  'threads_manage_replies',
  'threads_read_replies',
  'threads_profile_discovery',
  'threads_share_to_instagram',
]);

/** The Threads User fields of GET /me (threads-profiles doc); `id` "is returned by default". */
const PROFILE_FIELDS = new Set([
  'id',
  'username',
  'name',
  'threads_profile_picture_url',
  'threads_biography',
  'is_verified',
]);

/** The same failures in the code exchange's own flat error shape (see `exchangeError`). */
const EXCHANGE_SCENARIO_BODIES = {
  serverError: {
    error_type: 'OAuthException',
    code: 500,
    error_message: 'An unexpected error has occurred. Please retry your request later.',
  },
  rateLimited: {
    error_type: 'OAuthException',
    code: 429,
    error_message: 'Application request limit reached',
  },
};

/** Code-exchange failures; the first wording is the doc's "Sample Rejected Response", the others Meta's. */
const CODE_ERRORS: Record<CodeFailure, string> = {
  unknown: 'Matching code was not found or was already used',
  used: 'Matching code was not found or was already used',
  wrong_client: 'Matching code was not found or was already used',
  expired: 'This authorization code has expired.',
  redirect_uri_mismatch:
    'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request',
  // No PKCE in the documented flow: a Threads code never carries a challenge.
  verifier_missing: 'Matching code was not found or was already used',
  verifier_mismatch: 'Matching code was not found or was already used',
};

export const threads: SandboxPlatform = {
  id: 'threads',
  name: 'Threads',
  hosts: [...AUTHORIZE_HOSTS, ...GRAPH_HOSTS],
  // Numeric, 17 digits like the docs' 17841405793187218, and odd: past 2^53 a double cannot hold them exactly.
  builtInUsers: [
    { id: '17841412345678901', name: 'Ada Lovelace', username: 'ada.lovelace' },
    { id: '17841423456789013', name: 'Grace Hopper', username: 'grace.hopper' },
  ],
  newUserId: () => `178414${randomInt(10_000_000_000, 100_000_000_000)}`,
  // A Threads connection is the user's own profile only ("You may only fetch the profile of the app-scoped user").
  defaultTargets: () => [],
  routes(app, sandbox) {
    registerAuthorize(
      app,
      sandbox,
      AUTHORIZE_HOSTS.map((host) => `/${host}/oauth/authorize`),
      {
        platform: threads,
        codeTtlSeconds: CODE_TTL_SECONDS,
        check: (query) => checkAuthorize(sandbox, query),
        // "#_ will be appended to the end of the redirect URI, but it is not part of the code itself".
        approved: (pending, code) => redirectWith(pending.redirectUri, { code, state: pending.state }, '#_'),
        // "Canceled Authorization": the doc's sample carries no #_.
        denied: (pending) =>
          redirectWith(pending.redirectUri, {
            error: 'access_denied',
            error_reason: 'user_denied',
            error_description: 'The user denied your request',
            state: pending.state,
          }),
        notes: () => [`${THREADS_BASIC} is required and always granted; the other permissions are optional.`],
        decide: (pending, _user, ticked) => grantedPermissions(pending, ticked),
      },
    );
    // Its own context: the multipart parser for curl -F must not change how other platforms read bodies.
    void app.register(async (graph) => {
      graph.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (request, body, done) => {
        const fields = multipartFields(request.headers['content-type'] ?? '', body as Buffer);
        if (fields) return done(null, fields);
        done(Object.assign(new Error('multipart/form-data body without a boundary'), { statusCode: 400 }));
      });
      for (const host of GRAPH_HOSTS) {
        graph.route({
          method: ['GET', 'POST'],
          url: `/${host}/*`,
          handler: (request, reply) => graphCall(sandbox, request, reply),
        });
      }
    });
  },
};

function checkAuthorize(sandbox: Sandbox, q: Record<string, string>): AuthorizeCheck {
  const client = sandbox.client('threads', q.client_id);
  if (!client) {
    return {
      kind: 'page',
      title: 'Invalid App ID',
      message: 'The provided app ID does not look like a valid Threads app ID.',
    };
  }
  // "Make sure this exactly matches one of the base URIs in your list of valid OAuth URIs."
  if (!q.redirect_uri || !redirectUriAllowed(client, q.redirect_uri)) {
    return {
      kind: 'page',
      title: 'Invalid redirect_uri',
      message: "The redirect_uri does not exactly match one of the app's valid OAuth redirect URIs.",
    };
  }
  if (q.response_type !== 'code') {
    return { kind: 'page', title: 'Invalid response_type', message: 'response_type must be code.' };
  }
  // "A comma-separated list, or URL-encoded space-separated list, of permissions".
  const requested = [...new Set((q.scope ?? '').split(/[\s,]+/).filter(Boolean))];
  const invalid = requested.filter((p) => !KNOWN_PERMISSIONS.has(p));
  if (invalid.length > 0) {
    return { kind: 'page', title: 'Invalid Scopes', message: `Invalid Scopes: ${invalid.join(', ')}.` };
  }
  if (!requested.includes(THREADS_BASIC)) {
    return { kind: 'page', title: 'Invalid Scopes', message: `${THREADS_BASIC} is required.` };
  }
  return {
    kind: 'ok',
    request: {
      clientId: client.clientId,
      redirectUri: q.redirect_uri,
      state: q.state,
      scopes: requested,
      extra: {},
    },
  };
}

/** The ticked permissions, and threads_basic whether ticked or not: the user can only decline the others. */
function grantedPermissions(pending: PendingAuthorization, ticked: string[]): string[] {
  return pending.scopes.filter((scope) => scope === THREADS_BASIC || ticked.includes(scope));
}

/** The text fields of a multipart/form-data body (`curl -F name=value`); undefined without a boundary. */
function multipartFields(contentType: string, body: Buffer): Record<string, string> | undefined {
  const match = /boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) return undefined;
  const fields: Record<string, string> = {};
  for (const part of body.toString('latin1').split(`--${boundary}`)) {
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) continue;
    const headers = part.slice(0, headerEnd);
    const name = /;\s*name="([^"]*)"/i.exec(headers)?.[1];
    if (name === undefined || /;\s*filename=/i.test(headers)) continue;
    const value = part.slice(headerEnd + 4).replace(/\r\n$/, '');
    fields[name] = Buffer.from(value, 'latin1').toString('utf8');
  }
  return fields;
}

/** Graph errors (meta-graph.ts), all with status 400. */
function graphError(
  reply: FastifyReply,
  message: string,
  code: number,
  options: { subcode?: number; type?: string } = {},
) {
  return reply.code(400).send(graphErrorBody(message, code, options));
}

/**
 * The code exchange's "Sample Rejected Response" is not Graph's shape but a flat one:
 * `{"error_type":"OAuthException","code":400,"error_message":"Matching code was not found or was already used"}`.
 */
function exchangeError(reply: FastifyReply, message: string) {
  return reply.code(400).send({ error_type: 'OAuthException', code: 400, error_message: message });
}

function tokenError(reply: FastifyReply, reason: keyof typeof TOKEN_FAILURES) {
  const failure = TOKEN_FAILURES[reason];
  return graphError(reply, failure.message, failure.code, { subcode: failure.subcode });
}

/** Everything on graph.threads.net / graph.threads.com, with or without a version segment. */
async function graphCall(sandbox: Sandbox, request: FastifyRequest, reply: FastifyReply) {
  const segments = ((request.params as { '*'?: string })['*'] ?? '').split('/').filter(Boolean);
  // A version segment is optional (the docs use /v1.0/me).
  if (segments[0] && GRAPH_VERSION.test(segments[0])) segments.shift();
  const params = {
    ...singleValues(request.query),
    ...(request.method === 'POST' ? singleValues(request.body) : {}),
  };
  const path = segments.join('/');
  // The three token calls take GET with a query (as the long-lived-tokens doc shows) or POST with a form
  // (as the code-exchange doc does, with curl -F); parameters may also ride on a POST's query string.
  if (path === 'oauth/access_token') return exchangeCode(sandbox, params, reply);
  if (path === 'access_token') return exchangeLongLived(sandbox, params, reply);
  if (path === 'refresh_access_token') return refreshLongLived(sandbox, params, reply);
  if (path === 'debug_token' && request.method === 'GET') return debugToken(sandbox, request, params, reply);
  if (segments.length === 1 && request.method === 'GET') {
    return profile(sandbox, segments[0] as string, params, request, reply);
  }
  return graphError(reply, `Unknown path components: /${path}`, 2500);
}

/** `access_token` parameter or `Authorization: Bearer`. */
function accessToken(request: FastifyRequest, params: Record<string, string>): string | undefined {
  if (params.access_token) return params.access_token;
  return /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
}

/**
 * POST /oauth/access_token with client_id, client_secret, code, grant_type=authorization_code and
 * redirect_uri (all required). Answers `{"access_token","user_id"}` with no expires_in: the token is the
 * short-lived one (one hour).
 */
async function exchangeCode(sandbox: Sandbox, params: Record<string, string>, reply: FastifyReply) {
  const client = sandbox.client('threads', params.client_id);
  // The docs word only the code's rejection; these are the Instagram-family words for the same shape.
  if (!client) return exchangeError(reply, 'Invalid platform app');
  if (params.client_secret === undefined || !secretsEqual(params.client_secret, client.clientSecret)) {
    return exchangeError(reply, 'Error validating client secret.');
  }
  if (params.grant_type !== 'authorization_code') {
    return exchangeError(
      reply,
      'Unsupported grant_type: the sandbox serves grant_type=authorization_code only.',
    );
  }
  const pending = params.code ? sandbox.store.codes.get(params.code) : undefined;
  if (
    await answeredByScenario(
      sandbox,
      pending && sandbox.user(pending.userId),
      reply,
      EXCHANGE_SCENARIO_BODIES,
    )
  )
    return reply;
  const redeemed = redeemCode(sandbox, 'threads', {
    code: params.code,
    clientId: client.clientId,
    redirectUri: params.redirect_uri,
  });
  if (!redeemed.ok) return exchangeError(reply, CODE_ERRORS[redeemed.reason]);
  const grant = grantFromCode(sandbox, redeemed.code, null);
  // A user's accessTtlSeconds is for the long-lived token; the short-lived one always lives an hour.
  const token = sandbox.store.addAccessToken(
    grant,
    sandbox.expiresAt(SHORT_LIVED_TTL_SECONDS),
    sandbox.now(),
  );
  return reply.type('application/json; charset=utf-8').send(shortLivedBody(token.value, grant.userId));
}

/**
 * The sample's user_id is a JSON number (`"user_id": 17841405793187218`), wider than a double's 53 bits:
 * written digit for digit, so a client that parses it as a number gets a rounded id (the /me id is a string).
 */
function shortLivedBody(accessToken: string, userId: string): string {
  const id = /^[1-9]\d*$/.test(userId) ? userId : JSON.stringify(userId);
  return `{"access_token":${JSON.stringify(accessToken)},"user_id":${id}}`;
}

/**
 * GET /access_token?grant_type=th_exchange_token&client_secret&access_token: a valid (unexpired)
 * short-lived token of the app whose secret is given becomes a long-lived one. Only a short-lived one:
 * "Expired short-lived tokens cannot be exchanged"; a long-lived one is refreshed instead. The short-lived
 * token keeps working until its hour is up.
 */
async function exchangeLongLived(sandbox: Sandbox, params: Record<string, string>, reply: FastifyReply) {
  if (params.grant_type !== 'th_exchange_token') {
    return graphError(reply, 'grant_type must be th_exchange_token.', 100);
  }
  const current = sandbox.checkAccessToken('threads', params.access_token);
  if (
    await answeredByScenario(sandbox, current.ok ? current.user : undefined, reply, GRAPH_SCENARIO_BODIES)
  ) {
    return reply;
  }
  if (!params.client_secret) return graphError(reply, 'The parameter client_secret is required', 100);
  if (!current.ok) return tokenError(reply, current.reason);
  const client = sandbox.client('threads', current.grant.clientId);
  if (!client || !secretsEqual(params.client_secret, client.clientSecret)) {
    return graphError(reply, 'Error validating client secret.', 1);
  }
  // The docs name no error for this; code 100 (invalid parameter) leaves the token itself alone.
  if (current.token.longLived) {
    return graphError(
      reply,
      'Only a short-lived Threads user access token can be exchanged; refresh a long-lived one.',
      100,
    );
  }
  const access = sandbox.issueAccessToken(current.grant, LONG_LIVED_TTL_SECONDS, { longLived: true });
  return { access_token: access.token.value, token_type: 'bearer', expires_in: access.ttl };
}

/**
 * GET /refresh_access_token?grant_type=th_refresh_token&access_token: no app credentials. The token must be
 * long-lived, unexpired and at least 24 hours old, and threads_basic granted; the answer is a token valid for
 * 60 days from now. The docs say nothing of the presented token dying ("Refreshing a long-lived token makes it
 * valid for 60 days again"), so it keeps working until its own expiry: a client that does not store the
 * returned token loses access when the old one runs out, never earlier.
 */
async function refreshLongLived(sandbox: Sandbox, params: Record<string, string>, reply: FastifyReply) {
  if (params.grant_type !== 'th_refresh_token') {
    return graphError(reply, 'grant_type must be th_refresh_token.', 100);
  }
  const current = sandbox.checkAccessToken('threads', params.access_token);
  if (
    await answeredByScenario(sandbox, current.ok ? current.user : undefined, reply, GRAPH_SCENARIO_BODIES)
  ) {
    return reply;
  }
  if (!current.ok) return tokenError(reply, current.reason);
  if (current.user.scenario.refreshRevoked) {
    return graphError(
      reply,
      'Error validating access token: The session has been invalidated because the user changed their password or Meta has changed the session for security reasons.',
      190,
      { subcode: 460 },
    );
  }
  // The docs name no error for these; code 100 (invalid parameter) says the token itself is still good.
  if (!current.token.longLived) {
    return graphError(reply, 'Only a long-lived Threads user access token can be refreshed.', 100);
  }
  if (!current.grant.scopes.includes(THREADS_BASIC)) {
    return graphError(reply, '(#10) Application does not have permission for this action', 10);
  }
  const ageSeconds = (sandbox.now() - current.token.issuedAt) / 1000;
  if (ageSeconds < REFRESH_MIN_AGE_SECONDS) {
    return graphError(
      reply,
      'The long-lived access token cannot be refreshed yet: it must be at least 24 hours old.',
      100,
    );
  }
  const access = sandbox.issueAccessToken(current.grant, LONG_LIVED_TTL_SECONDS, { longLived: true });
  return { access_token: access.token.value, token_type: 'bearer', expires_in: access.ttl };
}

/**
 * GET /me or /{threads-user-id}?fields=...: only the app-scoped user ("You may only fetch the profile of the
 * app-scoped user"), only with threads_basic ("Required for making any calls to all Threads API endpoints").
 * `id` comes back whether asked for or not.
 */
function profile(
  sandbox: Sandbox,
  node: string,
  params: Record<string, string>,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const auth = sandbox.checkAccessToken('threads', accessToken(request, params));
  if (!auth.ok) return tokenError(reply, auth.reason);
  // Unreachable from the consent page (threads_basic is always granted); kept as the documented rule.
  if (!auth.grant.scopes.includes(THREADS_BASIC)) {
    return graphError(reply, '(#10) Application does not have permission for this action', 10);
  }
  const { user } = auth;
  if (node !== 'me' && node !== user.id) {
    return graphError(
      reply,
      `Unsupported get request. Object with ID '${node}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      100,
      { subcode: 33, type: 'GraphMethodException' },
    );
  }
  const fields = (params.fields ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const unknown = fields.find((f) => !PROFILE_FIELDS.has(f));
  if (unknown) {
    return graphError(
      reply,
      `(#100) Tried accessing nonexisting field (${unknown}) on node type (User)`,
      100,
    );
  }
  const values: Record<string, unknown> = {
    id: user.id,
    username: user.username ?? user.name.toLowerCase().replace(/[^a-z0-9._]/g, ''),
    name: user.name,
    threads_profile_picture_url: user.pictureUrl,
    threads_biography: `${user.name} on Threads (sandbox).`,
    is_verified: false,
  };
  const out: Record<string, unknown> = Object.fromEntries(fields.map((f) => [f, values[f]]));
  if (!('id' in out)) out.id = user.id;
  return out;
}

/**
 * GET /debug_token?access_token&input_token: access_token is a user token (of a Threads tester; every
 * simulated user is one) of the same app as input_token. The doc shows only a valid token's answer; for a
 * token of no app or another app the simulator answers as Facebook's debug_token does.
 */
function debugToken(
  sandbox: Sandbox,
  request: FastifyRequest,
  params: Record<string, string>,
  reply: FastifyReply,
) {
  const inspector = sandbox.checkAccessToken('threads', accessToken(request, params));
  if (!inspector.ok) return tokenError(reply, inspector.reason);
  if (!params.input_token) return graphError(reply, 'The parameter input_token is required', 100);
  const token = sandbox.store.accessTokens.get(params.input_token);
  const grant = token && sandbox.store.grants.get(token.grantId);
  // Only tokens of the inspecting app can be inspected.
  const app = sandbox.client(inspector.grant.platform, inspector.grant.clientId);
  if (!token || !grant || !app || !grantedTo(grant, app)) {
    return {
      data: {
        is_valid: false,
        scopes: [],
        error: { code: 190, message: 'Invalid OAuth access token - Cannot parse access token' },
      },
    };
  }
  const seconds = (ms: number) => Math.floor(ms / 1000);
  return {
    data: {
      type: 'USER',
      application: APP_NAME,
      data_access_expires_at: seconds(grant.createdAt) + DATA_ACCESS_TTL_SECONDS,
      expires_at: token.expiresAt === null ? 0 : seconds(token.expiresAt),
      is_valid: sandbox.checkAccessToken('threads', token.value).ok,
      issued_at: seconds(token.issuedAt),
      scopes: grant.scopes,
      user_id: grant.userId,
    },
  };
}
