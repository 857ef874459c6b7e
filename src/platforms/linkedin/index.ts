/**
 * LinkedIn: the member (OpenID Connect userinfo) plus the organizations (Company Pages) they administer.
 * @see https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow
 * @see https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-access-control-by-role
 */
import { field } from '../api.ts';
import type { PlatformModule, Target } from '../types.ts';

/**
 * LinkedIn's versioned REST API wants the version (YYYYMM) on every call; each monthly version is supported
 * for at least a year, then answers 426 (202510 was sunset on 2026-10-15).
 * https://learn.microsoft.com/en-us/linkedin/marketing/versioning
 */
const REST_HEADERS = { 'LinkedIn-Version': '202607', 'X-Restli-Protocol-Version': '2.0.0' };
const ORG_SCOPES = ['rw_organization_admin', 'r_organization_admin'];

interface Acl {
  organization?: string;
  role?: string;
  state?: string;
}

export const linkedin: PlatformModule = {
  id: 'linkedin',
  name: 'LinkedIn',
  protocol: 'oauth2',
  oauth: {
    server: {
      authorizeUrl: 'https://www.linkedin.com/oauth/v2/authorization',
      tokenUrl: 'https://www.linkedin.com/oauth/v2/accessToken',
      revokeUrl: 'https://www.linkedin.com/oauth/v2/revoke',
      // LinkedIn takes client_id and client_secret in the form body.
      clientAuth: 'post',
      // PKCE is only for LinkedIn-enabled native clients (loopback redirects); web apps use the client
      // secret. What that leaves open is in docs/security.md.
      // https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow-native
      pkce: 'none',
      scopeSeparator: ' ',
      // The granted scope comes back comma-separated ("email,openid,profile,w_member_social").
      grantedScopeSeparator: ',',
      normalizeTokenResponse: ({ status, body }) => {
        // Samples of the token response carry no token_type; the token is a bearer token.
        if (body.access_token !== undefined && body.token_type === undefined) body.token_type = 'bearer';
        // With `openid` an ID token comes along; identity is read from /v2/userinfo instead.
        delete body.id_token;
        return { status, body };
      },
    },
    scopes: {
      required: ['openid', 'profile', 'w_member_social'],
      // Company Pages need the Community Management API product; without them the member still connects.
      optional: ['email', 'rw_organization_admin', 'w_organization_social'],
    },
    // Cancel on the consent screen or at sign-in; LinkedIn does not say access_denied.
    deniedErrors: ['user_cancelled_authorize', 'user_cancelled_login'],
  },
  // 60-day access tokens; the 365-day refresh token does not extend when used.
  refresh: { kind: 'oauth2', rotates: false },
  targets: { types: ['profile', 'organization'], userPicks: true, noneFlag: 'not-enough-channels' },
  hosted: { type: 'LINKEDIN' },
  async identity(ctx, tokens) {
    const url = 'https://api.linkedin.com/v2/userinfo';
    const me = await ctx.api.json<{ sub?: string; name?: string; picture?: string; email?: string }>(url, {
      bearer: tokens.accessToken,
    });
    return { id: field(me.sub, 'sub', url), name: me.name ?? '', avatarUrl: me.picture };
  },

  async listTargets(ctx, tokens, identity) {
    const member: Target = {
      externalId: `urn:li:person:${identity.id}`,
      type: 'profile',
      name: identity.name,
      avatarUrl: identity.avatarUrl,
    };
    if (!tokens.scopes?.some((s) => ORG_SCOPES.includes(s))) return [member];
    const aclUrl = 'https://api.linkedin.com/rest/organizationAcls';
    const acls = await ctx.api.json<{ elements?: Acl[] }>(aclUrl, {
      bearer: tokens.accessToken,
      headers: REST_HEADERS,
      query: { q: 'roleAssignee', role: 'ADMINISTRATOR', state: 'APPROVED', count: '100' },
    });
    const organizations: Target[] = [];
    for (const acl of acls.elements ?? []) {
      const urn = field(acl.organization, 'elements[].organization', aclUrl);
      const id = urn.split(':').pop()!;
      const orgUrl = `https://api.linkedin.com/rest/organizations/${encodeURIComponent(id)}`;
      const org = await ctx.api.json<{ id?: number | string; localizedName?: string; vanityName?: string }>(
        orgUrl,
        {
          bearer: tokens.accessToken,
          headers: REST_HEADERS,
        },
      );
      organizations.push({
        externalId: urn,
        type: 'organization',
        name: org.localizedName ?? '',
        username: org.vanityName,
      });
    }
    return [member, ...organizations];
  },
};
