/**
 * TikTok: Login Kit for Web (OAuth 2.0 v2 endpoints), then the user's own profile as the one target.
 * @see https://developers.tiktok.com/doc/login-kit-web
 * @see https://developers.tiktok.com/doc/oauth-user-access-token-management
 * @see https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info
 */
import { revokeToken } from '../../oauth/token.ts';
import type { RawTokenResponse } from '../../oauth/types.ts';
import { field, PlatformError } from '../api.ts';
import { type PlatformModule, ownProfile } from '../types.ts';

const API = 'https://open.tiktokapis.com/v2';
/**
 * Needed for `username` (and bio, deep link, verified badge) since the user-info scope migration.
 * https://developers.tiktok.com/bulletin/user-info-scope-migration
 */
const PROFILE_SCOPE = 'user.info.profile';

/**
 * Login Kit answers OAuth errors as `{error, error_description, log_id}` with HTTP 200 (the docs show the
 * body and no status), which an RFC 6749 §5.2 reader would take for a token response. Each documented
 * category gets the status it stands for: a refusal is a 400, TikTok's own trouble a 503.
 * https://developers.tiktok.com/doc/oauth-error-handling
 */
const ERROR_STATUS: Readonly<Record<string, number>> = { server_error: 503, temporarily_unavailable: 503 };

export function normalizeTikTokTokenResponse({ status, body }: RawTokenResponse): RawTokenResponse {
  if (typeof body.error === 'string' && body.error.length > 0) {
    // A 4xx or 5xx is already what it says; only a 2xx carrying an error is rewritten.
    if (status >= 200 && status < 300) return { status: ERROR_STATUS[body.error] ?? 400, body };
    return { status, body };
  }
  // Documented as "The value should be Bearer"; TikTok's tokens are only ever sent as Bearer.
  if (typeof body.access_token === 'string') body.token_type = 'Bearer';
  return { status, body };
}

interface UserInfo {
  data?: {
    user?: { open_id?: string; display_name?: string; username?: string; avatar_url?: string };
  };
  /** Present on every answer, `code: "ok"` on success. https://developers.tiktok.com/doc/tiktok-api-v2-error-handling */
  error?: { code?: string; message?: string };
}

export const tiktok: PlatformModule = {
  id: 'tiktok',
  name: 'TikTok',
  protocol: 'oauth2',
  oauth: {
    server: {
      authorizeUrl: 'https://www.tiktok.com/v2/auth/authorize/',
      tokenUrl: `${API}/oauth/token/`,
      revokeUrl: `${API}/oauth/revoke/`,
      // TikTok calls the client id the client key, in the authorize URL and in the token request body.
      clientIdParam: 'client_key',
      // client_key and client_secret go in the form body of token, refresh and revoke requests.
      clientAuth: 'post',
      // The web authorize page takes no code_challenge, and the token endpoint wants code_verifier
      // "for mobile and desktop app only": web apps authenticate with the client secret.
      pkce: 'none',
      // "A comma (,) separated string of authorization scope(s)."
      scopeSeparator: ',',
      // The token response's `scope` is "a comma-separated list (,) of the scopes the user has agreed to".
      grantedScopeSeparator: ',',
      normalizeTokenResponse: normalizeTikTokTokenResponse,
    },
    scopes: {
      // Publishing needs the open_id and display name (user.info.basic) and Direct Post (video.publish).
      // https://developers.tiktok.com/doc/content-posting-api-get-started
      required: ['user.info.basic', 'video.publish'],
      // Toggleable on the consent page, so a user may untick them: user.info.profile only adds the
      // @username; video.upload only adds sending drafts to the user's inbox, which Direct Post does not need.
      // https://developers.tiktok.com/doc/content-posting-api-get-started-upload-content
      optional: [PROFILE_SCOPE, 'video.upload'],
    },
    // `disable_auto_auth=1` always shows the authorization page, even for a valid TikTok session.
    // https://developers.tiktok.com/doc/login-kit-web
    signInAgainParams: { disable_auto_auth: '1' },
  },
  // Access tokens last 24 hours; "the returned refresh_token may be different than the one passed in the
  // payload. You must use the newly-returned token": each refresh token is used once, the new one stored.
  refresh: { kind: 'oauth2', rotates: true },
  targets: { types: ['profile'], userPicks: false },
  hosted: { type: 'TIKTOK', signInAgainField: 'tiktokForceLogin' },

  // The revoke endpoint takes "the access_token that bears the authorization of the TikTok user" as
  // `token`; the default would send the refresh token.
  async revoke(ctx, tokens) {
    const url = `${API}/oauth/revoke/`;
    const revoked = await revokeToken(
      { server: ctx.server, client: ctx.client, outbound: ctx.outbound },
      tokens.accessToken,
      'access_token',
    );
    if (!revoked.ok) {
      const { kind, message, status } = revoked.failure;
      throw new PlatformError(kind, message, url, status);
    }
  },

  async identity(ctx, tokens) {
    const url = `${API}/user/info/`;
    // A field whose scope was not granted fails the whole call (`scope_permission_missed`): ask for
    // `username` only when user.info.profile was granted. https://developers.tiktok.com/doc/tiktok-api-v2-error-handling
    const fields = ['open_id', 'display_name', 'avatar_url'];
    if (tokens.scopes?.includes(PROFILE_SCOPE)) fields.push('username');
    const info = await ctx.api.json<UserInfo>(url, {
      bearer: tokens.accessToken,
      query: { fields: fields.join(',') },
    });
    if (info.error?.code && info.error.code !== 'ok') {
      throw new PlatformError('refused', `${url} answered ${info.error.code}`, url);
    }
    const user = info.data?.user;
    return {
      id: field(user?.open_id, 'data.user.open_id', url),
      name: user?.display_name ?? user?.username ?? '',
      username: user?.username,
      avatarUrl: user?.avatar_url,
    };
  },

  listTargets: ownProfile,
};
