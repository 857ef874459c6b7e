/**
 * Mastodon: every instance is its own server with its own apps, users and tokens. An app registers itself
 * on each instance (POST /api/v1/apps), then runs OAuth 2 as Doorkeeper serves it: authorization code with
 * optional PKCE (S256), client credentials, revocation, RFC 8414 metadata. Tokens never expire and there
 * are no refresh tokens.
 * Docs: https://docs.joinmastodon.org/spec/oauth/
 *       https://docs.joinmastodon.org/methods/apps/
 *       https://docs.joinmastodon.org/methods/oauth/
 *       https://docs.joinmastodon.org/api/oauth-scopes/
 *       https://docs.joinmastodon.org/api/oauth-tokens/
 *       https://docs.joinmastodon.org/methods/accounts/#verify_credentials
 *       https://docs.joinmastodon.org/entities/Application/
 * Where the docs are silent (error wording, which check fails first, token reuse), this follows Mastodon's
 * Doorkeeper setup: https://github.com/mastodon/mastodon/blob/main/config/initializers/doorkeeper.rb and
 * https://github.com/doorkeeper-gem/doorkeeper (5.x), whose messages Mastodon answers with.
 *
 * Simulated instances:
 * - mastodon.social, fosstodon.org: current servers (4.3 and later).
 * - forgetful.mastodon.example: a current server that forgets an app as soon as one of its authorization
 *   codes is exchanged. The exchange answers normally and its token keeps working on the account endpoints,
 *   but from the next request on the client_id is unknown: /oauth/authorize shows the unknown-client error
 *   page, /oauth/token answers invalid_client, /oauth/revoke unauthorized_client, and
 *   /api/v1/apps/verify_credentials 401 for every token of that app. An app must be registered again for each
 *   connection. This exaggerates, deterministically, what servers before 4.3 did: "OAuth Applications could
 *   be 'vacuumed' and removed from the database under certain conditions" (methods/apps, Create).
 * - legacy.mastodon.example: a server before 4.3: no /.well-known/oauth-authorization-server (404), no
 *   `profile` scope, the old Application entity, no redirect_uris arrays, and no PKCE: code_challenge and
 *   code_verifier are ignored (as Doorkeeper does without its PKCE columns), so a code is not bound to a
 *   challenge there.
 * The `.example` hosts are reserved (RFC 2606) and can never be real servers.
 *
 * Users: a Mastodon user's `username` is their handle `name@instance` (`ada@mastodon.social`); a user added
 * through the control API without `@instance` lives on mastodon.social. Only an instance's own users are
 * offered on its consent page. Apps configured through `SandboxOptions.clients` are unknown to every
 * instance: Mastodon has no developer portal, an app exists only where it registered.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { grantedTo } from '../clients.ts';
import { consentPage, errorPage, sendHtml } from '../html.ts';
import { basicCredentials, bearerToken, redirectWith, secretsEqual, singleValues } from '../oauth.ts';
import type { SandboxPlatform } from '../platform.ts';
import type { Sandbox } from '../sandbox.ts';
import { answeredByScenario } from '../scenarios.ts';
import type { AccessToken, AuthorizationCode, Grant, RegisteredClient } from '../store.ts';
import { oauthError } from '../token-grants.ts';
import type { SimUser } from '../users.ts';

const PLATFORM = 'mastodon';

interface Instance {
  host: string;
  /** Before 4.3: no RFC 8414 metadata, no PKCE, no `profile` scope, the old Application entity. */
  legacy: boolean;
  /** Forgets an app once one of its authorization codes is exchanged (see the header). */
  forgetsApps: boolean;
}

const INSTANCES: readonly Instance[] = [
  { host: 'mastodon.social', legacy: false, forgetsApps: false },
  { host: 'fosstodon.org', legacy: false, forgetsApps: false },
  { host: 'forgetful.mastodon.example', legacy: false, forgetsApps: true },
  { host: 'legacy.mastodon.example', legacy: true, forgetsApps: false },
];
/** Where a user added through the control API lives when their username names no instance. */
const DEFAULT_HOST = 'mastodon.social';

/** The scopes a 4.3+ server knows ("Discover OAuth Server Configuration", methods/oauth). */
const SCOPES = [
  'read',
  'write',
  'write:accounts',
  'write:blocks',
  'write:bookmarks',
  'write:conversations',
  'write:favourites',
  'write:filters',
  'write:follows',
  'write:lists',
  'write:media',
  'write:mutes',
  'write:notifications',
  'write:reports',
  'write:statuses',
  'read:accounts',
  'read:blocks',
  'read:bookmarks',
  'read:favourites',
  'read:filters',
  'read:follows',
  'read:lists',
  'read:mutes',
  'read:notifications',
  'read:search',
  'read:statuses',
  'follow',
  'push',
  'profile',
  'admin:read',
  'admin:read:accounts',
  'admin:read:reports',
  'admin:read:domain_allows',
  'admin:read:domain_blocks',
  'admin:read:ip_blocks',
  'admin:read:email_domain_blocks',
  'admin:read:canonical_email_blocks',
  'admin:write',
  'admin:write:accounts',
  'admin:write:reports',
  'admin:write:domain_allows',
  'admin:write:domain_blocks',
  'admin:write:ip_blocks',
  'admin:write:email_domain_blocks',
  'admin:write:canonical_email_blocks',
];
/** "4.3.0 - Added `profile` scope" (oauth-scopes, version history): older servers do not know it. */
const LEGACY_SCOPES = SCOPES.filter((s) => s !== 'profile');
/** "If none is provided, defaults to `read`" (apps and authorize); only where the app registered `read`. */
const DEFAULT_SCOPE = 'read';
/**
 * GET /api/v1/accounts/verify_credentials: "User token + `profile` or `read:accounts`"; scopes are
 * hierarchical, so `read` covers `read:accounts` (oauth-scopes).
 */
const ACCOUNT_SCOPES = ['profile', 'read', 'read:accounts'];
const LEGACY_ACCOUNT_SCOPES = ['read', 'read:accounts'];
/** GET /oauth/userinfo: "User token + `profile` scope" (methods/oauth, 4.4). */
const USERINFO_SCOPES = ['profile'];
/** Before 4.3 apps/verify_credentials needed `read` ("4.3.0 - removed needing `read` scope"). */
const LEGACY_APP_SCOPES = ['read'];
/** Doorkeeper's default, which Mastodon keeps ("Authorization Code expiration time (default 10 minutes)"). */
const CODE_TTL_SECONDS = 600;
/** How long a consent page stays answerable. */
const PENDING_TTL_MS = 30 * 60 * 1000;
/** "To display the authorization code to the user instead of redirecting" (methods/apps, redirect_uris). */
const OOB = 'urn:ietf:wg:oauth:2.0:oob';
/** Doorkeeper forbids these schemes in redirect URIs (Mastodon's doorkeeper.rb, forbid_redirect_uri). */
const FORBIDDEN_SCHEMES = ['data:', 'vbscript:', 'javascript:'];
/** Application ids are numeric strings; the docs' example app is 563419. */
const FIRST_APP_ID = 563_419;
const NAME_MAX = 60;

/**
 * Account ids are numbers local to an instance: the same id on two instances is two different people
 * ("the id on an Account entity is not guaranteed to be globally unique", methods/oauth, userinfo). The
 * built-in users share one on purpose.
 */
const BUILT_IN_ACCOUNT_IDS: Record<string, string> = {
  'md-ada': '110000000000000001',
  'md-alan': '110000000000000002',
  'md-grace': '110000000000000001',
  'md-margaret': '110000000000000001',
  'md-katherine': '110000000000000001',
};
/** Mastodon rounds account creation dates to the day. */
const ACCOUNT_CREATED_AT = '2022-11-07T00:00:00.000Z';

/** Doorkeeper's messages as Mastodon's locale words them (config/locales/doorkeeper.en.yml). */
const TEXT = {
  invalidClient:
    'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
  invalidGrant:
    'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
  invalidScope: 'The requested scope is invalid, unknown, or malformed.',
  invalidRedirectUri: 'The redirect uri included is not valid.',
  unsupportedResponseType: 'The authorization server does not support this response type.',
  unsupportedGrantType: 'The authorization grant type is not supported by the authorization server.',
  accessDenied: 'The resource owner or authorization server denied the request.',
  codeChallengeMethod: 'The code_challenge_method must be S256.',
  revokeUnauthorized: 'You are not authorized to revoke this token',
  serverError:
    'The authorization server encountered an unexpected condition which prevented it from fulfilling the request.',
  outsideScopes: 'This action is outside the authorized scopes',
  userRequired: 'This method requires an authenticated user',
};
/** 401 bodies of the REST API, by why the token is unusable (Doorkeeper's invalid_token messages). */
const TOKEN_FAILURE_TEXT = {
  invalid: 'The access token is invalid',
  revoked: 'The access token was revoked',
  expired: 'The access token expired',
};
const missingParam = (name: string) => `Missing required parameter: ${name}.`;

const SCENARIO_BODIES = {
  serverError: { error: 'server_error', error_description: TEXT.serverError },
  // Mastodon's throttle answer (methods/accounts, 429 example).
  rateLimited: { error: 'Too many requests' },
};

export const mastodon: SandboxPlatform = {
  id: PLATFORM,
  name: 'Mastodon',
  hosts: INSTANCES.map((i) => i.host),
  builtInUsers: [
    { id: 'md-ada', name: 'Ada Lovelace', username: 'ada@mastodon.social' },
    { id: 'md-alan', name: 'Alan Turing', username: 'alan@mastodon.social' },
    { id: 'md-grace', name: 'Grace Hopper', username: 'grace@fosstodon.org' },
    { id: 'md-margaret', name: 'Margaret Hamilton', username: 'margaret@forgetful.mastodon.example' },
    { id: 'md-katherine', name: 'Katherine Johnson', username: 'katherine@legacy.mastodon.example' },
  ],
  newUserId: () => `md-${randomBytes(6).toString('hex')}`,
  // A Mastodon connection is the account itself.
  defaultTargets: () => [],
  routes(app, sandbox) {
    // Its own context: the docs' curl examples post multipart (`-F`), which no other platform takes.
    void app.register(async (scope) => {
      scope.addContentTypeParser(
        'multipart/form-data',
        { parseAs: 'buffer' },
        (request: FastifyRequest, body: Buffer) => parseMultipart(request, body),
      );
      for (const instance of INSTANCES) registerInstance(scope, sandbox, instance);
    });
  },
};

function registerInstance(app: FastifyInstance, sandbox: Sandbox, instance: Instance): void {
  const base = `/${instance.host}`;
  const name = `Mastodon (${instance.host})`;
  app.get(`${base}/.well-known/oauth-authorization-server`, async (_request, reply) => {
    // "On Mastodon versions before 4.3.0, requesting this endpoint will result in a 404 Not Found error."
    if (instance.legacy) {
      return sendHtml(
        reply,
        404,
        errorPage(name, "The page you are looking for isn't here.", 'No OAuth metadata before Mastodon 4.3.'),
      );
    }
    return metadata(instance.host);
  });
  app.post(`${base}/api/v1/apps`, (request, reply) => createApp(sandbox, instance, request, reply));
  app.get(`${base}/api/v1/apps/verify_credentials`, (request, reply) =>
    verifyApp(sandbox, instance, request, reply),
  );
  app.get(`${base}/oauth/authorize`, (request, reply) => showConsent(sandbox, instance, request, reply));
  app.post(`${base}/oauth/authorize`, (request, reply) => decide(sandbox, instance, request, reply));
  // Where an out-of-band (urn:ietf:wg:oauth:2.0:oob) approval shows the code.
  app.get(`${base}/oauth/authorize/native`, async (request, reply) => {
    const { code = '' } = singleValues(request.query);
    return sendHtml(reply, 200, errorPage(name, 'Authorization code', code));
  });
  app.post(`${base}/oauth/token`, (request, reply) => token(sandbox, instance, request, reply));
  app.post(`${base}/oauth/revoke`, (request, reply) => revoke(sandbox, instance, request, reply));
  app.get(`${base}/api/v1/accounts/verify_credentials`, (request, reply) =>
    verifyAccount(sandbox, instance, request, reply),
  );
  if (!instance.legacy) {
    app.get(`${base}/oauth/userinfo`, (request, reply) => userinfo(sandbox, instance, request, reply));
    app.post(`${base}/oauth/userinfo`, (request, reply) => userinfo(sandbox, instance, request, reply));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Requests

/** A multipart body as the form parser would give it: names to strings (repeated names to arrays). */
async function parseMultipart(request: FastifyRequest, body: Buffer) {
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(body), {
      headers: { 'content-type': request.headers['content-type'] ?? '' },
    }).formData();
  } catch {
    throw Object.assign(new Error('The multipart body could not be parsed'), { statusCode: 400 });
  }
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of form) {
    if (typeof value !== 'string') continue;
    const previous = out[key];
    out[key] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return out;
}

/** Rails reads parameters from the query string and the body (form, JSON or multipart) alike; the body wins. */
function requestParams(request: FastifyRequest): Record<string, unknown> {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const body =
    request.body && typeof request.body === 'object' && !Array.isArray(request.body)
      ? (request.body as Record<string, unknown>)
      : {};
  return { ...query, ...body };
}

function scopesOf(instance: Instance): string[] {
  return instance.legacy ? LEGACY_SCOPES : SCOPES;
}

/** Client authentication: HTTP Basic first, else client_id and client_secret parameters (Doorkeeper's order). */
function authenticate(
  sandbox: Sandbox,
  instance: Instance,
  request: FastifyRequest,
  params: Record<string, string>,
): RegisteredClient | undefined {
  const basic = basicCredentials(request);
  const secret = basic ? basic.secret : params.client_secret;
  const client = sandbox.registeredClient(PLATFORM, instance.host, basic ? basic.id : params.client_id);
  return client && secret && secretsEqual(secret, client.clientSecret) ? client : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Users

/** A user's instance and local username, from their `name@instance` handle. */
function handleOf(user: SimUser): { username: string; host: string } {
  const handle = (user.username ?? '').replace(/^@/, '');
  const at = handle.lastIndexOf('@');
  const username = (at < 0 ? handle : handle.slice(0, at)) || user.id.replace(/[^A-Za-z0-9_]/g, '_');
  return { username, host: at < 0 ? DEFAULT_HOST : handle.slice(at + 1).toLowerCase() };
}

function accountId(user: SimUser): string {
  const known = BUILT_IN_ACCOUNT_IDS[user.id];
  if (known) return known;
  const n = createHash('sha256').update(user.id).digest().readBigUInt64BE() % 10n ** 17n;
  return `1${n.toString().padStart(17, '0')}`;
}

function usersOn(sandbox: Sandbox, host: string): SimUser[] {
  return sandbox.usersOf(PLATFORM).filter((u) => handleOf(u).host === host);
}

// ---------------------------------------------------------------------------------------------------------
// Metadata and app registration

/** GET /.well-known/oauth-authorization-server (methods/oauth, 4.3; userinfo_endpoint since 4.4). */
function metadata(host: string) {
  const base = `https://${host}`;
  return {
    issuer: `${base}/`,
    service_documentation: 'https://docs.joinmastodon.org/',
    authorization_endpoint: `${base}/oauth/authorize`,
    token_endpoint: `${base}/oauth/token`,
    // Non-standard: Mastodon has no RFC 7591 registration_endpoint, only POST /api/v1/apps.
    app_registration_endpoint: `${base}/api/v1/apps`,
    revocation_endpoint: `${base}/oauth/revoke`,
    userinfo_endpoint: `${base}/oauth/userinfo`,
    scopes_supported: SCOPES,
    response_types_supported: ['code'],
    // Advertised as the real servers do; the simulator always answers in the query.
    response_modes_supported: ['query', 'fragment', 'form_post'],
    code_challenge_methods_supported: ['S256'],
    grant_types_supported: ['authorization_code', 'client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
  };
}

/** The deprecated Web Push key every app response used to carry; a stable fake per instance. */
function vapidKey(host: string): string {
  return `B${createHash('sha512').update(host).digest('base64url').slice(0, 86)}`;
}

/**
 * redirect_uris: "String or Array of Strings"; a string may hold several URIs separated by whitespace.
 * Arrays came with 4.3 ("added support for multiple `redirect_uris` in Form data parameters"): an older
 * server's strong parameters drop them, leaving no redirect URI at all.
 */
function redirectUrisOf(raw: Record<string, unknown>, instance: Instance): string[] {
  const value = raw.redirect_uris ?? raw['redirect_uris[]'];
  if (Array.isArray(value) || raw['redirect_uris[]'] !== undefined) {
    if (instance.legacy) return [];
    const list = Array.isArray(value) ? value : [value];
    return list
      .filter((v): v is string => typeof v === 'string')
      .flatMap((v) => v.split(/\s+/).filter(Boolean));
  }
  return typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : [];
}

/** Doorkeeper's redirect URI validation, worded as its locale does ("Redirect URI must be an absolute URI."). */
function redirectUriProblem(uri: string): string | undefined {
  if (uri === OOB) return undefined;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URI.';
  }
  if (uri.includes('#')) return 'cannot contain a fragment.';
  if (FORBIDDEN_SCHEMES.includes(url.protocol)) return 'is forbidden by the server.';
  return undefined;
}

function isWebUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/**
 * POST /api/v1/apps (client_name, redirect_uris, scopes, website) → CredentialApplication, or 422
 * `{error: "Validation failed: ..."}` listing every failed validation as Rails does.
 */
async function createApp(sandbox: Sandbox, instance: Instance, request: FastifyRequest, reply: FastifyReply) {
  const raw = requestParams(request);
  const params = singleValues(raw);
  const errors: string[] = [];
  const name = (params.client_name ?? '').trim();
  if (!name) errors.push("Application name can't be blank");
  else if (name.length > NAME_MAX)
    errors.push(`Application name is too long (maximum is ${NAME_MAX} characters)`);
  const redirectUris = redirectUrisOf(raw, instance);
  if (redirectUris.length === 0) errors.push("Redirect URI can't be blank");
  const uriProblem = redirectUris.map(redirectUriProblem).find(Boolean);
  if (uriProblem) errors.push(`Redirect URI ${uriProblem}`);
  const scopes = [...new Set((params.scopes || DEFAULT_SCOPE).split(/\s+/).filter(Boolean))];
  // enforce_configured_scopes (doorkeeper.rb): an app may only register scopes the server knows.
  if (scopes.some((s) => !scopesOf(instance).includes(s))) {
    errors.push("Scopes doesn't match configured on the server.");
  }
  const website = params.website?.trim() || null;
  if (website && !isWebUrl(website)) errors.push('Application website is invalid');
  if (errors.length > 0) return reply.code(422).send({ error: `Validation failed: ${errors.join(', ')}` });

  const onHost = [...sandbox.store.registeredClients.values()].filter((c) => c.host === instance.host);
  const app = sandbox.store.addRegisteredClient({
    platform: PLATFORM,
    host: instance.host,
    id: String(FIRST_APP_ID + onHost.length),
    name,
    website,
    scopes,
    redirectUris,
    registeredAt: sandbox.now(),
  });
  const redirectUri = app.redirectUris.join('\n');
  if (instance.legacy) {
    return {
      id: app.id,
      name: app.name,
      website: app.website,
      redirect_uri: redirectUri,
      client_id: app.clientId,
      client_secret: app.clientSecret,
      vapid_key: vapidKey(instance.host),
    };
  }
  // CredentialApplication as of 4.4: `scopes` is an array, `redirect_uri` deprecated, no vapid_key.
  return {
    id: app.id,
    name: app.name,
    website: app.website,
    scopes: app.scopes,
    redirect_uri: redirectUri,
    redirect_uris: app.redirectUris,
    client_id: app.clientId,
    client_secret: app.clientSecret,
    client_secret_expires_at: 0,
  };
}

/** GET /api/v1/apps/verify_credentials: any live token of the app (an app or a user token) → Application. */
async function verifyApp(sandbox: Sandbox, instance: Instance, request: FastifyRequest, reply: FastifyReply) {
  const found = findToken(sandbox, instance, bearerToken(request));
  if (!found.ok) return unauthorized(reply, found.reason);
  // A forgotten app is gone, and with it everything its tokens could say about it.
  const app = sandbox.registeredClient(PLATFORM, instance.host, found.grant.clientId);
  if (!app) return unauthorized(reply, 'invalid');
  if (instance.legacy) {
    if (!found.grant.scopes.some((s) => LEGACY_APP_SCOPES.includes(s))) return outsideScopes(reply);
    return { name: app.name, website: app.website, vapid_key: vapidKey(instance.host) };
  }
  return {
    id: app.id,
    name: app.name,
    website: app.website,
    scopes: app.scopes,
    redirect_uri: app.redirectUris.join('\n'),
    redirect_uris: app.redirectUris,
    vapid_key: vapidKey(instance.host),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Authorization

type AuthorizeCheck =
  | { ok: true; app: RegisteredClient; scopes: string[] }
  | { ok: false; status: number; message: string };

/**
 * The checks of GET /oauth/authorize in Doorkeeper's order. Every failure is an error page, none a redirect:
 * Mastodon keeps Doorkeeper's default `handle_auth_errors :render`, so even a scope the app did not register
 * shows "The requested scope is invalid, unknown, or malformed." on the instance.
 */
function checkAuthorize(sandbox: Sandbox, instance: Instance, q: Record<string, string>): AuthorizeCheck {
  if (!q.client_id) return { ok: false, status: 400, message: missingParam('client_id') };
  const app = sandbox.registeredClient(PLATFORM, instance.host, q.client_id);
  // invalid_client is the one error Doorkeeper answers with 401.
  if (!app) return { ok: false, status: 401, message: TEXT.invalidClient };
  // "Must match one of the redirect_uris declared during app registration" (exactly, here).
  if (!q.redirect_uri || !app.redirectUris.includes(q.redirect_uri)) {
    return { ok: false, status: 400, message: TEXT.invalidRedirectUri };
  }
  if (!q.response_type) return { ok: false, status: 400, message: missingParam('response_type') };
  if (q.response_type !== 'code') return { ok: false, status: 400, message: TEXT.unsupportedResponseType };
  // "Must be a subset of `scopes` declared during app registration. If not provided, defaults to `read`."
  const requested = q.scope?.trim()
    ? q.scope.split(' ').filter(Boolean)
    : app.scopes.filter((s) => s === DEFAULT_SCOPE);
  const invalidScope =
    /[\n\r\t]/.test(q.scope ?? '') ||
    requested.length === 0 ||
    requested.some((s) => !app.scopes.includes(s) || !scopesOf(instance).includes(s));
  if (invalidScope) return { ok: false, status: 400, message: TEXT.invalidScope };
  // code_challenge_method "Must be `S256`"; a legacy server ignores both PKCE parameters.
  if (!instance.legacy && q.code_challenge && q.code_challenge_method !== 'S256') {
    return { ok: false, status: 400, message: TEXT.codeChallengeMethod };
  }
  return { ok: true, app, scopes: [...new Set(requested)] };
}

function authorizeError(reply: FastifyReply, instance: Instance, status: number, message: string) {
  return sendHtml(reply, status, errorPage(`Mastodon (${instance.host})`, 'An error has occurred', message));
}

/** GET /oauth/authorize: the consent page, offering the instance's own users. */
async function showConsent(
  sandbox: Sandbox,
  instance: Instance,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const q = singleValues(request.query);
  const checked = checkAuthorize(sandbox, instance, q);
  if (!checked.ok) return authorizeError(reply, instance, checked.status, checked.message);
  const pkce = !instance.legacy && q.code_challenge;
  const pending = sandbox.store.addPending({
    platform: PLATFORM,
    clientId: checked.app.clientId,
    redirectUri: q.redirect_uri as string,
    state: q.state,
    scopes: checked.scopes,
    codeChallenge: pkce ? q.code_challenge : undefined,
    codeChallengeMethod: pkce ? 'S256' : undefined,
    // force_login and lang change nothing here: the page always asks which user signs in, in English.
    extra: { host: instance.host },
    expiresAt: sandbox.now() + PENDING_TTL_MS,
  });
  const html = consentPage({
    platformName: `Mastodon (${instance.host})`,
    clientId: pending.clientId,
    action: request.url.split('?')[0] ?? request.url,
    pendingId: pending.id,
    users: usersOn(sandbox, instance.host),
    scopes: pending.scopes,
    // No per-scope choice on Mastodon: every requested scope is shown as granted.
    alwaysGranted: pending.scopes,
    notes: [
      `Application: ${checked.app.name}${checked.app.website ? ` (${checked.app.website})` : ''}.`,
      'Mastodon grants the requested scopes as a whole: approve or deny, nothing can be unticked.',
    ],
  });
  return sendHtml(reply, 200, html);
}

/** POST /oauth/authorize from the consent page: approve (every requested scope) or deny. */
async function decide(sandbox: Sandbox, instance: Instance, request: FastifyRequest, reply: FastifyReply) {
  const form = singleValues(request.body);
  const pending = form.pending ? sandbox.store.takePending(form.pending, sandbox.now()) : undefined;
  if (!pending || pending.platform !== PLATFORM || pending.extra.host !== instance.host) {
    return authorizeError(reply, instance, 400, 'The authorization request expired or was already answered.');
  }
  // The app may have been forgotten while the page was open.
  if (!sandbox.registeredClient(PLATFORM, instance.host, pending.clientId)) {
    return authorizeError(reply, instance, 401, TEXT.invalidClient);
  }
  if (form.decision === 'deny') {
    if (pending.redirectUri === OOB) return authorizeError(reply, instance, 400, TEXT.accessDenied);
    return reply.redirect(
      redirectWith(pending.redirectUri, {
        error: 'access_denied',
        error_description: TEXT.accessDenied,
        state: pending.state,
      }),
      302,
    );
  }
  if (form.decision !== 'approve') {
    return authorizeError(reply, instance, 400, "decision must be 'approve' or 'deny'");
  }
  const user = form.user ? sandbox.user(form.user) : undefined;
  if (!user || user.platform !== PLATFORM || handleOf(user).host !== instance.host) {
    return authorizeError(reply, instance, 400, `There is no user '${form.user ?? ''}' on ${instance.host}.`);
  }
  const code = sandbox.store.addCode({
    platform: PLATFORM,
    clientId: pending.clientId,
    redirectUri: pending.redirectUri,
    userId: user.id,
    scopes: pending.scopes,
    codeChallenge: pending.codeChallenge,
    codeChallengeMethod: pending.codeChallengeMethod,
    expiresAt: sandbox.now() + CODE_TTL_SECONDS * 1000,
  });
  if (pending.redirectUri === OOB) {
    const path = request.url.split('?')[0] ?? request.url;
    return reply.redirect(`${path}/native?${new URLSearchParams({ code: code.value })}`, 302);
  }
  return reply.redirect(redirectWith(pending.redirectUri, { code: code.value, state: pending.state }), 302);
}

// ---------------------------------------------------------------------------------------------------------
// Tokens

/**
 * POST /oauth/token: grant_type authorization_code or client_credentials; the parameters may come as a form,
 * JSON, multipart or query string. `{access_token, token_type: "Bearer", scope, created_at}`: "Tokens will
 * not expire automatically" (api/oauth-tokens), so no expires_in and no refresh_token.
 */
async function token(sandbox: Sandbox, instance: Instance, request: FastifyRequest, reply: FastifyReply) {
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  const params = singleValues(requestParams(request));
  if (!params.grant_type) return oauthError(reply, 400, 'invalid_request', missingParam('grant_type'));
  if (params.grant_type === 'authorization_code') return codeGrant(sandbox, instance, request, reply, params);
  if (params.grant_type === 'client_credentials') {
    return clientCredentialsGrant(sandbox, instance, request, reply, params);
  }
  // The password grant is gone ("has subsequently been removed"), and there are no refresh tokens.
  return oauthError(reply, 400, 'unsupported_grant_type', TEXT.unsupportedGrantType);
}

/**
 * Doorkeeper's order: missing parameters, the client, the code (this client's, unused, unexpired), its
 * redirect_uri, its verifier. A failed attempt leaves the code usable: Doorkeeper spends it only on success.
 * A verifier for a code issued without a challenge fails too; a legacy server ignores verifiers.
 */
async function codeGrant(
  sandbox: Sandbox,
  instance: Instance,
  request: FastifyRequest,
  reply: FastifyReply,
  params: Record<string, string>,
) {
  const found = params.code ? sandbox.store.codes.get(params.code) : undefined;
  const code = found?.platform === PLATFORM ? found : undefined;
  if (code?.codeChallenge && !params.code_verifier) {
    return oauthError(reply, 400, 'invalid_request', missingParam('code_verifier'));
  }
  if (!params.redirect_uri) return oauthError(reply, 400, 'invalid_request', missingParam('redirect_uri'));
  const app = authenticate(sandbox, instance, request, params);
  if (!app) return oauthError(reply, 401, 'invalid_client', TEXT.invalidClient);
  if (await answeredByScenario(sandbox, code && sandbox.user(code.userId), reply, SCENARIO_BODIES)) {
    return reply;
  }
  const usable =
    code !== undefined &&
    code.clientId === app.clientId &&
    !code.used &&
    code.expiresAt > sandbox.now() &&
    params.redirect_uri === code.redirectUri &&
    (instance.legacy || !params.code_verifier || verifierMatches(params.code_verifier, code));
  if (!usable) return oauthError(reply, 400, 'invalid_grant', TEXT.invalidGrant);
  code.used = true;
  const issued = issueToken(sandbox, app, code.userId, code.scopes);
  if (instance.forgetsApps) app.forgotten = true;
  return tokenBody(sandbox, issued);
}

function verifierMatches(verifier: string, code: AuthorizationCode): boolean {
  if (code.codeChallenge === undefined) return false;
  return secretsEqual(createHash('sha256').update(verifier).digest('base64url'), code.codeChallenge);
}

/**
 * grant_type=client_credentials: an app token ("App tokens", api/oauth-tokens). `scope` must be a subset of
 * the app's; without it the token gets `read` if the app registered it, else the request fails.
 */
async function clientCredentialsGrant(
  sandbox: Sandbox,
  instance: Instance,
  request: FastifyRequest,
  reply: FastifyReply,
  params: Record<string, string>,
) {
  const app = authenticate(sandbox, instance, request, params);
  if (!app) return oauthError(reply, 401, 'invalid_client', TEXT.invalidClient);
  const scopes = params.scope?.trim()
    ? [...new Set(params.scope.split(' ').filter(Boolean))]
    : app.scopes.filter((s) => s === DEFAULT_SCOPE);
  if (scopes.length === 0 || scopes.some((s) => !app.scopes.includes(s) || !scopesOf(instance).includes(s))) {
    return oauthError(reply, 400, 'invalid_scope', TEXT.invalidScope);
  }
  return tokenBody(sandbox, issueToken(sandbox, app, APP_TOKEN_USER, scopes));
}

/** The grant of an app token has no user. */
const APP_TOKEN_USER = '';

/**
 * Mastodon turns on Doorkeeper's `reuse_access_token`: an app that already holds a live token for this user
 * (or, for app tokens, for itself) with exactly these scopes gets that same token back instead of a new one.
 * Revoking it then ends every connection that received it.
 */
function issueToken(
  sandbox: Sandbox,
  app: RegisteredClient,
  userId: string,
  scopes: string[],
): { token: AccessToken; grant: Grant } {
  const now = sandbox.now();
  const sameScopes = (other: string[]) =>
    other.length === scopes.length && other.every((s) => scopes.includes(s));
  let reused: { token: AccessToken; grant: Grant } | undefined;
  for (const token of sandbox.store.accessTokens.values()) {
    const grant = sandbox.store.grants.get(token.grantId);
    if (
      grant &&
      grantedTo(grant, app) &&
      grant.userId === userId &&
      sameScopes(grant.scopes) &&
      !token.revoked &&
      !grant.revoked &&
      (token.expiresAt === null || token.expiresAt > now)
    ) {
      reused = { token, grant };
    }
  }
  if (reused) return reused;
  const grant = sandbox.store.addGrant({
    platform: PLATFORM,
    clientId: app.clientId,
    userId,
    scopes,
    createdAt: now,
    refreshExpiresAt: null,
  });
  // Tokens never expire, unless a user's scenario says so.
  const ttl = userId ? sandbox.user(userId)?.scenario.accessTtlSeconds : undefined;
  const token = sandbox.store.addAccessToken(grant, ttl === undefined ? null : sandbox.expiresAt(ttl), now);
  return { token, grant };
}

function tokenBody(sandbox: Sandbox, { token, grant }: { token: AccessToken; grant: Grant }) {
  return {
    access_token: token.value,
    token_type: 'Bearer',
    scope: grant.scopes.join(' '),
    created_at: Math.floor(token.issuedAt / 1000),
    // Only for a scenario's short-lived token: Doorkeeper states expires_in when a token has one.
    ...(token.expiresAt === null ? {} : { expires_in: Math.ceil((token.expiresAt - sandbox.now()) / 1000) }),
  };
}

/**
 * POST /oauth/revoke (client_id, client_secret, token) → 200 `{}`, also for an unknown or absent token
 * (RFC 7009 §2.2, as Doorkeeper answers). A client that fails authentication, or a token of another app,
 * gets 403 unauthorized_client.
 */
async function revoke(sandbox: Sandbox, instance: Instance, request: FastifyRequest, reply: FastifyReply) {
  const params = singleValues(requestParams(request));
  const refuse = () =>
    reply.code(403).send({ error: 'unauthorized_client', error_description: TEXT.revokeUnauthorized });
  const app = authenticate(sandbox, instance, request, params);
  if (!app) return refuse();
  const token = params.token ? sandbox.store.accessTokens.get(params.token) : undefined;
  const grant = token && sandbox.store.grants.get(token.grantId);
  if (!token || !grant || hostOfGrant(sandbox, grant) !== instance.host) return {};
  if (!grantedTo(grant, app)) return refuse();
  token.revoked = true;
  return {};
}

// ---------------------------------------------------------------------------------------------------------
// The REST API

type FoundToken =
  | { ok: true; token: AccessToken; grant: Grant; user: SimUser | undefined }
  | { ok: false; reason: keyof typeof TOKEN_FAILURE_TEXT };

function hostOfGrant(sandbox: Sandbox, grant: Grant): string | undefined {
  return grant.platform === PLATFORM ? sandbox.store.registeredClients.get(grant.clientId)?.host : undefined;
}

/**
 * A bearer token of this instance. A token of another instance is unknown here. The tokens an app received
 * stay usable on the account endpoints after a forgetful instance forgot the app.
 */
function findToken(sandbox: Sandbox, instance: Instance, value: string | undefined): FoundToken {
  const token = value ? sandbox.store.accessTokens.get(value) : undefined;
  const grant = token && sandbox.store.grants.get(token.grantId);
  if (!token || !grant || hostOfGrant(sandbox, grant) !== instance.host)
    return { ok: false, reason: 'invalid' };
  const user = grant.userId === APP_TOKEN_USER ? undefined : sandbox.user(grant.userId);
  if (grant.userId !== APP_TOKEN_USER && !user) return { ok: false, reason: 'invalid' };
  if (token.revoked || grant.revoked) return { ok: false, reason: 'revoked' };
  if (token.expiresAt !== null && token.expiresAt <= sandbox.now()) return { ok: false, reason: 'expired' };
  return { ok: true, token, grant, user };
}

function unauthorized(reply: FastifyReply, reason: keyof typeof TOKEN_FAILURE_TEXT) {
  const text = TOKEN_FAILURE_TEXT[reason];
  return reply
    .code(401)
    .header(
      'www-authenticate',
      `Bearer realm="Doorkeeper", error="invalid_token", error_description="${text}"`,
    )
    .send({ error: text });
}

function outsideScopes(reply: FastifyReply) {
  return reply.code(403).send({ error: TEXT.outsideScopes });
}

/**
 * Token, then scope, then a user behind the token (Api::BaseController): an app token with the right scope
 * gets 422 "This method requires an authenticated user".
 */
function userBehind(
  sandbox: Sandbox,
  instance: Instance,
  request: FastifyRequest,
  reply: FastifyReply,
  scopes: string[],
): SimUser | undefined {
  reply.header('cache-control', 'no-cache, no-store, max-age=0, must-revalidate');
  const found = findToken(sandbox, instance, bearerToken(request));
  if (!found.ok) {
    void unauthorized(reply, found.reason);
    return undefined;
  }
  if (!found.grant.scopes.some((s) => scopes.includes(s))) {
    void outsideScopes(reply);
    return undefined;
  }
  if (!found.user) {
    void reply.code(422).send({ error: TEXT.userRequired });
    return undefined;
  }
  return found.user;
}

/**
 * GET /api/v1/accounts/verify_credentials → CredentialAccount. The user is local to the instance, so `acct`
 * is the bare username.
 */
async function verifyAccount(
  sandbox: Sandbox,
  instance: Instance,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const user = userBehind(
    sandbox,
    instance,
    request,
    reply,
    instance.legacy ? LEGACY_ACCOUNT_SCOPES : ACCOUNT_SCOPES,
  );
  if (!user) return reply;
  const { username } = handleOf(user);
  const base = `https://${instance.host}`;
  const header = `${base}/headers/original/missing.png`;
  return {
    id: accountId(user),
    username,
    acct: username,
    display_name: user.name,
    locked: false,
    bot: false,
    discoverable: true,
    indexable: false,
    group: false,
    created_at: ACCOUNT_CREATED_AT,
    note: '',
    url: `${base}/@${username}`,
    uri: `${base}/users/${username}`,
    avatar: user.pictureUrl,
    avatar_static: user.pictureUrl,
    header,
    header_static: header,
    followers_count: 0,
    following_count: 0,
    statuses_count: 0,
    last_status_at: null,
    emojis: [],
    fields: [],
    roles: [],
    source: {
      privacy: 'public',
      sensitive: false,
      language: '',
      note: '',
      fields: [],
      follow_requests_count: 0,
      hide_collections: false,
      discoverable: true,
      indexable: false,
      attribution_domains: [],
    },
    role: { id: '-99', name: '', permissions: '65536', color: '', highlighted: false },
  };
}

/** GET or POST /oauth/userinfo (4.4): OIDC claims; `sub` is the ActivityPub actor URI, unique across servers. */
async function userinfo(sandbox: Sandbox, instance: Instance, request: FastifyRequest, reply: FastifyReply) {
  const user = userBehind(sandbox, instance, request, reply, USERINFO_SCOPES);
  if (!user) return reply;
  const { username } = handleOf(user);
  const base = `https://${instance.host}`;
  return {
    iss: `${base}/`,
    sub: `${base}/users/${username}`,
    name: user.name,
    preferred_username: username,
    profile: `${base}/@${username}`,
    picture: user.pictureUrl,
  };
}
