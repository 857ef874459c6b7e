/**
 * Connect sessions: one per connection attempt. The state token is the OAuth `state`, the key for
 * polling, and is stored only as a hash. A session is single-use, lives 15 minutes, and carries what the
 * callback needs: the prepared options, the instance, the bound OAuth app and the flow's secret.
 */
import type { ConnectOptions, PlatformModule } from '../platforms/types.ts';
import type { Runtime } from '../runtime.ts';
import { newId, randomToken, sha256Hex } from '../storage/ids.ts';
import type { ConnectSession } from '../storage/schema.ts';
import { callbackUrl } from './callback-url.ts';
import { flowOf } from './flows.ts';
import { platformContext } from './platform-context.ts';
import type { ResolvedApp } from './oauth-apps.ts';

export const SESSION_TTL_MS = 15 * 60 * 1000;

export interface OpenSessionInput {
  teamId: string;
  module: PlatformModule;
  app: ResolvedApp;
  options: ConnectOptions;
  instance: string;
  returnUrl: string | undefined;
  metadata: Record<string, string>;
  surface: 'headless' | 'portal';
  reconnectAccountId?: string | undefined;
  /** Ask the platform for a new sign-in rather than the browser's session, where it can. */
  signInAgain?: boolean | undefined;
}

export interface OpenedSession {
  sessionId: string;
  stateToken: string;
  /** Where to send the user: the platform's authorize page (the simulator's, in sandbox mode). */
  connectUrl: string;
  expiresAt: Date;
}

export const stateHash = (stateToken: string) => sha256Hex(`state:${stateToken}`);
export const flowSecretContext = (sessionId: string) => `pkce:${sessionId}`;

export async function openConnectSession(runtime: Runtime, input: OpenSessionInput): Promise<OpenedSession> {
  const now = runtime.now();
  const sessionId = newId('cs', now.getTime());
  // 256 bits: unguessable, so the state alone proves the callback belongs to this session.
  const stateToken = `cst_${randomToken(32)}`;
  const redirectUri = callbackUrl(runtime.config.publicUrl, input.module.id);
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  const ctx = platformContext(runtime, input.module, input.app, input.options);
  const begun = await flowOf(input.module).begin(ctx, {
    state: stateToken,
    redirectUri,
    signInAgain: input.signInAgain,
  });
  await runtime.db
    .insertInto('connect_sessions')
    .values({
      id: sessionId,
      team_id: input.teamId,
      platform: input.module.id,
      state_hash: stateHash(stateToken),
      code_verifier_enc: begun.secret
        ? runtime.keyring.encrypt(begun.secret, flowSecretContext(sessionId))
        : null,
      redirect_uri: redirectUri,
      return_url: input.returnUrl ?? null,
      metadata: JSON.stringify(input.metadata),
      surface: input.surface,
      reconnect_account_id: input.reconnectAccountId ?? null,
      options: JSON.stringify(input.options),
      instance: input.instance,
      client_id: input.app.clientId,
      account_ids: '[]',
      expires_at: expiresAt,
      created_at: now,
    })
    .execute();
  return { sessionId, stateToken, connectUrl: runtime.outbound.rewrite(begun.url).href, expiresAt };
}

export async function findSessionByState(
  runtime: Runtime,
  stateToken: string,
): Promise<ConnectSession | undefined> {
  return runtime.db
    .selectFrom('connect_sessions')
    .selectAll()
    .where('state_hash', '=', stateHash(stateToken))
    .executeTakeFirst();
}

/** The status a caller sees: a pending session past its expiry is expired, whether or not a sweep marked it. */
export function visibleStatus(session: ConnectSession, now: Date): ConnectSession['status'] {
  if (session.status === 'pending' && !session.claimed_at && session.expires_at <= now) return 'expired';
  return session.status;
}
