/**
 * The authorization-code and refresh-token grants (RFC 6749 §4.1.3 and §6) as the simulated token
 * endpoints share them: reading the form and authenticating the client, the user's failure scenario, the
 * code's single use, the refresh token's checks and rotation. Each platform keeps what differs: how its
 * client authenticates, its wording of each failure, and its response body.
 */
import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { grantedTo, type SandboxClient } from './clients.ts';
import { type CodeFailure, grantFromCode, isFormRequest, redeemCode, singleValues } from './oauth.ts';
import type { Sandbox } from './sandbox.ts';
import { answeredByScenario, type ScenarioBodies } from './scenarios.ts';
import type { Grant, RefreshToken } from './store.ts';

/** An RFC 6749 §5.2 error: `{error, error_description}`. */
export function oauthError(reply: FastifyReply, status: number, error: string, description: string) {
  return reply.code(status).send({ error, error_description: description });
}

export interface ClientFailure {
  status: number;
  error: string;
  description: string;
}

export type Authenticate = (
  form: Record<string, string>,
  request: FastifyRequest,
) => SandboxClient | ClientFailure;

/**
 * The form of a token-endpoint request (or revoke, introspect) and the client it authenticates as, the
 * platform's way. Undefined once an error has been sent.
 */
export function readClientForm(
  request: FastifyRequest,
  reply: FastifyReply,
  authenticate: Authenticate,
  wrongContentType: string,
): { form: Record<string, string>; client: SandboxClient } | undefined {
  if (!isFormRequest(request)) {
    void oauthError(reply, 400, 'invalid_request', wrongContentType);
    return undefined;
  }
  const form = singleValues(request.body);
  const client = authenticate(form, request);
  if ('error' in client) {
    void oauthError(reply, client.status, client.error, client.description);
    return undefined;
  }
  return { form, client };
}

interface GrantRequest {
  platform: string;
  client: SandboxClient;
  form: Record<string, string>;
  /** The platform's bodies for the token endpoint's 500 and 429 scenarios. */
  bodies: ScenarioBodies;
}

type CodeGrant =
  | { kind: 'answered' }
  | { kind: 'failed'; reason: CodeFailure }
  | { kind: 'granted'; grant: Grant };

/**
 * grant_type=authorization_code: redeems `code` (with `code_verifier` where the authorization had a
 * challenge) and records the grant. `answered` means the user's scenario already replied.
 */
export async function authorizationCodeGrant(
  sandbox: Sandbox,
  reply: FastifyReply,
  request: GrantRequest & { refreshExpiresAt: number | null },
): Promise<CodeGrant> {
  const { form, client, platform } = request;
  const pending = form.code ? sandbox.store.codes.get(form.code) : undefined;
  if (await answeredByScenario(sandbox, pending && sandbox.user(pending.userId), reply, request.bodies)) {
    return { kind: 'answered' };
  }
  const redeemed = redeemCode(sandbox, platform, {
    code: form.code,
    clientId: client.clientId,
    redirectUri: form.redirect_uri,
    codeVerifier: form.code_verifier,
  });
  if (!redeemed.ok) return { kind: 'failed', reason: redeemed.reason };
  const grant = grantFromCode(sandbox, redeemed.code, request.refreshExpiresAt);
  return { kind: 'granted', grant };
}

export type RefreshFailure = 'invalid' | 'revoked' | 'expired';

type RefreshGrant =
  | { kind: 'answered' }
  | { kind: 'failed'; reason: RefreshFailure }
  /** `rotates`: the presented token now stops working and the caller issues a new one. */
  | { kind: 'refreshed'; grant: Grant; presented: RefreshToken; rotates: boolean };

/**
 * grant_type=refresh_token: the presented token must be this client's, live, and within its grant's
 * refresh lifetime. Whether it rotates is the platform's default unless the user's scenario says otherwise.
 */
export async function refreshTokenGrant(
  sandbox: Sandbox,
  reply: FastifyReply,
  request: GrantRequest & { rotatesByDefault: boolean },
): Promise<RefreshGrant> {
  const { form, client } = request;
  const presented = form.refresh_token ? sandbox.store.refreshTokens.get(form.refresh_token) : undefined;
  const grant = presented && sandbox.store.grants.get(presented.grantId);
  const user = grant && sandbox.user(grant.userId);
  if (await answeredByScenario(sandbox, user, reply, request.bodies)) return { kind: 'answered' };
  if (!presented || !grant || !user || !grantedTo(grant, client)) {
    return { kind: 'failed', reason: 'invalid' };
  }
  if (presented.revoked || grant.revoked || user.scenario.refreshRevoked) {
    return { kind: 'failed', reason: 'revoked' };
  }
  if (grant.refreshExpiresAt !== null && grant.refreshExpiresAt <= sandbox.now()) {
    return { kind: 'failed', reason: 'expired' };
  }
  const rotates = user.scenario.refreshRotates ?? request.rotatesByDefault;
  if (rotates) presented.revoked = true;
  return { kind: 'refreshed', grant, presented, rotates };
}

/** What one platform's token endpoint does its own way. */
export interface TokenEndpointRules {
  platform: string;
  authenticate: Authenticate;
  /** The error description for a body that is not form-encoded. */
  wrongContentType: string;
  bodies: ScenarioBodies;
  codeFailureText: Record<CodeFailure, string>;
  refreshFailureText: Record<RefreshFailure, string>;
  unsupportedGrantText: string;
  /** When the refresh tokens of a new grant stop working (null: never). */
  refreshExpiresAt(): number | null;
  rotatesByDefault: boolean;
  /** Whether a code exchange returns a refresh token (X: only with offline.access). */
  issuesRefreshToken(grant: Grant): boolean;
  /** The platform's success body; `refreshToken` is undefined when none is returned. */
  respond(grant: Grant, refreshToken: string | undefined): unknown;
}

/** A token endpoint serving grant_type=authorization_code and refresh_token by `rules`. */
export function tokenEndpoint(sandbox: Sandbox, rules: TokenEndpointRules): RouteHandlerMethod {
  return async (request, reply) => {
    const read = readClientForm(request, reply, rules.authenticate, rules.wrongContentType);
    if (!read) return reply;
    const grantRequest = { platform: rules.platform, ...read, bodies: rules.bodies };

    if (read.form.grant_type === 'authorization_code') {
      const code = await authorizationCodeGrant(sandbox, reply, {
        ...grantRequest,
        refreshExpiresAt: rules.refreshExpiresAt(),
      });
      if (code.kind === 'answered') return reply;
      if (code.kind === 'failed') {
        return oauthError(reply, 400, 'invalid_grant', rules.codeFailureText[code.reason]);
      }
      const issued = rules.issuesRefreshToken(code.grant)
        ? sandbox.store.addRefreshToken(code.grant)
        : undefined;
      return rules.respond(code.grant, issued?.value);
    }

    if (read.form.grant_type === 'refresh_token') {
      const refresh = await refreshTokenGrant(sandbox, reply, {
        ...grantRequest,
        rotatesByDefault: rules.rotatesByDefault,
      });
      if (refresh.kind === 'answered') return reply;
      if (refresh.kind === 'failed') {
        return oauthError(reply, 400, 'invalid_grant', rules.refreshFailureText[refresh.reason]);
      }
      const { grant, rotates, presented } = refresh;
      return rules.respond(grant, rotates ? sandbox.store.addRefreshToken(grant).value : presented.value);
    }

    return oauthError(reply, 400, 'unsupported_grant_type', rules.unsupportedGrantText);
  };
}
