/**
 * Starting a connect, for every surface: is connecting turned on, which platform, which options, which
 * OAuth app, where the user returns; then a session and the URL to send the user to. Returns a value:
 * the link, or the catalog error to answer with.
 */
import { ApiError } from '../errors/catalog.ts';
import { failure, type Result, success } from '../oauth/result.ts';
import { PlatformError } from '../platforms/api.ts';
import { findPlatform, supportedPlatforms } from '../platforms/registry.ts';
import type { Runtime } from '../runtime.ts';
import type { Team } from '../storage/schema.ts';
import { checkReturnUrl } from '../teams/origins.ts';
import { bindOAuthApp } from './oauth-apps.ts';
import { type PreparedOptions, prepareOptions } from './options.ts';
import { type OpenedSession, openConnectSession } from './sessions.ts';

export interface StartConnect {
  team: Team;
  platform: string;
  surface: 'headless' | 'portal';
  returnUrl?: string | undefined;
  /** The field name the caller used for the return URL, for error messages. */
  returnUrlField?: string;
  /**
   * The return URL is one of Portico's own pages (the hosted portal's return route), made by Portico, not
   * sent by a caller: it is not held to the team's allowed origins, which list the app's origins.
   */
  returnsToPortico?: boolean;
  metadata?: Record<string, string> | undefined;
  /** The platform's option fields as the caller sent them. */
  options?: Record<string, unknown>;
  /** Revive this account: the same platform user must authorize. */
  reconnectAccountId?: string | undefined;
  /** Ask the platform for a new sign-in rather than the browser's session, where it can. */
  signInAgain?: boolean | undefined;
}

export interface StartedConnect extends OpenedSession {
  platform: string;
}

export async function startConnect(
  runtime: Runtime,
  input: StartConnect,
): Promise<Result<StartedConnect, ApiError>> {
  const { team } = input;
  if (input.surface === 'headless' && (!runtime.config.headlessConnect || !team.headless_connect)) {
    return failure(new ApiError('NOT_ENABLED', 'Headless connect is turned off for this team'));
  }
  const module = findPlatform(input.platform);
  if (!module) {
    return failure(
      new ApiError('UNSUPPORTED_PLATFORM', `"${input.platform.slice(0, 40)}" is not a supported platform`, {
        supported: supportedPlatforms(),
      }),
    );
  }
  let returnUrl: string | undefined;
  try {
    returnUrl =
      input.returnUrl !== undefined
        ? checkReturnUrl(
            input.returnUrl,
            input.returnsToPortico ? [new URL(runtime.config.publicUrl).origin] : team.allowed_origins,
            input.returnUrlField ?? 'return_url',
          )
        : undefined;
  } catch (error) {
    if (error instanceof ApiError) return failure(error);
    throw error;
  }
  let reconnected: PreparedOptions | undefined;
  if (input.reconnectAccountId) {
    const account = await runtime.db
      .selectFrom('accounts')
      .innerJoin('grants', 'grants.id', 'accounts.grant_id')
      .select(['accounts.id', 'accounts.platform', 'grants.options', 'grants.instance'])
      .where('accounts.id', '=', input.reconnectAccountId)
      .where('accounts.team_id', '=', team.id)
      .executeTakeFirst();
    if (!account || account.platform !== module.id) {
      return failure(
        new ApiError('NOT_FOUND', `No ${module.name} account ${input.reconnectAccountId}`, {
          resource: 'account',
        }),
      );
    }
    reconnected = { options: account.options, instance: account.instance };
  }
  // A reconnect goes back where the account's grant was made (its Mastodon server) unless told otherwise.
  const prepared =
    reconnected && input.options === undefined
      ? success(reconnected)
      : await prepareOptions(runtime, module, input.options ?? {});
  if (!prepared.ok) return prepared;
  const { options, instance } = prepared.value;
  try {
    const app = await bindOAuthApp(runtime, { teamId: team.id, module, options, instance });
    if (!app) {
      return failure(
        new ApiError('PROVIDER_NOT_CONFIGURED', `No OAuth app is configured for ${module.name}`, {
          platform: module.id,
        }),
      );
    }
    const opened = await openConnectSession(runtime, {
      teamId: team.id,
      module,
      app,
      options,
      instance,
      returnUrl,
      metadata: input.metadata ?? {},
      surface: input.surface,
      reconnectAccountId: input.reconnectAccountId,
      signInAgain: input.signInAgain,
    });
    return success({ ...opened, platform: module.id });
  } catch (error) {
    if (error instanceof PlatformError) {
      return failure(
        new ApiError(
          'PLATFORM_UNAVAILABLE',
          `${module.name} could not be prepared for connecting: ${error.message}`,
        ),
      );
    }
    throw error;
  }
}
