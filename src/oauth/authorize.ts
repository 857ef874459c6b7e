/**
 * The authorization request (RFC 6749 §4.1.1) with PKCE (RFC 7636) where the platform supports it.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
import * as oauth from 'oauth4webapi';
import type { PlatformModule } from '../platforms/types.ts';

export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  state: string;
  /** Present when the platform uses PKCE. */
  codeVerifier?: string | undefined;
}

/** A fresh PKCE verifier, or undefined for platforms without PKCE. */
export function newCodeVerifier(platform: PlatformModule): string | undefined {
  return platform.oauth.pkce === 'S256' ? oauth.generateRandomCodeVerifier() : undefined;
}

export function requestedScopes(platform: PlatformModule): string[] {
  return [...platform.oauth.scopes.required, ...(platform.oauth.scopes.optional ?? [])];
}

/** The platform's authorize URL, on its real host; the caller rewrites it for the browser. */
export async function authorizationUrl(
  platform: PlatformModule,
  request: AuthorizationRequest,
): Promise<URL> {
  const url = new URL(platform.oauth.authorizeUrl);
  const params = url.searchParams;
  params.set('response_type', 'code');
  params.set('client_id', request.clientId);
  params.set('redirect_uri', request.redirectUri);
  params.set('scope', requestedScopes(platform).join(platform.oauth.scopes.separator));
  params.set('state', request.state);
  if (request.codeVerifier) {
    params.set('code_challenge', await oauth.calculatePKCECodeChallenge(request.codeVerifier));
    params.set('code_challenge_method', 'S256');
  }
  for (const [name, value] of Object.entries(platform.oauth.authorizeParams ?? {})) params.set(name, value);
  return url;
}
