/**
 * The token endpoint: authorization code (RFC 6749 §4.1.3), refresh (§6), client credentials (§4.4),
 * extension grants (§4.5), and revocation (RFC 7009), on oauth4webapi. Client authentication is the
 * server's declared strategy; its deviations from §5.1 are fixed by its normaliser before the response is
 * checked. Sending and checking are separate steps, so the checks are tested on canned responses.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
import * as oauth from 'oauth4webapi';
import { type Outbound, OutboundError } from '../outbound/client.ts';
import { failure, type OAuthFailure, type Result, success } from './result.ts';
import {
  type AuthorizationServer,
  type ClientAuthMethod,
  type OAuthClient,
  type TokenSet,
  withRaw,
} from './types.ts';

interface Parts {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  auth: oauth.ClientAuth;
  options: { [oauth.customFetch]: typeof fetch };
}

/** The strategy for a declared client-auth method; `post` honours a renamed client-id parameter. */
export function clientAuthentication(
  server: AuthorizationServer,
  credentials: OAuthClient,
): oauth.ClientAuth {
  const method: ClientAuthMethod = server.clientAuth;
  if (typeof method === 'function') {
    return (_as, _client, body, headers) => method(credentials, body, headers);
  }
  if (method === 'basic') return oauth.ClientSecretBasic(credentials.clientSecret);
  const idParam = server.clientIdParam ?? 'client_id';
  if (idParam === 'client_id') return oauth.ClientSecretPost(credentials.clientSecret);
  return (_as, _client, body) => {
    body.set(idParam, credentials.clientId);
    body.set('client_secret', credentials.clientSecret);
  };
}

function parts(server: AuthorizationServer, credentials: OAuthClient, outbound: Outbound): Parts {
  return {
    as: {
      issuer: new URL(server.tokenUrl).origin,
      authorization_endpoint: server.authorizeUrl,
      token_endpoint: server.tokenUrl,
      ...(server.revokeUrl ? { revocation_endpoint: server.revokeUrl } : {}),
    },
    client: { client_id: credentials.clientId },
    auth: clientAuthentication(server, credentials),
    // Every call goes through the outbound client: host overrides, timeouts, logging without secrets.
    options: { [oauth.customFetch]: (input, init) => outbound.fetch(String(input), init) },
  };
}

export interface TokenCall {
  server: AuthorizationServer;
  client: OAuthClient;
  outbound: Outbound;
  now: Date;
}

export async function exchangeCode(
  call: TokenCall,
  input: { callback: URLSearchParams; redirectUri: string; codeVerifier: string | undefined },
): Promise<Result<TokenSet>> {
  const p = parts(call.server, call.client, call.outbound);
  return settle(call, async () => {
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
    return oauth.processAuthorizationCodeResponse(p.as, p.client, await normalize(call.server, response), {
      requireIdToken: false,
    });
  });
}

export async function refreshTokens(call: TokenCall, refreshToken: string): Promise<Result<TokenSet>> {
  const p = parts(call.server, call.client, call.outbound);
  return settle(call, async () => {
    const response = await oauth.refreshTokenGrantRequest(p.as, p.client, p.auth, refreshToken, p.options);
    return oauth.processRefreshTokenResponse(p.as, p.client, await normalize(call.server, response));
  });
}

/** An app-only token (RFC 6749 §4.4); Mastodon uses one to check that a registration still exists. */
export async function clientCredentials(call: TokenCall, scope?: string): Promise<Result<TokenSet>> {
  const p = parts(call.server, call.client, call.outbound);
  return settle(call, async () => {
    const response = await oauth.clientCredentialsGrantRequest(
      p.as,
      p.client,
      p.auth,
      scope ? { scope } : {},
      p.options,
    );
    return oauth.processClientCredentialsResponse(p.as, p.client, await normalize(call.server, response));
  });
}

/** An extension grant at the token endpoint (Facebook's `fb_exchange_token`). */
export async function extensionGrant(
  call: TokenCall,
  grantType: string,
  parameters: Record<string, string>,
): Promise<Result<TokenSet>> {
  const p = parts(call.server, call.client, call.outbound);
  return settle(call, async () => {
    const response = await oauth.genericTokenEndpointRequest(
      p.as,
      p.client,
      p.auth,
      grantType,
      parameters,
      p.options,
    );
    return oauth.processGenericTokenEndpointResponse(p.as, p.client, await normalize(call.server, response));
  });
}

/**
 * A token response that did not come from the token endpoint's POST (Threads' `th_exchange_token` and
 * `th_refresh_token` are GETs elsewhere): checked and read the same way.
 */
export async function readTokenResponse(call: TokenCall, response: Response): Promise<Result<TokenSet>> {
  const p = parts(call.server, call.client, call.outbound);
  return settle(call, async () =>
    oauth.processGenericTokenEndpointResponse(p.as, p.client, await normalize(call.server, response)),
  );
}

/** Revokes a token (RFC 7009); a server without revocation is a no-op. */
export async function revokeToken(
  call: Omit<TokenCall, 'now'>,
  token: string,
  hint: 'access_token' | 'refresh_token',
): Promise<Result<void>> {
  if (!call.server.revokeUrl) return success(undefined);
  const p = parts(call.server, call.client, call.outbound);
  try {
    const response = await oauth.revocationRequest(p.as, p.client, p.auth, token, {
      ...p.options,
      additionalParameters: { token_type_hint: hint },
    });
    // RFC 7009 §2.2: success is HTTP 200 with any body; a platform that answers refusals with 200 too says
    // so through its normaliser, which sees the body when there is one.
    await oauth.processRevocationResponse(await normalize(call.server, response, { emptyOk: true }));
    return success(undefined);
  } catch (error) {
    return failure(classify(error));
  }
}

async function settle(
  call: TokenCall,
  run: () => Promise<oauth.TokenEndpointResponse>,
): Promise<Result<TokenSet>> {
  try {
    return success(toTokenSet(call.server, await run(), call.now));
  } catch (error) {
    return failure(classify(error));
  }
}

export function toTokenSet(
  server: AuthorizationServer,
  response: oauth.TokenEndpointResponse,
  now: Date,
): TokenSet {
  const seconds = (value: unknown) => (typeof value === 'number' && value > 0 ? value : undefined);
  const expiresIn = seconds(response.expires_in);
  const refreshExpiresIn = seconds(response.refresh_token_expires_in ?? response.refresh_expires_in);
  const separator = server.grantedScopeSeparator ?? ' ';
  return withRaw(
    {
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
    },
    response as Record<string, unknown>,
  );
}

/**
 * Classifies unavailability, then applies the server's normaliser to what came back, then classifies
 * again: a normaliser may reveal a 200 that was really an outage.
 */
export async function normalize(
  server: AuthorizationServer,
  response: Response,
  options: { emptyOk?: boolean } = {},
): Promise<Response> {
  throwIfUnavailable(response);
  if (!server.normalizeTokenResponse) return response;
  const text = await response.text();
  if (options.emptyOk && text.trim() === '') return new Response(null, { status: response.status });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    if (options.emptyOk) return new Response(text, { status: response.status });
    throw new oauth.OperationProcessingError('the token response is not JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new oauth.OperationProcessingError('the token response is not a JSON object');
  }
  const fixed = server.normalizeTokenResponse({
    status: response.status,
    body: { ...(body as Record<string, unknown>) },
  });
  const normalized = new Response(JSON.stringify(fixed.body), {
    status: fixed.status,
    headers: { 'content-type': 'application/json' },
  });
  throwIfUnavailable(normalized);
  return normalized;
}

function throwIfUnavailable(response: Response): void {
  if (response.status >= 500 || response.status === 429) {
    void response.body?.cancel();
    throw new UnavailableError(response.status, retryAfterMs(response.headers.get('retry-after')));
  }
}

/** RFC 9110 §10.2.3: `Retry-After` is delay-seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

class UnavailableError extends Error {
  readonly status: number;
  readonly retryAfterMs: number | undefined;
  constructor(status: number, retryAfterMs: number | undefined) {
    super(`the token endpoint answered ${status}`);
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Who failed: the network or an overloaded platform, the platform refusing, or the platform garbling. */
export function classify(error: unknown): OAuthFailure {
  if (error instanceof UnavailableError)
    return {
      kind: 'unavailable',
      status: error.status,
      message: error.message,
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    };
  if (error instanceof OutboundError) {
    return { kind: 'unavailable', message: `the token endpoint did not answer (${error.kind})` };
  }
  if (error instanceof oauth.ResponseBodyError) {
    return {
      kind: 'refused',
      error: error.error,
      status: error.status,
      message: `the platform refused: ${error.error}${error.error_description ? ` (${error.error_description.slice(0, 200)})` : ''}`,
    };
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    // RFC 6750 §3: a 401 with a challenge (Doorkeeper adds one to every token-endpoint error) names the
    // error there; oauth4webapi reports it before reading the body.
    const challenge = error.cause.find((c) => c.parameters.error) ?? error.cause[0];
    const code = challenge?.parameters.error;
    return {
      kind: 'refused',
      error: code,
      status: error.status,
      message: `the platform refused: ${code ?? `HTTP ${error.status}`}${
        challenge?.parameters.error_description
          ? ` (${challenge.parameters.error_description.slice(0, 200)})`
          : ''
      }`,
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
