/**
 * Completes a connect session from the platform's callback: match the state, claim the session (one
 * atomic update, so a replayed callback can never connect twice), run the platform's flow to its end
 * (code exchange, granted scopes, identity, targets), check a reconnect is the same user, and save.
 * Every expected failure comes back as an outcome value.
 */
import { emitEvent } from '../events/outbox.ts';
import type { AccountView } from '../accounts/views.ts';
import { type ConnectErrorCode, connectErrors } from '../errors/catalog.ts';
import { findPlatform } from '../platforms/registry.ts';
import type { PlatformModule } from '../platforms/types.ts';
import type { Runtime } from '../runtime.ts';
import type { ConnectSession } from '../storage/schema.ts';
import { flowOf } from './flows.ts';
import { resolveOAuthApp } from './oauth-apps.ts';
import { platformContext } from './platform-context.ts';
import { saveConnection } from './save.ts';
import { findSessionByState, flowSecretContext } from './sessions.ts';

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

type Failure = { code: ConnectErrorCode; message: string };

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
  let result: { ok: true; accounts: AccountView[] } | ({ ok: false } & Failure);
  try {
    result = await connect(runtime, platform, session, callback);
  } catch (error) {
    await fail(runtime, session, {
      code: 'platform_error',
      message: 'Portico failed while connecting; see its logs',
    });
    throw error;
  }
  runtime.metrics.connects.inc({ platform: platform.id, outcome: result.ok ? 'connected' : result.code });
  if (result.ok) return { ok: true, session, platform, accounts: result.accounts };
  await fail(runtime, session, result);
  return { ok: false, session, platform, code: result.code, message: result.message };
}

async function connect(
  runtime: Runtime,
  module: PlatformModule,
  session: ConnectSession,
  callback: URLSearchParams,
): Promise<{ ok: true; accounts: AccountView[] } | ({ ok: false } & Failure)> {
  const app = await resolveOAuthApp(runtime, {
    teamId: session.team_id,
    module,
    options: session.options,
    instance: session.instance,
  });
  // The code was issued to the app bound when the session opened; another app cannot redeem it.
  if (!app || (session.client_id && app.clientId !== session.client_id)) {
    return {
      ok: false,
      code: 'platform_error',
      message: 'The platform’s OAuth app changed or was removed while connecting',
    };
  }
  const ctx = platformContext(runtime, module, app, session.options);
  const done = await flowOf(module).complete(ctx, {
    params: callback,
    redirectUri: session.redirect_uri,
    secret: session.code_verifier_enc
      ? runtime.keyring.decrypt(session.code_verifier_enc, flowSecretContext(session.id))
      : undefined,
  });
  if (!done.ok) return { ok: false, ...done.failure };
  if (done.value.targets.length === 0)
    return { ok: false, code: 'no_targets', message: connectErrors.no_targets };
  if (session.reconnect_account_id) {
    const mismatch = await reconnectMismatch(runtime, session, done.value.identity.id);
    if (mismatch) return { ok: false, code: 'account_mismatch', message: connectErrors.account_mismatch };
  }
  const accounts = await saveConnection(runtime, { session, module, ...done.value });
  return { ok: true, accounts };
}

/** A reconnect must be authorized by the platform user whose grant backs the account. */
async function reconnectMismatch(
  runtime: Runtime,
  session: ConnectSession,
  subject: string,
): Promise<boolean> {
  const row = await runtime.db
    .selectFrom('accounts')
    .innerJoin('grants', 'grants.id', 'accounts.grant_id')
    .select(['grants.subject', 'grants.instance'])
    .where('accounts.id', '=', session.reconnect_account_id!)
    .executeTakeFirst();
  return !row || row.subject !== subject || row.instance !== session.instance;
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

/** The session ends failed, and the app hears `connect.failed` (with its own metadata) in the same step. */
async function fail(runtime: Runtime, session: ConnectSession, f: Failure) {
  await runtime.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('connect_sessions')
      .set({ status: 'failed', error_code: f.code, error_message: f.message, completed_at: runtime.now() })
      .where('id', '=', session.id)
      .execute();
    await emitEvent(trx, session.team_id, 'connect.failed', {
      connect_session_id: session.id,
      platform: session.platform,
      error: { code: f.code, message: f.message },
      metadata: session.metadata,
    });
  });
}

async function markExpired(runtime: Runtime, session: ConnectSession) {
  await runtime.db
    .updateTable('connect_sessions')
    .set({ status: 'expired' })
    .where('id', '=', session.id)
    .where('status', '=', 'pending')
    .execute();
}
