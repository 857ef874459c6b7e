/**
 * Which OAuth app (client id and secret) connects a platform for a team. In sandbox mode it is always the
 * simulator's. In live mode: the team's own (`PUT /v1/providers/{platform}`), else the environment's
 * `PORTICO_<PLATFORM>_CLIENT_ID`/`_CLIENT_SECRET` (or a shared one, like `PORTICO_GOOGLE_...`).
 */
import type { OAuthClient } from '../oauth/token.ts';
import { envName } from '../platforms/registry.ts';
import type { PlatformModule } from '../platforms/types.ts';
import type { Runtime } from '../runtime.ts';
import { SANDBOX_CREDENTIALS } from '../sandbox/index.ts';

export type CredentialSource = 'sandbox' | 'team' | 'environment';

export interface ResolvedApp extends OAuthClient {
  source: CredentialSource;
}

export function providerSecretContext(teamId: string, platform: string): string {
  return `provider:${teamId}:${platform}`;
}

export async function resolveOAuthApp(
  runtime: Runtime,
  teamId: string,
  platform: PlatformModule,
): Promise<ResolvedApp | undefined> {
  if (runtime.config.mode === 'sandbox') {
    const sandbox = SANDBOX_CREDENTIALS[platform.id];
    return sandbox && { ...sandbox, source: 'sandbox' };
  }
  const row = await runtime.db
    .selectFrom('provider_credentials')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('platform', '=', platform.id)
    .executeTakeFirst();
  if (row) {
    return {
      clientId: row.client_id,
      clientSecret: runtime.keyring.decrypt(
        row.client_secret_enc,
        providerSecretContext(teamId, platform.id),
      ),
      source: 'team',
    };
  }
  for (const prefix of [envName(platform.id), platform.sharedCredentialsEnv].filter(Boolean)) {
    const clientId = runtime.config.env[`PORTICO_${prefix}_CLIENT_ID`];
    const clientSecret = runtime.config.env[`PORTICO_${prefix}_CLIENT_SECRET`];
    if (clientId && clientSecret) return { clientId, clientSecret, source: 'environment' };
  }
  return undefined;
}
