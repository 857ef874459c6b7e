/**
 * Threads: Threads' own OAuth (not Facebook Login). The code gives a one-hour token, exchanged at once
 * for a 60-day one that refreshes itself (no refresh token); one profile per authorization.
 * @see https://developers.facebook.com/docs/threads/get-started/get-access-tokens-and-permissions
 * @see https://developers.facebook.com/docs/threads/get-started/long-lived-tokens
 */
import { readTokenResponse } from '../../oauth/token.ts';
import { OutboundError } from '../../outbound/client.ts';
import { field, PlatformError } from '../api.ts';
import {
  type AuthorizationServer,
  type PlatformContext,
  type PlatformModule,
  type TokenSet,
  ownProfile,
} from '../types.ts';

/**
 * "The Threads API can be accessed by either graph.threads.com or graph.threads.net."
 * https://developers.facebook.com/docs/threads/reference
 */
const GRAPH_HOST = 'https://graph.threads.net';
const GRAPH = `${GRAPH_HOST}/v1.0`;
/** Short-lived → long-lived (`th_exchange_token`); unversioned, unlike the rest of the API. */
const EXCHANGE_URL = `${GRAPH_HOST}/access_token`;
/** Long-lived → long-lived again (`th_refresh_token`). */
const REFRESH_URL = `${GRAPH_HOST}/refresh_access_token`;

/**
 * Meta answers token errors in two shapes, neither RFC 6749: the code exchange flat
 * (`{"error_type": "OAuthException", "code": 400, "error_message": "Matching code was not found or was
 * already used"}`, get-access-tokens page), the Graph endpoints nested (`{"error": {"message", "type",
 * "code"}}`). Both become a §5.2 error; the platform's own type and code stay in the description.
 */
function graphError(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const nested =
    body.error && typeof body.error === 'object' ? (body.error as Record<string, unknown>) : undefined;
  if (!nested && body.error_type === undefined && body.error_message === undefined) return undefined;
  const type = nested ? nested.type : body.error_type;
  const code = nested ? nested.code : body.code;
  const message = nested ? nested.message : body.error_message;
  return {
    // An OAuthException at a token endpoint is about what was presented: the code or the token.
    error: type === 'OAuthException' ? 'invalid_grant' : 'invalid_request',
    error_description:
      `${String(message ?? 'no message')} (${String(type ?? 'unknown')} ${String(code ?? '')})`.trim(),
  };
}

const SERVER: AuthorizationServer = {
  // The Authorization Window; the docs show it on threads.com (current) and threads.net (earlier). The
  // approval redirect ends in `#_`: a fragment never reaches the server, so there is nothing to strip.
  authorizeUrl: 'https://threads.com/oauth/authorize',
  tokenUrl: `${GRAPH_HOST}/oauth/access_token`,
  // "Include the following parameters in your POST request body": client_id, client_secret.
  clientAuth: 'post',
  // The docs describe no PKCE; the web flow authenticates with the app secret.
  pkce: 'none',
  // "A comma-separated list, or URL-encoded space-separated list, of permissions".
  scopeSeparator: ',',
  normalizeTokenResponse: ({ status, body }) => {
    const error = graphError(body);
    if (error) return { status: 400, body: error };
    // The code exchange answers `"user_id": 17841405793187218`, wider than a double holds: parsed as a
    // JSON number it is already wrong. It is dropped so nothing can use it; the id comes from /me.
    delete body.user_id;
    // The code exchange sends no token_type (sample success response); the token is a bearer token.
    if (body.access_token !== undefined && body.token_type === undefined) body.token_type = 'bearer';
    return { status, body };
  },
};

/**
 * A GET at one of the Graph token endpoints outside the OAuth token endpoint, its answer checked like
 * any token response. GET, not a POST form, because "Use the GET /access_token endpoint" and
 * "GET /refresh_access_token" with "query string parameters" are all the docs give, and users of the
 * Instagram twin of these endpoints report that only GET works there
 * (https://github.com/stevenschobert/instafeed.js/issues/654). So the app secret and the token ride in
 * the query string; they never reach Portico's logs: the outbound client, the access log and
 * PlatformError keep origin and path only.
 */
async function graphTokenGet(
  ctx: PlatformContext,
  url: string,
  params: Record<string, string>,
): Promise<TokenSet> {
  const target = new URL(url);
  for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
  let response: Response;
  try {
    response = await ctx.outbound.fetch(target, { method: 'GET', headers: { accept: 'application/json' } });
  } catch (error) {
    if (error instanceof OutboundError) {
      throw new PlatformError('unavailable', `${url} did not answer (${error.kind})`, url, undefined, {
        cause: error,
      });
    }
    throw error;
  }
  const read = await readTokenResponse(
    { server: ctx.server, client: ctx.client, outbound: ctx.outbound, now: ctx.now },
    response,
  );
  if (!read.ok) throw new PlatformError(read.failure.kind, read.failure.message, url, read.failure.status);
  return read.value;
}

export const threads: PlatformModule = {
  id: 'threads',
  name: 'Threads',
  protocol: 'oauth2',
  oauth: {
    server: SERVER,
    // Cancel redirects with error=access_denied (and error_reason=user_denied): the standard denial.
    scopes: {
      // threads_basic: "Required for all Threads endpoints"; threads_content_publish: for publishing.
      // https://developers.facebook.com/docs/threads/get-started
      required: ['threads_basic', 'threads_content_publish'],
    },

    // The code gives a one-hour token; the 60-day one is what a grant keeps and refreshes.
    // https://developers.facebook.com/docs/threads/get-started/long-lived-tokens
    async afterTokenExchange(ctx, tokens) {
      const long = await graphTokenGet(ctx, EXCHANGE_URL, {
        grant_type: 'th_exchange_token',
        client_secret: ctx.client.clientSecret,
        access_token: tokens.accessToken,
      });
      return { ...long, scopes: tokens.scopes };
    },

    // The token response lists no permissions and the user may untick some; /debug_token's
    // `data.scopes` is "List of permissions that the user has granted for the app in this access token".
    // The token inspects itself: input_token must be in the query anyway, so access_token there adds no
    // exposure. The docs ask for "a user access token of a Threads tester" as access_token; whether a
    // non-tester's token may inspect itself is not documented (if not, the connect fails: platform_error).
    // https://developers.facebook.com/docs/threads/troubleshooting/debug-access-token
    async grantedScopes(ctx, tokens) {
      const url = `${GRAPH}/debug_token`;
      const body = await ctx.api.json<{ data?: { scopes?: unknown } }>(url, {
        query: { input_token: tokens.accessToken, access_token: tokens.accessToken },
      });
      const scopes = body.data?.scopes;
      if (!Array.isArray(scopes))
        throw new PlatformError('garbled', `${url} answered without data.scopes`, url);
      return scopes.filter((s): s is string => typeof s === 'string');
    },
  },

  // "Long-lived tokens ... can be refreshed as long as they are at least 24 hours old but have not
  // expired"; the refresh presents the long-lived token itself and gives 60 days again. The scheduler
  // refreshes a quarter-lifetime (15 days) before expiry, long after the first 24 hours.
  // https://developers.facebook.com/docs/threads/get-started/long-lived-tokens#refresh-a-long-lived-token
  refresh: {
    kind: 'exchange',
    refresh: (ctx, accessToken) =>
      graphTokenGet(ctx, REFRESH_URL, { grant_type: 'th_refresh_token', access_token: accessToken }),
  },
  targets: { types: ['profile'], userPicks: false },
  hosted: { type: 'THREADS' },
  // No revoke: Threads documents no endpoint to revoke a token or remove an app's permissions.

  // The id comes from here, never from the code exchange's `user_id` (see the normaliser).
  // https://developers.facebook.com/docs/threads/threads-profiles
  async identity(ctx, tokens) {
    const url = `${GRAPH}/me`;
    const me = await ctx.api.json<{
      id?: string;
      username?: string;
      name?: string;
      threads_profile_picture_url?: string;
    }>(url, {
      bearer: tokens.accessToken,
      query: { fields: 'id,username,name,threads_profile_picture_url' },
    });
    return {
      id: field(me.id, 'id', url),
      name: me.name || me.username || '',
      username: me.username,
      avatarUrl: me.threads_profile_picture_url,
    };
  },

  listTargets: ownProfile,
};
