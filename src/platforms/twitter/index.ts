/**
 * X (Twitter): OAuth 2.0 Authorization Code with PKCE; one profile per authorization.
 * @see https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code
 */
import { field } from '../api.ts';
import { type PlatformModule, ownProfile } from '../types.ts';

const API = 'https://api.x.com/2';

interface UsersMe {
  data?: { id?: string; name?: string; username?: string; profile_image_url?: string };
}

export const twitter: PlatformModule = {
  id: 'twitter',
  name: 'X (Twitter)',
  aliases: ['x'],
  protocol: 'oauth2',
  oauth: {
    server: {
      authorizeUrl: 'https://x.com/i/oauth2/authorize',
      tokenUrl: `${API}/oauth2/token`,
      revokeUrl: `${API}/oauth2/revoke`,
      // Confidential clients ("Web App") authenticate with HTTP Basic at the token endpoint.
      clientAuth: 'basic',
      // X requires PKCE on every authorization-code request.
      pkce: 'S256',
      scopeSeparator: ' ',
    },
    scopes: {
      // offline.access is what makes X return a refresh token at all.
      required: ['tweet.read', 'tweet.write', 'users.read', 'offline.access'],
    },
  },
  // Access tokens last 2 hours; each refresh returns a new refresh token and the old one stops working.
  refresh: { kind: 'oauth2', rotates: true },
  targets: { types: ['profile'], userPicks: false },
  hosted: { type: 'TWITTER' },

  async identity(ctx, tokens) {
    const url = `${API}/users/me`;
    const me = await ctx.api.json<UsersMe>(url, {
      bearer: tokens.accessToken,
      query: { 'user.fields': 'profile_image_url' },
    });
    return {
      id: field(me.data?.id, 'data.id', url),
      name: me.data?.name ?? me.data?.username ?? '',
      username: me.data?.username,
      // `_normal` is the 48px rendition; without the suffix X serves the original.
      avatarUrl: me.data?.profile_image_url?.replace('_normal.', '.'),
    };
  },

  listTargets: ownProfile,
};
