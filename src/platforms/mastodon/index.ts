/**
 * Mastodon: one platform on many servers. The caller names the server (`server_url`); Portico registers its
 * OAuth app there once (`POST /api/v1/apps`), then runs the authorization-code flow on that server. One
 * profile per authorization; tokens do not expire and come without a refresh token.
 * @see https://docs.joinmastodon.org/spec/oauth/
 * @see https://docs.joinmastodon.org/methods/apps/
 * @see https://docs.joinmastodon.org/methods/oauth/
 */
import { Type } from 'typebox';
import { failure, type Result, success } from '../../oauth/result.ts';
import { clientCredentials, revokeToken } from '../../oauth/token.ts';
import { OutboundError } from '../../outbound/client.ts';
import { checkPublicHost, type Resolver, systemResolver } from '../../outbound/public-address.ts';
import { field, PlatformError } from '../api.ts';
import {
  type AuthorizationServer,
  type OAuth2Module,
  type OptionError,
  type OptionsContext,
  ownProfile,
} from '../types.ts';

/** What a connect stores: the server's origin, and whether it takes PKCE (Mastodon 4.3 and later). */
export type MastodonOptions = { server: string; pkce: boolean };

const FIELD = 'server_url';
/** Shown on the app's page at each server and on its posts ("via Portico"). */
const WEBSITE = 'https://github.com/portico-oss/portico';

/**
 * Granular scopes, which exist on every server since 2.4.3 (https://docs.joinmastodon.org/api/oauth-scopes/).
 * `read:accounts` rather than the narrower `profile`: `profile` only exists from 4.3, and
 * `GET /api/v1/accounts/verify_credentials` takes either (https://docs.joinmastodon.org/methods/accounts/#verify_credentials).
 */
const IDENTITY_SCOPE = 'read:accounts';
const SCOPES = [IDENTITY_SCOPE, 'write:statuses', 'write:media'];

interface ServerMetadata {
  app_registration_endpoint?: unknown;
  code_challenge_methods_supported?: unknown;
}

interface Account {
  id?: string;
  username?: string;
  display_name?: string;
  avatar?: string;
}

/**
 * Mastodon's routes are fixed, so the endpoints are built on the server's own origin rather than read from
 * its metadata document: a document naming other hosts cannot send Portico's token requests elsewhere.
 * https://docs.joinmastodon.org/spec/oauth/#implementation
 */
function server(options: MastodonOptions): AuthorizationServer {
  return {
    authorizeUrl: `${options.server}/oauth/authorize`,
    tokenUrl: `${options.server}/oauth/token`,
    revokeUrl: `${options.server}/oauth/revoke`,
    // client_id and client_secret go in the form body (https://docs.joinmastodon.org/methods/oauth/#token).
    clientAuth: 'post',
    // PKCE (S256 only) from 4.3; older servers ignore the parameters (https://docs.joinmastodon.org/spec/oauth/#pkce).
    pkce: options.pkce ? 'S256' : 'none',
    // "separated by spaces" (https://docs.joinmastodon.org/methods/oauth/#authorize).
    scopeSeparator: ' ',
  };
}

/** The Mastodon module; `resolve` is the DNS lookup behind the public-address check (tests inject one). */
export function createMastodon(resolve: Resolver = systemResolver): OAuth2Module<MastodonOptions> {
  return {
    id: 'mastodon',
    name: 'Mastodon',
    protocol: 'oauth2',
    options: {
      schema: Type.Object(
        {
          server_url: Type.String({
            minLength: 1,
            maxLength: 300,
            description:
              'The Mastodon server the account is on, e.g. `mastodon.social` or `https://fosstodon.org`.',
          }),
        },
        { additionalProperties: false },
      ),
      async prepare(ctx, input) {
        const url = serverUrl(String(input.server_url), ctx);
        if (!url.ok) return url;
        const reachable = await checkReachable(ctx, url.value, resolve);
        if (!reachable.ok) return reachable;
        return discover(ctx, url.value.origin);
      },
      instance: (options) => new URL(options.server).host,
    },
    oauth: {
      server,
      scopes: { required: SCOPES },
      // "Forces the user to re-login, which is necessary for authorizing with multiple accounts from the
      // same server." https://docs.joinmastodon.org/methods/oauth/#authorize
      signInAgainParams: { force_login: 'true' },
    },
    registration: {
      async register(ctx, redirectUri, scopes) {
        // https://docs.joinmastodon.org/methods/apps/#create
        const url = `${ctx.options.server}/api/v1/apps`;
        const app = await ctx.api.json<{ client_id?: string; client_secret?: string }>(url, {
          form: {
            client_name: 'Portico',
            redirect_uris: redirectUri,
            scopes: scopes.join(' '),
            website: WEBSITE,
          },
        });
        return {
          clientId: field(app.client_id, 'client_id', url),
          clientSecret: field(app.client_secret, 'client_secret', url),
        };
      },

      /**
       * An app-only token (client credentials) proves the server still knows the app: before 4.3 servers
       * removed ("vacuumed") unused apps (https://docs.joinmastodon.org/methods/apps/#create), and an unknown
       * app answers `invalid_client` (https://docs.joinmastodon.org/methods/oauth/#token).
       */
      async stillRegistered(ctx) {
        const call = { server: ctx.server, client: ctx.client, outbound: ctx.outbound, now: ctx.now };
        // Without `scope` the grant asks for `read`, which an app registered with granular scopes does not
        // have (invalid_scope): the scope "must be a subset of the scopes requested at the time the
        // application was created" (https://docs.joinmastodon.org/methods/oauth/#token).
        const token = await clientCredentials(call, IDENTITY_SCOPE);
        if (token.ok) {
          // Best effort: Portico keeps no app token. A failure to revoke changes nothing for the connect.
          await revokeToken(call, token.value.accessToken, 'access_token');
          return true;
        }
        if (token.failure.error === 'invalid_client') return false;
        throw new PlatformError(
          token.failure.kind,
          `checking the app registration: ${token.failure.message}`,
          ctx.server.tokenUrl,
          token.failure.status,
        );
      },
    },
    // "Access tokens do not expire" and no refresh token is issued: a dead token means re-authorizing.
    // https://docs.joinmastodon.org/entities/Token/
    refresh: { kind: 'none' },
    targets: { types: ['profile'], userPicks: false },
    hosted: { type: 'MASTODON', options: { serverUrl: 'server_url' }, instanceField: 'mastodonServerId' },

    /** https://docs.joinmastodon.org/methods/accounts/#verify_credentials */
    async identity(ctx, tokens) {
      const url = `${ctx.options.server}/api/v1/accounts/verify_credentials`;
      const me = await ctx.api.json<Account>(url, { bearer: tokens.accessToken });
      const username = field(me.username, 'username', url);
      return {
        // Account ids are only unique per server; the instance is part of every key that holds one.
        id: field(me.id, 'id', url),
        name: me.display_name || username,
        // `acct` has no domain for the server's own accounts; the handle is completed with the server's host.
        username: `@${username}@${new URL(ctx.options.server).host}`,
        avatarUrl: me.avatar,
      };
    },

    listTargets: ownProfile,
  };
}

export const mastodon = createMastodon();

const refuse = (message: string) => failure<OptionError>({ field: FIELD, message });

/**
 * `mastodon.social`, `https://Mastodon.Social/@ada?x` → `https://mastodon.social`: https by default, the host
 * lower-cased and in punycode (WHATWG URL), no path, query or trailing dot. Plain http and ports only where
 * the operator allows private instances (or in the sandbox, for http).
 */
export function serverUrl(
  raw: string,
  ctx: Pick<OptionsContext, 'allowPrivateHosts' | 'sandbox'>,
): Result<URL, OptionError> {
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    return refuse('is not a server address such as mastodon.social or https://mastodon.social');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return refuse('must be an https:// URL');
  if (url.protocol === 'http:' && !ctx.allowPrivateHosts && !ctx.sandbox)
    return refuse('must be an https:// URL');
  if (url.username || url.password) return refuse('must not contain a user name or password');
  if (url.port && !ctx.allowPrivateHosts) return refuse('must not name a port');
  // A trailing dot names the same host; without it the instance key is the same either way.
  const hostname = url.hostname.replace(/\.$/, '');
  if (!hostname) return refuse('must name a server');
  return success(new URL(`${url.protocol}//${hostname}${url.port ? `:${url.port}` : ''}`));
}

/** The server must be one Portico may call: a simulated one in the sandbox, a public one in live mode. */
async function checkReachable(
  ctx: OptionsContext,
  url: URL,
  resolve: Resolver,
): Promise<Result<void, OptionError>> {
  if (ctx.sandbox) {
    // The sandbox contacts no real server: a host the simulator (or an override) does not stand in for is refused.
    if (ctx.outbound.rewrite(url).origin === url.origin) {
      return refuse('is not one of the sandbox’s Mastodon servers (see docs/sandbox.md)');
    }
    return success(undefined);
  }
  if (ctx.allowPrivateHosts) return success(undefined);
  const check = await checkPublicHost(url.hostname, resolve);
  if (check.public) return success(undefined);
  if (check.reason === 'unresolvable') return refuse('does not resolve to any address');
  return refuse(
    'points at a loopback, private or otherwise internal address (PORTICO_ALLOW_PRIVATE_INSTANCES)',
  );
}

/**
 * Is it a Mastodon server, and does it take PKCE? From 4.3 `/.well-known/oauth-authorization-server`
 * answers (RFC 8414) with Mastodon's own `app_registration_endpoint`; "on Mastodon versions before 4.3.0,
 * requesting this endpoint will result in a 404", and then there is no PKCE.
 * https://docs.joinmastodon.org/methods/oauth/#authorization-server-metadata
 * Without that document the server must show Mastodon's apps API, which every version has (2.0 and later):
 * `GET /api/v1/apps/verify_credentials` without a token answers 401 with an `error`
 * (https://docs.joinmastodon.org/methods/apps/#verify_credentials). Unlike `GET /api/v1/instance` it needs
 * no user token on a server in whitelist mode (https://docs.joinmastodon.org/methods/instance/#v1).
 */
async function discover(ctx: OptionsContext, origin: string): Promise<Result<MastodonOptions, OptionError>> {
  let metadata: ServerMetadata | undefined;
  try {
    const body = await ctx.api.json<unknown>(`${origin}/.well-known/oauth-authorization-server`);
    if (body && typeof body === 'object' && !Array.isArray(body)) metadata = body as ServerMetadata;
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    if (error.kind === 'unavailable') return refuse(`could not be reached: ${error.message}`);
    // A 404 (or anything else that is not the document): an older server, or not Mastodon; the probe says which.
  }
  const pkce =
    Array.isArray(metadata?.code_challenge_methods_supported) &&
    metadata.code_challenge_methods_supported.includes('S256');
  if (typeof metadata?.app_registration_endpoint === 'string') return success({ server: origin, pkce });

  const probe = `${origin}/api/v1/apps/verify_credentials`;
  let response: Response;
  try {
    response = await ctx.outbound.fetch(probe, { headers: { accept: 'application/json' } });
  } catch (error) {
    if (error instanceof OutboundError) return refuse(`could not be reached: ${error.message}`);
    throw error;
  }
  if (response.status === 401) {
    if (hasErrorField(await response.text())) return success({ server: origin, pkce });
    return notMastodon(`${probe} answered 401 without an error object`);
  }
  await response.body?.cancel();
  if (response.status >= 500 || response.status === 429) {
    return refuse(`could not be reached: ${probe} answered ${response.status}`);
  }
  return notMastodon(`${probe} answered ${response.status}`);
}

function notMastodon(detail: string) {
  return refuse(`does not answer like a Mastodon server (${detail})`);
}

/** Mastodon's API errors are a JSON object with an `error` string. */
function hasErrorField(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { error?: unknown } | null;
    return typeof parsed?.error === 'string';
  } catch {
    return false;
  }
}
