/**
 * What the OAuth mechanics speak: an authorization server as data (endpoints, client authentication,
 * PKCE, scope spelling, token-response deviations), an OAuth client, and the tokens a grant gives. Platform
 * modules describe themselves in these terms; `src/oauth/` knows nothing of platforms.
 */

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

/**
 * Puts the client's credentials on a token-endpoint request (token, refresh, revoke). `basic` is HTTP
 * Basic (RFC 6749 §2.3.1), `post` is form fields; a function does it any other way.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export type ClientAuthMethod =
  | 'basic'
  | 'post'
  | ((client: OAuthClient, body: URLSearchParams, headers: Headers) => void);

/** A token-endpoint response as read off the wire, before RFC 6749 §5.1 is checked. */
export interface RawTokenResponse {
  status: number;
  body: Record<string, unknown>;
}

export interface AuthorizationServer {
  authorizeUrl: string;
  tokenUrl: string;
  /** RFC 7009 revocation endpoint, when the platform has one. */
  revokeUrl?: string | undefined;
  /** The client id's parameter name in the authorize URL and in `post` client auth (TikTok: `client_key`). @default 'client_id' */
  clientIdParam?: string | undefined;
  clientAuth: ClientAuthMethod;
  pkce: 'S256' | 'none';
  /** Fixed extra parameters on the authorize URL. */
  authorizeParams?: Readonly<Record<string, string>> | undefined;
  /** Joins the requested scopes in the authorize URL. */
  scopeSeparator: ' ' | ',';
  /** Splits the granted `scope` of a token response. @default ' ' */
  grantedScopeSeparator?: ' ' | ',' | undefined;
  /**
   * Turns the platform's token response into an RFC 6749 one before it is checked (a missing
   * `token_type`, an unused `id_token`, errors sent as HTTP 200...). Gets and returns a copy.
   */
  normalizeTokenResponse?: ((response: RawTokenResponse) => RawTokenResponse) | undefined;
}

/** Tokens as one authorization (or refresh) gave them. */
export interface TokenSet {
  accessToken: string;
  refreshToken?: string | undefined;
  expiresAt?: Date | undefined;
  refreshExpiresAt?: Date | undefined;
  /** Scopes the platform says it granted, when it says; undefined when the response is silent. */
  scopes?: string[] | undefined;
  /**
   * The token response's other fields (Discord's `guild`, Slack's `team`, TikTok's `open_id`), tokens
   * removed. Non-enumerable, so a logged TokenSet never carries it.
   */
  readonly raw?: Readonly<Record<string, unknown>>;
}

/** Attaches `raw` without making it enumerable: it must never reach a log line or a JSON body. */
export function withRaw(tokens: Omit<TokenSet, 'raw'>, raw: Record<string, unknown>): TokenSet {
  const rest = Object.fromEntries(
    Object.entries(raw).filter(([key]) => !['access_token', 'refresh_token', 'id_token'].includes(key)),
  );
  return Object.defineProperty({ ...tokens }, 'raw', { value: rest, enumerable: false });
}
