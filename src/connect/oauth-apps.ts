/**
 * Which OAuth app (client id and secret) connects a platform for a team, through one resolver:
 * - platforms that register per instance (Mastodon): the app registered on that instance, registered once
 *   and cached with its secret encrypted, registered again when the instance has forgotten it;
 * - sandbox mode: the simulator's app;
 * - live mode: the team's own (`PUT /v1/providers/{platform}`), else the environment's
 *   `PORTICO_<PLATFORM>_CLIENT_ID`/`_CLIENT_SECRET` (or a shared one, like `PORTICO_GOOGLE_...`).
 * The app is bound to the connect session when it opens.
 */
import type { OAuthClient } from '../oauth/types.ts';
import { platformApi } from '../platforms/api.ts';
import { envName } from '../platforms/registry.ts';
import { type ConnectOptions, type PlatformModule, requestedScopes, serverOf } from '../platforms/types.ts';
import type { Runtime } from '../runtime.ts';
import { callbackUrl } from './callback-url.ts';

export type AppSource = 'sandbox' | 'team' | 'environment' | 'registered';

export interface ResolvedApp extends OAuthClient {
  source: AppSource;
}

export interface AppKey {
  teamId: string;
  module: PlatformModule;
  options: ConnectOptions;
  instance: string;
}

const providerSecretContext = (teamId: string, platform: string) => `provider:${teamId}:${platform}`;
const registeredSecretContext = (platform: string, instance: string, redirectUri: string) =>
  `registered:${platform}:${instance}:${redirectUri}`;

/** The app in use, without contacting anyone (the callback and refreshes use the app the session bound). */
export async function resolveOAuthApp(runtime: Runtime, key: AppKey): Promise<ResolvedApp | undefined> {
  const { module } = key;
  if (module.registration) {
    const row = await registeredApp(runtime, module.id, key.instance);
    return row && { ...row, source: 'registered' };
  }
  if (runtime.config.mode === 'sandbox') {
    const sandbox = runtime.sandboxApps[module.id];
    return sandbox && { ...sandbox, source: 'sandbox' };
  }
  const row = await runtime.db
    .selectFrom('provider_credentials')
    .selectAll()
    .where('team_id', '=', key.teamId)
    .where('platform', '=', module.id)
    .executeTakeFirst();
  if (row) {
    return {
      clientId: row.client_id,
      clientSecret: runtime.keyring.decrypt(
        row.client_secret_enc,
        providerSecretContext(key.teamId, module.id),
      ),
      source: 'team',
    };
  }
  for (const prefix of [envName(module.id), module.sharedCredentialsEnv].filter(Boolean)) {
    const clientId = runtime.config.env[`PORTICO_${prefix}_CLIENT_ID`];
    const clientSecret = runtime.config.env[`PORTICO_${prefix}_CLIENT_SECRET`];
    if (clientId && clientSecret) return { clientId, clientSecret, source: 'environment' };
  }
  return undefined;
}

/**
 * The app a new connect binds: as `resolveOAuthApp`, but a per-instance app is registered when missing
 * and re-registered when the instance no longer knows it. Throws PlatformError when the instance fails.
 */
export async function bindOAuthApp(runtime: Runtime, key: AppKey): Promise<ResolvedApp | undefined> {
  const { module } = key;
  const registration = module.registration;
  if (!registration) return resolveOAuthApp(runtime, key);
  const server = serverOf(module, key.options);
  if (!server) return undefined;
  const now = runtime.now();
  const base = {
    api: platformApi(runtime.outbound),
    outbound: runtime.outbound,
    server,
    options: key.options,
    now,
  };
  const known = await resolveOAuthApp(runtime, key);
  if (known && (await registration.stillRegistered({ ...base, client: known }))) {
    await registeredApps(runtime, module.id, key.instance).set({ verified_at: now }).execute();
    return known;
  }
  const redirectUri = callbackUrl(runtime.config.publicUrl, module.id);
  const client = await registration.register(base, redirectUri, requestedScopes(module));
  const secret = runtime.keyring.encrypt(
    client.clientSecret,
    registeredSecretContext(module.id, key.instance, redirectUri),
  );
  await runtime.db
    .insertInto('registered_apps')
    .values({
      platform: module.id,
      instance: key.instance,
      redirect_uri: redirectUri,
      client_id: client.clientId,
      client_secret_enc: secret,
      verified_at: now,
    })
    .onConflict((oc) =>
      oc.columns(['platform', 'instance', 'redirect_uri']).doUpdateSet({
        client_id: client.clientId,
        client_secret_enc: secret,
        verified_at: now,
      }),
    )
    .execute();
  runtime.logger.info(
    { platform: module.id, instance: key.instance },
    'registered an OAuth app on the instance',
  );
  return { ...client, source: 'registered' };
}

function registeredApps(runtime: Runtime, platform: string, instance: string) {
  return runtime.db
    .updateTable('registered_apps')
    .where('platform', '=', platform)
    .where('instance', '=', instance)
    .where('redirect_uri', '=', callbackUrl(runtime.config.publicUrl, platform));
}

async function registeredApp(runtime: Runtime, platform: string, instance: string) {
  const redirectUri = callbackUrl(runtime.config.publicUrl, platform);
  const row = await runtime.db
    .selectFrom('registered_apps')
    .selectAll()
    .where('platform', '=', platform)
    .where('instance', '=', instance)
    .where('redirect_uri', '=', redirectUri)
    .executeTakeFirst();
  return (
    row && {
      clientId: row.client_id,
      clientSecret: runtime.keyring.decrypt(
        row.client_secret_enc,
        registeredSecretContext(platform, instance, redirectUri),
      ),
    }
  );
}

/** The team's own app for a platform (`PUT /v1/providers/{platform}`); the secret is stored encrypted. */
export async function setTeamApp(
  runtime: Runtime,
  teamId: string,
  module: PlatformModule,
  app: OAuthClient,
): Promise<void> {
  const secret = runtime.keyring.encrypt(app.clientSecret, providerSecretContext(teamId, module.id));
  const now = runtime.now();
  await runtime.db
    .insertInto('provider_credentials')
    .values({
      team_id: teamId,
      platform: module.id,
      client_id: app.clientId,
      client_secret_enc: secret,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc
        .columns(['team_id', 'platform'])
        .doUpdateSet({ client_id: app.clientId, client_secret_enc: secret, updated_at: now }),
    )
    .execute();
}

/** Removes the team's own app; false when it had none. */
export async function removeTeamApp(
  runtime: Runtime,
  teamId: string,
  module: PlatformModule,
): Promise<boolean> {
  const removed = await runtime.db
    .deleteFrom('provider_credentials')
    .where('team_id', '=', teamId)
    .where('platform', '=', module.id)
    .executeTakeFirst();
  return removed.numDeletedRows > 0n;
}
