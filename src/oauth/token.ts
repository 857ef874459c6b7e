/**
 * The token endpoint: authorization code (RFC 6749 §4.1.3), refresh (§6), extension grants (§4.5), and
 * revocation (RFC 7009), on oauth4webapi. Client authentication is the platform's declared strategy.
 * Each platform's deviations from §5.1 are declared as data and fixed here before the response is checked.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
import * as oauth from 'oauth4webapi';
import { type Outbound, OutboundError } from '../outbound/client.ts';
import type { PlatformModule, TokenSet } from '../platforms/types.ts';
import { failure, type OAuthFailure, type Result, success } from './result.ts';

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

interface Parts {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  auth: oauth.ClientAuth;
  options: { [oauth.customFetch]: typeof fetch };
}

function parts(platform: PlatformModule, credentials: OAuthClient, outbound: Outbound): Parts {
  const { oauth: o } = platform;
  return {
    as: {
      issuer: new URL(o.tokenUrl).origin,
      authorization_endpoint: o.authorizeUrl,
      token_endpoint: o.tokenUrl,
      ...(o.revokeUrl ? { revocation_endpoint: o.revokeUrl } : {}),
    },
    client: { client_id: credentials.clientId },
    auth:
      o.clientAuth === 'basic'
        ? oauth.ClientSecretBasic(credentials.clientSecret)
        : oauth.ClientSecretPost(credentials.clientSecret),
    // Every call goes through the outbound client: host overrides, timeouts, logging without secrets.
    options: { [oauth.customFetch]: (input, init) => outbound.fetch(String(input), init) },
  };
}

export async function exchangeCode(
  platform: PlatformModule,
  credentials: OAuthClient,
  outbound: Outbound,
  input: { callback: URLSearchParams; redirectUri: string; codeVerifier: string | undefined },
  now: Date,
): Promise<Result<TokenSet>> {
  const p = parts(platform, credentials, outbound);
  return tokenCall(platform, now, async () => {
    // The state was matched to its session before we got here; oauth4webapi checks the rest (a code, no error).
    const params = oauth.validateAuthResponse(p.as, p.client, input.callback, oauth.skipStateCheck);
    const response = await oauth.authorizationCodeGrantRequest(
      p.as,
      p.client,
      p.auth,
      params,
      input.redirectUri,
      input.codeVerifier ?? oauth.nopkce,
      p.options,
    );
    return oauth.processAuthorizationCodeResponse(p.as, p.client, await normalize(platform, response), {
      requireIdToken: false,
    });
  });
}

export async function refreshTokens(
  platform: PlatformModule,
  credentials: OAuthClient,
  outbound: Outbound,
  refreshToken: string,
  now: Date,
): Promise<Result<TokenSet>> {
  const p = parts(platform, credentials, outbound);
  return tokenCall(platform, now, async () => {
    const response = await oauth.refreshTokenGrantRequest(p.as, p.client, p.auth, refreshToken, p.options);
    return oauth.processRefreshTokenResponse(p.as, p.client, await normalize(platform, response));
  });
}

/** An extension grant at the platform's token endpoint (Facebook's `fb_exchange_token`). */
export async function extensionGrant(
  platform: PlatformModule,
  credentials: OAuthClient,
  outbound: Outbound,
  grantType: string,
  parameters: Record<string, string>,
  now: Date,
): Promise<Result<TokenSet>> {
  const p = parts(platform, credentials, outbound);
  return tokenCall(platform, now, async () => {
    const response = await oauth.genericTokenEndpointRequest(
      p.as,
      p.client,
      p.auth,
      grantType,
      parameters,
      p.options,
    );
    return oauth.processGenericTokenEndpointResponse(p.as, p.client, await normalize(platform, response));
  });
}

/** Revokes a token where the platform offers it (RFC 7009); a platform without revocation is a no-op. */
export async function revokeToken(
  platform: PlatformModule,
  credentials: OAuthClient,
  outbound: Outbound,
  token: string,
  hint: 'access_token' | 'refresh_token',
): Promise<Result<void>> {
  if (!platform.oauth.revokeUrl) return success(undefined);
  const p = parts(platform, credentials, outbound);
  try {
    const response = await oauth.revocationRequest(p.as, p.client, p.auth, token, {
      ...p.options,
      additionalParameters: { token_type_hint: hint },
    });
    await oauth.processRevocationResponse(response);
    return success(undefined);
  } catch (error) {
    return failure(classify(error));
  }
}

async function tokenCall(
  platform: PlatformModule,
  now: Date,
  call: () => Promise<oauth.TokenEndpointResponse>,
): Promise<Result<TokenSet>> {
  try {
    return success(toTokenSet(platform, await call(), now));
  } catch (error) {
    return failure(classify(error));
  }
}

function toTokenSet(platform: PlatformModule, response: oauth.TokenEndpointResponse, now: Date): TokenSet {
  const seconds = (value: unknown) => (typeof value === 'number' && value > 0 ? value : undefined);
  const expiresIn = seconds(response.expires_in);
  const refreshExpiresIn = seconds(response.refresh_token_expires_in);
  const separator = platform.oauth.tokenResponse?.scopeSeparator ?? ' ';
  return {
    accessToken: response.access_token,
    refreshToken: response.refresh_token,
    expiresAt: expiresIn ? new Date(now.getTime() + expiresIn * 1000) : undefined,
    refreshExpiresAt: refreshExpiresIn ? new Date(now.getTime() + refreshExpiresIn * 1000) : undefined,
    scopes:
      typeof response.scope === 'string'
        ? response.scope
            .split(separator)
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined,
  };
}

/** Applies the platform's declared deviations to a successful token response. */
async function normalize(platform: PlatformModule, response: Response): Promise<Response> {
  if (response.status >= 500 || response.status === 429) {
    await response.body?.cancel();
    throw new UnavailableError(response.status);
  }
  const quirks = platform.oauth.tokenResponse;
  if (!response.ok || !quirks) return response;
  const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object')
    throw new oauth.OperationProcessingError('token response is not JSON');
  if (quirks.tokenTypeMayBeMissing && body.token_type === undefined) body.token_type = 'bearer';
  if (quirks.ignoreIdToken) delete body.id_token;
  return new Response(JSON.stringify(body), {
    status: response.status,
    headers: { 'content-type': 'application/json' },
  });
}

class UnavailableError extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`the token endpoint answered ${status}`);
    this.status = status;
  }
}

function classify(error: unknown): OAuthFailure {
  if (error instanceof UnavailableError)
    return { kind: 'unavailable', status: error.status, message: error.message };
  if (error instanceof OutboundError) {
    return { kind: 'unavailable', message: `the token endpoint did not answer (${error.kind})` };
  }
  if (error instanceof oauth.ResponseBodyError) {
    return {
      kind: 'refused',
      error: error.error,
      status: error.status,
      message: `the platform refused: ${error.error}${error.error_description ? ` (${error.error_description})` : ''}`,
    };
  }
  if (error instanceof oauth.AuthorizationResponseError) {
    return { kind: 'refused', error: error.error, message: `the platform refused: ${error.error}` };
  }
  if (error instanceof oauth.OperationProcessingError || error instanceof oauth.UnsupportedOperationError) {
    return { kind: 'garbled', message: `the platform's token response is not usable: ${error.message}` };
  }
  throw error;
}
