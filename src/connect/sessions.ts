/**
 * Connect sessions: one per connection attempt. The state token is the OAuth `state`, the key for
 * polling, and is stored only as a hash. A session is single-use and lives 15 minutes.
 */
import { authorizationUrl, newCodeVerifier } from '../oauth/authorize.ts';
import type { PlatformModule } from '../platforms/types.ts';
import type { Runtime } from '../runtime.ts';
import { newId, randomToken, sha256Hex } from '../storage/ids.ts';
import type { ConnectSession } from '../storage/schema.ts';
import type { ResolvedApp } from './credentials.ts';

export const SESSION_TTL_MS = 15 * 60 * 1000;

export interface OpenSessionInput {
  teamId: string;
  platform: PlatformModule;
  app: ResolvedApp;
  returnUrl: string | undefined;
  metadata: Record<string, string>;
  surface: 'headless' | 'portal';
  reconnectAccountId?: string;
}

export interface OpenedSession {
  sessionId: string;
  stateToken: string;
  /** Where to send the user: the platform's authorize page (the simulator's, in sandbox mode). */
  connectUrl: string;
  expiresAt: Date;
}

export function callbackUrl(runtime: Runtime, platform: PlatformModule): string {
  return `${runtime.config.publicUrl}/oauth/callback/${platform.id}`;
}

export const stateHash = (stateToken: string) => sha256Hex(`state:${stateToken}`);
export const verifierContext = (sessionId: string) => `pkce:${sessionId}`;

export async function openConnectSession(runtime: Runtime, input: OpenSessionInput): Promise<OpenedSession> {
  const now = runtime.now();
  const sessionId = newId('cs', now.getTime());
  // 256 bits: unguessable, so the state alone proves the callback belongs to this session.
  const stateToken = `cst_${randomToken(32)}`;
  const codeVerifier = newCodeVerifier(input.platform);
  const redirectUri = callbackUrl(runtime, input.platform);
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await runtime.db
    .insertInto('connect_sessions')
    .values({
      id: sessionId,
      team_id: input.teamId,
      platform: input.platform.id,
      state_hash: stateHash(stateToken),
      code_verifier_enc: codeVerifier
        ? runtime.keyring.encrypt(codeVerifier, verifierContext(sessionId))
        : null,
      redirect_uri: redirectUri,
      return_url: input.returnUrl ?? null,
      metadata: JSON.stringify(input.metadata),
      surface: input.surface,
      reconnect_account_id: input.reconnectAccountId ?? null,
      account_ids: '[]',
      expires_at: expiresAt,
      created_at: now,
    })
    .execute();
  const url = await authorizationUrl(input.platform, {
    clientId: input.app.clientId,
    redirectUri,
    state: stateToken,
    codeVerifier,
  });
  return { sessionId, stateToken, connectUrl: runtime.outbound.rewrite(url).href, expiresAt };
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
