/**
 * Facebook: Facebook Login, then the Pages the user manages. Each Page becomes an account with its own
 * Page token; the user token is exchanged for a long-lived one first, so the Page tokens do not expire.
 * @see https://developers.facebook.com/documentation/facebook-login/guides/advanced/manual-flow
 * @see https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
 */
import { extensionGrant } from '../../oauth/token.ts';
import { field, PlatformError } from '../api.ts';
import type { AuthorizationServer, PlatformModule, Target } from '../types.ts';

/**
 * Graph API version, released 2026-07-29. Meta retires versions on a schedule (the Marketing API's v22.0
 * expired 2026-02-19), so this moves forward with Meta's changelog:
 * https://developers.facebook.com/docs/graph-api/changelog/versions
 */
const VERSION = 'v26.0';
const GRAPH = `https://graph.facebook.com/${VERSION}`;
/** Page tasks that allow publishing as the Page. */
const PUBLISHING_TASKS = ['CREATE_CONTENT', 'MANAGE'];
/** Guards against a `paging.next` that never ends. */
const MAX_PAGES_OF_PAGES = 20;

const SERVER: AuthorizationServer = {
  authorizeUrl: `https://www.facebook.com/${VERSION}/dialog/oauth`,
  tokenUrl: `${GRAPH}/oauth/access_token`,
  // Facebook takes client_id and client_secret as parameters, never HTTP Basic.
  clientAuth: 'post',
  // Facebook documents PKCE (S256) for manually built Login flows on these same dialog and token endpoints;
  // it binds each code to its connect session, so a stolen code cannot complete another one. The guide
  // frames it as OIDC and "still in testing"; the app secret is sent as well.
  // https://developers.facebook.com/documentation/facebook-login/guides/advanced/oidc-token
  pkce: 'S256',
  // Facebook's dialog takes a comma-separated scope list.
  scopeSeparator: ',',
  // Facebook remembers declined permissions per user and app and will not ask again unless told to:
  // without this a user who once unticked a permission could never grant it by reconnecting.
  authorizeParams: { auth_type: 'rerequest' },
};

interface GraphPage {
  id?: string;
  name?: string;
  username?: string;
  access_token?: string;
  picture?: { data?: { url?: string } };
  tasks?: string[];
}

export const facebook: PlatformModule = {
  id: 'facebook',
  name: 'Facebook',
  protocol: 'oauth2',
  oauth: {
    server: SERVER,
    scopes: {
      required: ['pages_show_list', 'pages_manage_posts', 'pages_read_engagement'],
      // Needed to see Pages owned through a Business Manager; a user may decline it.
      optional: ['business_management'],
    },

    async afterTokenExchange(ctx, tokens) {
      // Short-lived (1-2 h) user token -> long-lived (~60 days) one.
      const exchanged = await extensionGrant(
        { server: ctx.server, client: ctx.client, outbound: ctx.outbound, now: ctx.now },
        'fb_exchange_token',
        { fb_exchange_token: tokens.accessToken },
      );
      if (!exchanged.ok) {
        throw new PlatformError(
          exchanged.failure.kind,
          exchanged.failure.message,
          `${GRAPH}/oauth/access_token`,
          exchanged.failure.status,
        );
      }
      return { ...exchanged.value, scopes: tokens.scopes };
    },

    // The token response does not list permissions, and users can untick any of them in the dialog.
    async grantedScopes(ctx, tokens) {
      const url = `${GRAPH}/me/permissions`;
      const body = await ctx.api.json<{ data?: Array<{ permission?: string; status?: string }> }>(url, {
        bearer: tokens.accessToken,
      });
      return (body.data ?? [])
        .filter((p) => p.status === 'granted' && p.permission)
        .map((p) => p.permission!);
    },
  },
  // No refresh tokens: a long-lived user token lasts ~60 days and Page tokens made from it do not expire.
  refresh: { kind: 'none' },
  targets: { types: ['page'], userPicks: true, noneFlag: 'not-enough-pages' },
  hosted: { type: 'FACEBOOK' },

  // Facebook has no RFC 7009 endpoint: removing the app's permissions is how a grant is revoked.
  // https://developers.facebook.com/docs/facebook-login/guides/permissions/request-revoke
  async revoke(ctx, tokens) {
    await ctx.api.json(`${GRAPH}/me/permissions`, { bearer: tokens.accessToken, method: 'DELETE' });
  },

  async identity(ctx, tokens) {
    const url = `${GRAPH}/me`;
    const me = await ctx.api.json<{ id?: string; name?: string; picture?: { data?: { url?: string } } }>(
      url,
      {
        bearer: tokens.accessToken,
        query: { fields: 'id,name,picture' },
      },
    );
    return { id: field(me.id, 'id', url), name: me.name ?? '', avatarUrl: me.picture?.data?.url };
  },

  async listTargets(ctx, tokens) {
    const targets: Target[] = [];
    let url: string | undefined = `${GRAPH}/me/accounts`;
    let query: Record<string, string> | undefined = {
      fields: 'id,name,username,access_token,picture{url},tasks',
      limit: '100',
    };
    for (let page = 0; url && page < MAX_PAGES_OF_PAGES; page++) {
      const body: { data?: GraphPage[]; paging?: { next?: string } } = await ctx.api.json(url, {
        bearer: tokens.accessToken,
        ...(query ? { query } : {}),
      });
      for (const p of body.data ?? []) {
        // A Page the user may not publish to is no target (the portal calls that "not enough pages").
        if (p.tasks && !p.tasks.some((t) => PUBLISHING_TASKS.includes(t))) continue;
        targets.push({
          externalId: field(p.id, 'data[].id', url),
          type: 'page',
          name: p.name ?? '',
          username: p.username,
          avatarUrl: p.picture?.data?.url,
          accessToken: field(p.access_token, 'data[].access_token', url),
        });
      }
      // `paging.next` is a complete URL with the query already in it.
      url = body.paging?.next;
      query = undefined;
    }
    return targets;
  },
};
