/** LinkedIn 3-legged OAuth, OIDC userinfo and organization ACLs, as a client following LinkedIn's docs. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SANDBOX_CREDENTIALS } from '../../src/sandbox/index.ts';
import { submitConsent } from '../support/consent.ts';
import { basic, type Json, json, params, postForm, REDIRECT_URI, useTestSandbox } from './helpers.ts';

const { clientId, clientSecret } = SANDBOX_CREDENTIALS.linkedin!;
const SCOPES = 'openid profile email w_member_social rw_organization_admin';
const REST_HEADERS = { 'linkedin-version': '202505', 'x-restli-protocol-version': '2.0.0' };
const DAY = 24 * 3600;

describe('LinkedIn sandbox', () => {
  const sb = useTestSandbox();

  const authorizeUrl = (scope = SCOPES) =>
    `${sb.at('www.linkedin.com', '/oauth/v2/authorization')}?${new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      state: 'li-state',
      scope,
    })}`;
  const tokenUrl = () => sb.at('www.linkedin.com', '/oauth/v2/accessToken');
  const api = (path: string, token: string, headers: Record<string, string> = REST_HEADERS) =>
    fetch(sb.at('api.linkedin.com', path), { headers: { authorization: `Bearer ${token}`, ...headers } });

  async function connect(options: Parameters<typeof submitConsent>[1] = {}, scope = SCOPES) {
    const location = await submitConsent(authorizeUrl(scope), options);
    const response = await postForm(tokenUrl(), {
      grant_type: 'authorization_code',
      code: params(location).get('code')!,
      redirect_uri: REDIRECT_URI,
      client_id: clientId,
      client_secret: clientSecret,
    });
    assert.equal(response.status, 200);
    return json(response);
  }

  const refresh = (refreshToken: string) =>
    postForm(tokenUrl(), {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
      client_secret: clientSecret,
    });

  test('the documented flow: authorize, token, userinfo, organizations, refresh, revoke', async () => {
    const tokens = await connect({ user: 'li-ada' });
    assert.equal(tokens.expires_in, 5_184_000);
    assert.equal(tokens.refresh_token_expires_in, 31_536_000);
    assert.equal(
      tokens.scope,
      'openid,profile,email,w_member_social,rw_organization_admin',
      'scope is comma-separated',
    );

    const info = await json(await api('/v2/userinfo', tokens.access_token, {}));
    assert.deepEqual(Object.keys(info).sort(), [
      'email',
      'email_verified',
      'family_name',
      'given_name',
      'locale',
      'name',
      'picture',
      'sub',
    ]);
    assert.equal(info.sub, 'li-ada');
    assert.equal(info.given_name, 'Ada');
    assert.equal(info.family_name, 'Lovelace');

    const acls = await json(
      await api(
        '/rest/organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED',
        tokens.access_token,
      ),
    );
    assert.deepEqual(
      acls.elements.map((e: Json) => e.organization),
      ['urn:li:organization:90000001', 'urn:li:organization:90000002'],
    );
    assert.deepEqual(acls.elements[0], {
      organization: 'urn:li:organization:90000001',
      role: 'ADMINISTRATOR',
      state: 'APPROVED',
      roleAssignee: 'urn:li:person:li-ada',
    });
    assert.ok(acls.paging);

    const org = await json(await api('/rest/organizations/90000001', tokens.access_token));
    assert.equal(org.id, 90000001);
    assert.equal(org.localizedName, 'Analytical Engines Ltd');
    assert.equal(org.vanityName, 'analytical-engines');
    assert.ok(org.logoV2.original);

    sb.advance(10 * DAY);
    const refreshed = await json(await refresh(tokens.refresh_token));
    assert.equal(refreshed.expires_in, 5_184_000, 'a new 60-day access token');
    assert.equal(
      refreshed.refresh_token_expires_in,
      31_536_000 - 10 * DAY,
      'the refresh token TTL keeps counting down',
    );
    assert.equal(refreshed.refresh_token, tokens.refresh_token);

    const revoked = await postForm(sb.at('www.linkedin.com', '/oauth/v2/revoke'), {
      client_id: clientId,
      client_secret: clientSecret,
      token: refreshed.access_token,
    });
    assert.equal(revoked.status, 200);
    const after = await api('/v2/userinfo', refreshed.access_token, {});
    assert.equal(after.status, 401);
    assert.equal((await json(after)).code, 'REVOKED_ACCESS_TOKEN');
    assert.equal((await refresh(tokens.refresh_token)).status, 400, 'revoking ends the refresh token too');
  });

  test('cancelling redirects with user_cancelled_authorize, not access_denied', async () => {
    const location = await submitConsent(authorizeUrl(), { decision: 'deny' });
    assert.equal(params(location).get('error'), 'user_cancelled_authorize');
    assert.ok(params(location).get('error_description'));
    assert.equal(params(location).get('state'), 'li-state');
  });

  test('an unauthorized scope redirects with unauthorized_scope_error', async () => {
    const location = await submitConsent(authorizeUrl('openid r_everything'));
    assert.equal(params(location).get('error'), 'unauthorized_scope_error');
    assert.match(params(location).get('error_description') ?? '', /r_everything/);
  });

  test('LinkedIn wants client credentials in the body, not HTTP Basic', async () => {
    const location = await submitConsent(authorizeUrl());
    const response = await postForm(
      tokenUrl(),
      { grant_type: 'authorization_code', code: params(location).get('code')!, redirect_uri: REDIRECT_URI },
      { authorization: basic(clientId, clientSecret) },
    );
    assert.equal(response.status, 400);
    assert.equal((await json(response)).error, 'invalid_request');
  });

  test('organizationAcls without LinkedIn-Version fails with VERSION_MISSING', async () => {
    const tokens = await connect();
    const response = await api('/rest/organizationAcls?q=roleAssignee', tokens.access_token, {
      'x-restli-protocol-version': '2.0.0',
    });
    assert.equal(response.status, 400);
    assert.equal((await json(response)).code, 'VERSION_MISSING');
  });

  test('organizationAcls without X-Restli-Protocol-Version 2.0.0 fails', async () => {
    const tokens = await connect();
    const response = await api('/rest/organizationAcls?q=roleAssignee', tokens.access_token, {
      'linkedin-version': '202505',
    });
    assert.equal(response.status, 400);
  });

  test('a malformed LinkedIn-Version is not an active version', async () => {
    const tokens = await connect();
    const response = await api('/rest/organizationAcls?q=roleAssignee', tokens.access_token, {
      'linkedin-version': '2025-05',
      'x-restli-protocol-version': '2.0.0',
    });
    assert.equal(response.status, 426);
  });

  test('organizations need rw_organization_admin: without it the ACL call answers 403', async () => {
    const tokens = await connect({ uncheck: ['rw_organization_admin'] });
    const response = await api(
      '/rest/organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED',
      tokens.access_token,
    );
    assert.equal(response.status, 403);
    assert.equal((await json(response)).code, 'ACCESS_DENIED');
  });

  test('r_organization_admin is enough to list organizations', async () => {
    const tokens = await connect({}, 'openid profile r_organization_admin');
    const response = await api(
      '/rest/organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED',
      tokens.access_token,
    );
    assert.equal(response.status, 200);
  });

  test('without a role filter non-admin roles are listed too', async () => {
    const tokens = await connect();
    const acls = await json(await api('/rest/organizationAcls?q=roleAssignee', tokens.access_token));
    assert.deepEqual(
      acls.elements.map((e: Json) => e.role),
      ['ADMINISTRATOR', 'ADMINISTRATOR', 'ANALYST'],
    );
  });

  test('a member without organizations gets no elements', async () => {
    const tokens = await connect({ user: 'li-noah' });
    const acls = await json(
      await api(
        '/rest/organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED',
        tokens.access_token,
      ),
    );
    assert.deepEqual(acls.elements, []);
  });

  test('an expired LinkedIn access token gets EXPIRED_ACCESS_TOKEN', async () => {
    const tokens = await connect();
    sb.advance(60 * DAY + 1);
    const response = await api('/v2/userinfo', tokens.access_token, {});
    assert.equal(response.status, 401);
    assert.deepEqual(await json(response), {
      status: 401,
      serviceErrorCode: 65601,
      code: 'EXPIRED_ACCESS_TOKEN',
      message: 'The token used in the request has expired',
    });
  });

  test('the refresh token dies 365 days after the first authorization, refreshed or not', async () => {
    const tokens = await connect();
    sb.advance(300 * DAY);
    assert.equal((await refresh(tokens.refresh_token)).status, 200);
    sb.advance(66 * DAY);
    const late = await refresh(tokens.refresh_token);
    assert.equal(late.status, 400);
    assert.equal((await json(late)).error, 'invalid_grant');
  });

  test('userinfo leaves out email without the email scope', async () => {
    const tokens = await connect({ uncheck: ['email'] });
    const info = await json(await api('/v2/userinfo', tokens.access_token, {}));
    assert.equal(info.email, undefined);
    assert.equal(info.name, 'Ada Lovelace');
  });

  test('introspectToken reports an active token with its comma-separated scope', async () => {
    const tokens = await connect();
    const response = await postForm(sb.at('www.linkedin.com', '/oauth/v2/introspectToken'), {
      client_id: clientId,
      client_secret: clientSecret,
      token: tokens.access_token,
    });
    const body = await json(response);
    assert.equal(body.active, true);
    assert.equal(body.status, 'active');
    assert.equal(body.scope, tokens.scope);
  });
});
