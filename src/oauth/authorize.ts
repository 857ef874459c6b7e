/**
 * The authorization request (RFC 6749 §4.1.1) with PKCE (RFC 7636) where the server supports it.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
import * as oauth from 'oauth4webapi';
import type { AuthorizationServer } from './types.ts';

export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  state: string;
  scopes: readonly string[];
  /** Present when the server uses PKCE. */
  codeVerifier?: string | undefined;
}

/** A fresh PKCE verifier, or undefined for servers without PKCE. */
export function newCodeVerifier(server: AuthorizationServer): string | undefined {
  return server.pkce === 'S256' ? oauth.generateRandomCodeVerifier() : undefined;
}

/** The server's authorize URL, on its real host; the caller rewrites it for the browser. */
export async function authorizationUrl(
  server: AuthorizationServer,
  request: AuthorizationRequest,
): Promise<URL> {
  const url = new URL(server.authorizeUrl);
  const params = url.searchParams;
  params.set('response_type', 'code');
  params.set(server.clientIdParam ?? 'client_id', request.clientId);
  params.set('redirect_uri', request.redirectUri);
  params.set('scope', request.scopes.join(server.scopeSeparator));
  params.set('state', request.state);
  if (request.codeVerifier) {
    params.set('code_challenge', await oauth.calculatePKCECodeChallenge(request.codeVerifier));
    params.set('code_challenge_method', 'S256');
  }
  for (const [name, value] of Object.entries(server.authorizeParams ?? {})) params.set(name, value);
  return url;
}
