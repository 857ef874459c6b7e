/**
 * OAuth 2.0 mechanics the platforms share (RFC 6749, RFC 7636): reading parameters and client credentials,
 * building redirects, checking PKCE and redeeming authorization codes. Each platform decides which of these
 * it uses and how it words the failures.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Sandbox } from './sandbox.ts';
import type { AuthorizationCode, Grant } from './store.ts';

/** Flattens a query string or form body to single values (the first one when a name repeats). */
export function singleValues(source: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!source || typeof source !== 'object') return out;
  for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') out[key] = first;
  }
  return out;
}

/** All values of a repeated form field (`scope=a&scope=b`). */
export function allValues(source: unknown, name: string): string[] {
  if (!source || typeof source !== 'object') return [];
  const value = (source as Record<string, unknown>)[name];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

export function isFormRequest(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '')
    .toLowerCase()
    .startsWith('application/x-www-form-urlencoded');
}

/** `Authorization: Basic` credentials, form-urldecoded as RFC 6749 §2.3.1 prescribes. */
export function basicCredentials(request: FastifyRequest): { id: string; secret: string } | undefined {
  const header = request.headers.authorization;
  const match = header && /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const formDecode = (s: string) => {
    try {
      return decodeURIComponent(s.replaceAll('+', ' '));
    } catch {
      return s;
    }
  };
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

/** `Authorization: Bearer` token, if any. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header && /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export function secretsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Appends parameters to a redirect URI, keeping the query it already has (RFC 6749 §3.1.2). */
export function redirectWith(
  redirectUri: string,
  params: Record<string, string | undefined>,
  fragment = '',
): string {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.append(key, value);
  return `${url.toString()}${fragment}`;
}

/** RFC 7636 §4.2: verifiers are 43-128 characters of the unreserved set. */
export function validVerifier(verifier: string): boolean {
  return /^[A-Za-z0-9\-._~]{43,128}$/.test(verifier);
}

/** RFC 7636 §4.6. */
export function pkceMatches(verifier: string, challenge: string, method: string): boolean {
  if (!validVerifier(verifier)) return false;
  const computed = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return secretsEqual(computed, challenge);
}

export type CodeFailure =
  | 'unknown'
  | 'used'
  | 'expired'
  | 'wrong_client'
  | 'redirect_uri_mismatch'
  | 'verifier_missing'
  | 'verifier_mismatch';

/**
 * Redeems an authorization code for an authenticated client. A code is consumed by its first redemption
 * attempt, successful or not: single use (RFC 6749 §4.1.2). redirect_uri must equal the authorize request's
 * (§4.1.3); a code issued with a PKCE challenge needs the matching verifier (RFC 7636 §4.6).
 */
export function redeemCode(
  sandbox: Sandbox,
  platform: string,
  input: { code?: string; clientId: string; redirectUri?: string; codeVerifier?: string },
): { ok: true; code: AuthorizationCode } | { ok: false; reason: CodeFailure } {
  const code = input.code ? sandbox.store.codes.get(input.code) : undefined;
  if (!code || code.platform !== platform) return { ok: false, reason: 'unknown' };
  if (code.clientId !== input.clientId) return { ok: false, reason: 'wrong_client' };
  if (code.used) return { ok: false, reason: 'used' };
  code.used = true;
  if (code.expiresAt <= sandbox.now()) return { ok: false, reason: 'expired' };
  if (input.redirectUri !== code.redirectUri) return { ok: false, reason: 'redirect_uri_mismatch' };
  if (code.codeChallenge !== undefined) {
    if (!input.codeVerifier) return { ok: false, reason: 'verifier_missing' };
    if (!pkceMatches(input.codeVerifier, code.codeChallenge, code.codeChallengeMethod ?? 'plain')) {
      return { ok: false, reason: 'verifier_mismatch' };
    }
  }
  return { ok: true, code };
}

/** The grant a redeemed code starts now, for the code's client, user and scopes. */
export function grantFromCode(
  sandbox: Sandbox,
  code: AuthorizationCode,
  refreshExpiresAt: number | null,
): Grant {
  return sandbox.store.addGrant({
    platform: code.platform,
    clientId: code.clientId,
    userId: code.userId,
    scopes: code.scopes,
    createdAt: sandbox.now(),
    refreshExpiresAt,
  });
}

/** Human wording for a failed redemption, used in error_description / message fields. */
export const CODE_FAILURE_TEXT: Record<CodeFailure, string> = {
  unknown: 'The authorization code is invalid.',
  used: 'The authorization code has already been used.',
  expired: 'The authorization code has expired.',
  wrong_client: 'The authorization code was issued to another client.',
  redirect_uri_mismatch: 'redirect_uri does not match the one used in the authorization request.',
  verifier_missing: 'code_verifier is required: the authorization request carried a code_challenge.',
  verifier_mismatch: 'code_verifier does not match the code_challenge of the authorization request.',
};
