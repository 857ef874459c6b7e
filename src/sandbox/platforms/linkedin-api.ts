/**
 * The LinkedIn member and organization APIs (api.linkedin.com): OpenID Connect userinfo and, under the
 * versioned /rest base, the organizations a member has a role in.
 * Docs: https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2
 *       https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-access-control-by-role
 *       https://learn.microsoft.com/en-us/linkedin/marketing/versioning
 *       https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/protocol-version
 *       https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken, singleValues } from '../oauth.ts';
import type { Sandbox, TokenCheck } from '../sandbox.ts';
import type { SimTarget } from '../users.ts';

/** organizationAcls needs one of these (organization-access-control-by-role doc, "Permissions"). */
const ORG_ADMIN_SCOPES = ['rw_organization_admin', 'r_organization_admin'];
/** Versioned APIs need `LinkedIn-Version: YYYYMM` or `YYYYMM.RR` (versioning doc). */
const VERSION_FORMAT = /^\d{4}(0[1-9]|1[0-2])(\.\d{2})?$/;

/** Errors of the /v2 and /rest APIs: `{status, serviceErrorCode, code, message}`. */
function apiError(reply: FastifyReply, status: number, code: string, message: string, serviceErrorCode = 0) {
  return reply.code(status).send({ status, serviceErrorCode, code, message });
}

export function slug(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

export function registerLinkedInApi(app: FastifyInstance, sandbox: Sandbox): void {
  app.get('/api.linkedin.com/v2/userinfo', (request, reply) => userinfo(sandbox, request, reply));
  app.get('/api.linkedin.com/rest/organizationAcls', (request, reply) =>
    organizationAcls(sandbox, request, reply),
  );
  app.get<{ Params: { id: string } }>('/api.linkedin.com/rest/organizations/:id', (request, reply) =>
    organization(sandbox, request, reply, request.params.id),
  );
}

/** 401s in the error-handling doc's words. */
function tokenError(reply: FastifyReply, check: Exclude<TokenCheck, { ok: true }>) {
  switch (check.reason) {
    case 'missing':
      return apiError(reply, 401, 'EMPTY_ACCESS_TOKEN', 'Empty oauth2_access_token', 401);
    case 'invalid':
      return apiError(reply, 401, 'INVALID_ACCESS_TOKEN', 'Invalid access token', 65600);
    case 'expired':
      return apiError(reply, 401, 'EXPIRED_ACCESS_TOKEN', 'The token used in the request has expired', 65601);
    case 'revoked':
      return apiError(
        reply,
        401,
        'REVOKED_ACCESS_TOKEN',
        'The token used in the request has been revoked by the user',
        65602,
      );
  }
}

/** GET /v2/userinfo (OpenID Connect): needs openid; email fields only with the email scope. */
async function userinfo(sandbox: Sandbox, request: FastifyRequest, reply: FastifyReply) {
  const checked = sandbox.checkAccessToken('linkedin', bearerToken(request));
  if (!checked.ok) return tokenError(reply, checked);
  const { grant, user } = checked;
  if (!grant.scopes.includes('openid')) {
    return apiError(
      reply,
      403,
      'ACCESS_DENIED',
      'Not enough permissions to access: userinfo.GET.NO_VERSION',
      100,
    );
  }
  const [givenName, ...rest] = user.name.split(' ');
  return {
    sub: user.id,
    ...(grant.scopes.includes('profile')
      ? {
          name: user.name,
          given_name: givenName,
          family_name: rest.join(' '),
          picture: user.pictureUrl,
          locale: 'en-US',
        }
      : {}),
    ...(grant.scopes.includes('email') ? { email: user.email, email_verified: true } : {}),
  };
}

/**
 * The /rest endpoints need `LinkedIn-Version` (a missing header is an error, the latest version is not
 * assumed) and this simulator also insists on `X-Restli-Protocol-Version: 2.0.0`: LinkedIn would fall back
 * to protocol 1.0, whose URN and key encoding differ, so a client that forgets it is wrong anyway.
 */
function versionHeadersMissing(request: FastifyRequest, reply: FastifyReply): boolean {
  const version = request.headers['linkedin-version'];
  if (typeof version !== 'string' || version === '') {
    void apiError(
      reply,
      400,
      'VERSION_MISSING',
      'A version must be present. Please specify a version by adding the LinkedIn-Version header.',
    );
    return true;
  }
  if (!VERSION_FORMAT.test(version)) {
    void apiError(reply, 426, 'NONEXISTENT_VERSION', `Requested version ${version} is not active`);
    return true;
  }
  if (request.headers['x-restli-protocol-version'] !== '2.0.0') {
    void apiError(
      reply,
      400,
      'PROTOCOL_VERSION_REQUIRED',
      'Sandbox: send X-Restli-Protocol-Version: 2.0.0 (without it LinkedIn falls back to Rest.li protocol 1.0).',
    );
    return true;
  }
  return false;
}

function orgAccess(sandbox: Sandbox, request: FastifyRequest, reply: FastifyReply, resource: string) {
  if (versionHeadersMissing(request, reply)) return undefined;
  const checked = sandbox.checkAccessToken('linkedin', bearerToken(request));
  if (!checked.ok) {
    void tokenError(reply, checked);
    return undefined;
  }
  if (!ORG_ADMIN_SCOPES.some((s) => checked.grant.scopes.includes(s))) {
    const version = request.headers['linkedin-version'] as string;
    void apiError(
      reply,
      403,
      'ACCESS_DENIED',
      `Not enough permissions to access: ${resource}.${version}`,
      100,
    );
    return undefined;
  }
  return checked;
}

/** GET /rest/organizationAcls?q=roleAssignee[&role=ADMINISTRATOR][&state=APPROVED][&start&count]. */
async function organizationAcls(sandbox: Sandbox, request: FastifyRequest, reply: FastifyReply) {
  const checked = orgAccess(sandbox, request, reply, 'organizationAcls.FINDER-roleAssignee');
  if (!checked) return reply;
  const q = singleValues(request.query);
  if (q.q !== 'roleAssignee') {
    return apiError(
      reply,
      400,
      'ILLEGAL_ARGUMENT',
      `Invalid query parameter q: ${q.q ?? ''} (sandbox supports roleAssignee)`,
    );
  }
  if (q.state !== undefined && q.state !== 'APPROVED' && q.state !== 'REQUESTED' && q.state !== 'REJECTED') {
    return apiError(reply, 400, 'ILLEGAL_ARGUMENT', `Invalid value for state: ${q.state}`);
  }
  const start = Math.max(Number.parseInt(q.start ?? '0', 10) || 0, 0);
  const count = Math.min(Math.max(Number.parseInt(q.count ?? '10', 10) || 10, 1), 100);
  // Every simulated ACL is APPROVED.
  const acls = checked.user.targets
    .map((t) => ({ target: t, role: t.role ?? 'ADMINISTRATOR' }))
    .filter((a) => q.role === undefined || a.role === q.role)
    .filter(() => q.state === undefined || q.state === 'APPROVED');
  const elements = acls.slice(start, start + count).map((a) => ({
    organization: `urn:li:organization:${a.target.id}`,
    role: a.role,
    state: 'APPROVED',
    roleAssignee: `urn:li:person:${checked.user.id}`,
  }));
  return { elements, paging: { start, count, total: acls.length, links: [] } };
}

/** GET /rest/organizations/{id}: name, vanity name and logo of an organization the member has a role in. */
async function organization(sandbox: Sandbox, request: FastifyRequest, reply: FastifyReply, id: string) {
  const checked = orgAccess(sandbox, request, reply, 'organizations.GET');
  if (!checked) return reply;
  const org: SimTarget | undefined = checked.user.targets.find((t) => t.id === id);
  if (!org) return apiError(reply, 404, 'NOT_FOUND', `Organization ${id} not found`, 0);
  return {
    id: Number(org.id),
    localizedName: org.name,
    vanityName: org.handle ?? slug(org.name),
    name: { localized: { en_US: org.name }, preferredLocale: { country: 'US', language: 'en' } },
    logoV2: {
      original: `urn:li:digitalmediaAsset:sandbox-${org.id}`,
      cropped: `urn:li:digitalmediaAsset:sandbox-${org.id}-cropped`,
      cropInfo: { x: 0, y: 0, width: 400, height: 400 },
    },
  };
}
