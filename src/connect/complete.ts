/**
 * Completes a connect session from the platform's callback: match the state, claim the session (one
 * atomic update, so a replayed callback can never connect twice), exchange the code, check the granted
 * scopes, read identity and targets, and save. Every expected failure comes back as an outcome value.
 */
import type { AccountView } from '../accounts/views.ts';
import { type ConnectErrorCode, connectErrors } from '../errors/catalog.ts';
import { requestedScopes } from '../oauth/authorize.ts';
import type { OAuthFailure } from '../oauth/result.ts';
import { exchangeCode } from '../oauth/token.ts';
import { PlatformError, platformApi } from '../platforms/api.ts';
import { findPlatform } from '../platforms/registry.ts';
import type { PlatformContext, PlatformModule } from '../platforms/types.ts';
import type { Runtime } from '../runtime.ts';
import type { ConnectSession } from '../storage/schema.ts';
import { resolveOAuthApp } from './credentials.ts';
import { saveConnection } from './save.ts';
import { findSessionByState, verifierContext } from './sessions.ts';

export type ConnectOutcome =
  | { ok: true; session: ConnectSession; platform: PlatformModule; accounts: AccountView[] }
  | {
      ok: false;
      /** Absent when the callback matched no session (nothing to redirect to). */
      session: ConnectSession | undefined;
      platform: PlatformModule | undefined;
      code: ConnectErrorCode;
      message: string;
    };

class ConnectFailure extends Error {
  readonly code: ConnectErrorCode;
  constructor(code: ConnectErrorCode, message: string = connectErrors[code]) {
    super(message);
    this.code = code;
  }
}

export async function completeConnect(
  runtime: Runtime,
  platformName: string,
  callback: URLSearchParams,
): Promise<ConnectOutcome> {
  const platform = findPlatform(platformName);
  const state = callback.get('state');
  const found = platform && state ? await findSessionByState(runtime, state) : undefined;
  if (!platform || !found || found.platform !== platform.id) {
    return {
      ok: false,
      session: undefined,
      platform,
      code: 'invalid_state',
      message: connectErrors.invalid_state,
    };
  }
  const session = await claim(runtime, found);
  if (!session) {
    const code: ConnectErrorCode =
      found.expires_at <= runtime.now() && !found.claimed_at ? 'session_expired' : 'session_used';
    if (code === 'session_expired') await markExpired(runtime, found);
    return { ok: false, session: found, platform, code, message: connectErrors[code] };
  }
  try {
    const accounts = await connect(runtime, platform, session, callback);
    runtime.metrics.connects.inc({ platform: platform.id, outcome: 'connected' });
    return { ok: true, session, platform, accounts };
  } catch (error) {
    if (!(error instanceof ConnectFailure)) {
      await fail(runtime, session, 'platform_error', 'Portico failed while connecting; see its logs');
      throw error;
    }
    runtime.metrics.connects.inc({ platform: platform.id, outcome: error.code });
    await fail(runtime, session, error.code, error.message);
    return { ok: false, session, platform, code: error.code, message: error.message };
  }
}

async function connect(
  runtime: Runtime,
  platform: PlatformModule,
  session: ConnectSession,
  callback: URLSearchParams,
): Promise<AccountView[]> {
  const denial = callback.get('error');
  if (denial) {
    const denied = denial === 'access_denied' || platform.deniedErrors?.includes(denial);
    throw new ConnectFailure(
      denied ? 'access_denied' : 'platform_error',
      denied
        ? connectErrors.access_denied
        : `The platform answered the authorization with "${denial.slice(0, 100)}"`,
    );
  }
  const app = await resolveOAuthApp(runtime, session.team_id, platform);
  if (!app) throw new ConnectFailure('platform_error', 'The platform’s OAuth app is no longer configured');
  const now = runtime.now();
  const exchanged = await exchangeCode(
    platform,
    app,
    runtime.outbound,
    {
      callback,
      redirectUri: session.redirect_uri,
      codeVerifier: session.code_verifier_enc
        ? runtime.keyring.decrypt(session.code_verifier_enc, verifierContext(session.id))
        : undefined,
    },
    now,
  );
  if (!exchanged.ok) throw fromOAuth(exchanged.failure);

  const ctx: PlatformContext = {
    api: platformApi(runtime.outbound),
    outbound: runtime.outbound,
    client: app,
    now,
  };
  try {
    const tokens = platform.afterTokenExchange
      ? await platform.afterTokenExchange(ctx, exchanged.value)
      : exchanged.value;
    // A platform that does not say what it granted granted what was asked (its consent is all-or-nothing).
    const granted = platform.grantedScopes
      ? await platform.grantedScopes(ctx, tokens)
      : (tokens.scopes ?? requestedScopes(platform));
    const missing = platform.oauth.scopes.required.filter((s) => !granted.includes(s));
    if (missing.length > 0) {
      throw new ConnectFailure('not_enough_permissions', `Not granted: ${missing.join(', ')}`);
    }
    const withScopes = { ...tokens, scopes: granted };
    const identity = await platform.identity(ctx, withScopes);
    const targets = await platform.listTargets(ctx, withScopes, identity);
    if (targets.length === 0) throw new ConnectFailure('no_targets');
    return await saveConnection(runtime, {
      session,
      platform,
      tokens: withScopes,
      grantedScopes: granted,
      identity,
      targets,
    });
  } catch (error) {
    if (error instanceof PlatformError) {
      throw fromOAuth({ kind: error.kind, status: error.status, message: error.message });
    }
    throw error;
  }
}

function fromOAuth(failure: OAuthFailure): ConnectFailure {
  return new ConnectFailure(
    failure.kind === 'unavailable' ? 'platform_unavailable' : 'platform_error',
    failure.message.slice(0, 300),
  );
}

/** The one atomic step that lets exactly one callback proceed. */
async function claim(runtime: Runtime, session: ConnectSession): Promise<ConnectSession | undefined> {
  const now = runtime.now();
  return runtime.db
    .updateTable('connect_sessions')
    .set({ claimed_at: now })
    .where('id', '=', session.id)
    .where('status', '=', 'pending')
    .where('claimed_at', 'is', null)
    .where('expires_at', '>', now)
    .returningAll()
    .executeTakeFirst();
}

async function fail(runtime: Runtime, session: ConnectSession, code: ConnectErrorCode, message: string) {
  await runtime.db
    .updateTable('connect_sessions')
    .set({ status: 'failed', error_code: code, error_message: message, completed_at: runtime.now() })
    .where('id', '=', session.id)
    .execute();
}

async function markExpired(runtime: Runtime, session: ConnectSession) {
  await runtime.db
    .updateTable('connect_sessions')
    .set({ status: 'expired' })
    .where('id', '=', session.id)
    .where('status', '=', 'pending')
    .execute();
}
