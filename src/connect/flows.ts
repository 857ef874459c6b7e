/**
 * The connect flow of a platform: begin (where to send the user) and complete (from the callback's
 * parameters or a submitted form). OAuth 2.0 platforms get the standard flow built here from their data;
 * other protocols bring their own, and the core runs both the same way.
 */
import { connectErrors } from '../errors/catalog.ts';
import { authorizationUrl, newCodeVerifier } from '../oauth/authorize.ts';
import { failure, type OAuthFailure, success } from '../oauth/result.ts';
import { exchangeCode } from '../oauth/token.ts';
import { PlatformError } from '../platforms/api.ts';
import {
  type ConnectFlow,
  type FlowFailure,
  type OAuth2Module,
  type PlatformModule,
  requestedScopes,
} from '../platforms/types.ts';

export function flowOf(module: PlatformModule): ConnectFlow {
  return module.protocol === 'oauth2' ? oauth2Flow(module) : module.flow;
}

/** Who failed, in connect terms: an unavailable platform can be retried, anything else is an error. */
export function connectFailureOf(f: Pick<OAuthFailure, 'kind' | 'message'>): FlowFailure {
  return {
    code: f.kind === 'unavailable' ? 'platform_unavailable' : 'platform_error',
    message: f.message.slice(0, 300),
  };
}

/** RFC 6749 §4.1 with PKCE where the server has it; identity, granted scopes and targets from the module. */
function oauth2Flow(module: OAuth2Module): ConnectFlow {
  return {
    async begin(ctx, session) {
      const codeVerifier = newCodeVerifier(ctx.server);
      const url = await authorizationUrl(ctx.server, {
        clientId: ctx.client.clientId,
        redirectUri: session.redirectUri,
        state: session.state,
        scopes: requestedScopes(module),
        codeVerifier,
      });
      if (session.signInAgain) {
        for (const [name, value] of Object.entries(module.oauth.signInAgainParams ?? {})) {
          url.searchParams.set(name, value);
        }
      }
      return { url, secret: codeVerifier };
    },

    async complete(ctx, input) {
      const denial = input.params.get('error');
      if (denial) {
        const denied = denial === 'access_denied' || module.oauth.deniedErrors?.includes(denial);
        return failure({
          code: denied ? 'access_denied' : 'platform_error',
          message: denied
            ? connectErrors.access_denied
            : `The platform answered the authorization with "${denial.slice(0, 100)}"`,
        });
      }
      const exchanged = await exchangeCode(
        { server: ctx.server, client: ctx.client, outbound: ctx.outbound, now: ctx.now },
        { callback: input.params, redirectUri: input.redirectUri, codeVerifier: input.secret },
      );
      if (!exchanged.ok) return failure(connectFailureOf(exchanged.failure));
      try {
        const tokens = module.oauth.afterTokenExchange
          ? await module.oauth.afterTokenExchange(ctx, exchanged.value)
          : exchanged.value;
        // A platform that does not say what it granted granted what was asked (its consent is all-or-nothing).
        const granted = module.oauth.grantedScopes
          ? await module.oauth.grantedScopes(ctx, tokens)
          : (tokens.scopes ?? requestedScopes(module));
        const missing = module.oauth.scopes.required.filter((s) => !granted.includes(s));
        if (missing.length > 0) {
          return failure({ code: 'not_enough_permissions', message: `Not granted: ${missing.join(', ')}` });
        }
        const withScopes = Object.defineProperty({ ...tokens, scopes: granted }, 'raw', {
          value: tokens.raw,
          enumerable: false,
        });
        const identity = await module.identity(ctx, withScopes);
        const targets = await module.listTargets(ctx, withScopes, identity);
        return success({ tokens: withScopes, grantedScopes: granted, identity, targets });
      } catch (error) {
        if (error instanceof PlatformError) return failure(connectFailureOf(error));
        throw error;
      }
    },
  };
}
