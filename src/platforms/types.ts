/**
 * The contract every platform module fulfils. A module is mostly data (its authorization server, scopes,
 * refresh variant, target kinds) plus small functions for its quirks. It never builds OAuth requests
 * itself: `src/oauth/` does, from this data. A platform that is not plain OAuth 2.0 brings its own
 * connect flow (begin, complete) and the core runs it the same way.
 */
import type { TObject } from 'typebox';
import type { ConnectErrorCode } from '../errors/catalog.ts';
import type { Result } from '../oauth/result.ts';
import type { AuthorizationServer, OAuthClient, TokenSet } from '../oauth/types.ts';
import type { Outbound } from '../outbound/client.ts';
import type { PlatformApi } from './api.ts';

export type { AuthorizationServer, OAuthClient, TokenSet } from '../oauth/types.ts';

/** The canonical ids, used in URLs, payloads and configuration. */
export const PLATFORM_IDS = [
  'twitter',
  'facebook',
  'instagram',
  'threads',
  'linkedin',
  'youtube',
  'google-business',
  'tiktok',
  'pinterest',
  'reddit',
  'discord',
  'slack',
  'mastodon',
  'bluesky',
  'snapchat',
  'tumblr',
] as const;
export type PlatformId = (typeof PLATFORM_IDS)[number];

/** What an account publishes as. */
export type TargetType =
  | 'profile'
  | 'page'
  | 'organization'
  | 'business_account'
  | 'channel'
  | 'location'
  | 'server'
  | 'workspace'
  | 'board'
  | 'blog';

/** The person who authorized. */
export interface Identity {
  id: string;
  name: string;
  username?: string | undefined;
  avatarUrl?: string | undefined;
}

/** Something the grant can publish to; an account once activated. */
export interface Target {
  externalId: string;
  type: TargetType;
  name: string;
  username?: string | undefined;
  avatarUrl?: string | undefined;
  /** A token of the target's own (Facebook Page tokens); absent when the grant's token is used. */
  accessToken?: string | undefined;
  expiresAt?: Date | undefined;
}

/** A connect's options as stored on its session (validated and prepared): JSON. */
export type ConnectOptions = Record<string, unknown>;

/** What a quirk function gets: an HTTP client for the platform's APIs, the OAuth app, the options. */
export interface PlatformContext<O extends ConnectOptions = ConnectOptions> {
  api: PlatformApi;
  /** For token-endpoint calls through `src/oauth/`. */
  outbound: Outbound;
  client: OAuthClient;
  /** The authorization server of this connect (it may depend on the options). */
  server: AuthorizationServer;
  options: O;
  now: Date;
}

/** What `prepare` gets: no OAuth app yet (it may be registered from the prepared options). */
export type OptionsContext = Pick<PlatformContext, 'api' | 'outbound' | 'now'> & {
  /** Live mode refuses instances on internal addresses unless the operator allows them. */
  allowPrivateHosts: boolean;
  sandbox: boolean;
};

/** A field the caller got wrong, named as they sent it. */
export interface OptionError {
  field: string;
  message: string;
}

/** Per-connect options a platform takes (a Mastodon server, later an Instagram connection method). */
export interface OptionsSpec<O extends ConnectOptions> {
  /** JSON Schema of the fields the caller sends, validated when a connect starts (422 naming the field). */
  schema: TObject;
  /** Validated input → the options stored on the session: normalised, checked, discovered. */
  prepare(ctx: OptionsContext, input: Record<string, unknown>): Promise<Result<O, OptionError>>;
  /** The instance the options point at, '' for single-host platforms; part of app, grant and account keys. */
  instance(options: O): string;
}

/** How a platform's access tokens are kept alive. */
export type RefreshVariant =
  /** RFC 6749 §6; `rotates`: each refresh token works once and the new one must be stored first. */
  | { kind: 'oauth2'; rotates: boolean }
  /** The long-lived token refreshes itself (Threads `th_refresh_token`). Throws PlatformError. */
  | {
      kind: 'exchange';
      refresh(ctx: PlatformContext, accessToken: string): Promise<TokenSet>;
    }
  /** Tokens cannot be refreshed: the user re-authorizes (Facebook, Mastodon tokens do not expire). */
  | { kind: 'none' }
  /** A protocol library keeps the session fresh (AT Protocol OAuth). */
  | { kind: 'delegated' };

/** An OAuth app registered at run time, once per instance (Mastodon's `POST /api/v1/apps`). */
export interface DynamicRegistration<O extends ConnectOptions> {
  register(
    ctx: Omit<PlatformContext<O>, 'client'>,
    redirectUri: string,
    scopes: readonly string[],
  ): Promise<OAuthClient>;
  /** Whether the instance still knows the app (instances may forget registrations). */
  stillRegistered(ctx: PlatformContext<O>): Promise<boolean>;
}

export interface OAuth2Spec<O extends ConnectOptions> {
  server: AuthorizationServer | ((options: O) => AuthorizationServer);
  scopes: {
    /** Without these the account cannot publish: not granting one fails the connect. */
    required: readonly string[];
    /** Asked for, nice to have. */
    optional?: readonly string[];
  };
  /** Work after the code exchange, e.g. Facebook's short-lived → long-lived token exchange. */
  afterTokenExchange?(ctx: PlatformContext<O>, tokens: TokenSet): Promise<TokenSet>;
  /** Scopes actually granted, when the token response does not say (Facebook's `/me/permissions`). */
  grantedScopes?(ctx: PlatformContext<O>, tokens: TokenSet): Promise<string[]>;
  /** The authorize endpoint's `error` values that mean "the user said no", besides `access_denied`. */
  deniedErrors?: readonly string[];
  /**
   * Authorize parameters that make the platform ask the user to sign in again instead of reusing the
   * session the browser has (the hosted product's `disableAutoLogin`), where the platform has them.
   */
  signInAgainParams?: Readonly<Record<string, string>>;
}

/** What a finished authorization gives the core, whatever the protocol. */
export interface Authorized {
  tokens: TokenSet;
  grantedScopes: string[];
  identity: Identity;
  targets: Target[];
}

export type FlowFailure = { code: ConnectErrorCode; message: string };

/** A connect flow for a platform that is not plain OAuth 2.0 (AT Protocol, app passwords). */
export interface ConnectFlow<O extends ConnectOptions = ConnectOptions> {
  /** Where to send the user, and a secret to keep (encrypted) on the session until `complete`. */
  begin(
    ctx: PlatformContext<O>,
    session: { state: string; redirectUri: string; signInAgain?: boolean | undefined },
  ): Promise<{ url: URL; secret?: string | undefined }>;
  /** From the callback's parameters or the submitted form's fields. */
  complete(
    ctx: PlatformContext<O>,
    input: { params: URLSearchParams; redirectUri: string; secret: string | undefined },
  ): Promise<Result<Authorized, FlowFailure>>;
}

interface ModuleBase<O extends ConnectOptions> {
  id: PlatformId;
  /** Display name, e.g. "X (Twitter)". */
  name: string;
  /** Other ids accepted in URLs and configuration (`x` for twitter). */
  aliases?: readonly string[];
  /** Where the OAuth app comes from when `PORTICO_<ID>_CLIENT_ID` is unset (YouTube and Google Business share Google's). */
  sharedCredentialsEnv?: string;
  options?: OptionsSpec<O>;
  /** Set when the app is registered per instance at run time instead of configured. */
  registration?: DynamicRegistration<O>;
  refresh: RefreshVariant;
  targets: {
    types: readonly TargetType[];
    /** Whether a person picks among several targets (the hosted product's set-channel). */
    userPicks: boolean;
    /** The hosted portal's error flag suffix when there is nothing to connect, e.g. `not-enough-pages`. */
    noneFlag?: string;
  };
  /** How the hosted product (its `/api/v1`, its return flags) names this platform. */
  hosted: HostedNaming;
  identity(ctx: PlatformContext<O>, tokens: TokenSet): Promise<Identity>;
  listTargets(ctx: PlatformContext<O>, tokens: TokenSet, identity: Identity): Promise<Target[]>;
  /** Revokes a grant at the platform. Default: RFC 7009 at the server's `revokeUrl`, if any. Throws PlatformError. */
  revoke?(ctx: PlatformContext<O>, tokens: { accessToken: string; refreshToken?: string }): Promise<void>;
  /** A cheap live check that the token works. Default: `identity`. Throws PlatformError. */
  probe?(ctx: PlatformContext<O>, accessToken: string): Promise<void>;
}

export interface OAuth2Module<O extends ConnectOptions = ConnectOptions> extends ModuleBase<O> {
  protocol: 'oauth2';
  oauth: OAuth2Spec<O>;
}

export interface CustomFlowModule<O extends ConnectOptions = ConnectOptions> extends ModuleBase<O> {
  protocol: 'atproto' | 'app-password';
  /** The authorization server its tokens are refreshed and revoked at, when it has one. */
  server?: AuthorizationServer | ((options: O) => AuthorizationServer);
  flow: ConnectFlow<O>;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds modules of every option type.
export type PlatformModule<O extends ConnectOptions = any> = OAuth2Module<O> | CustomFlowModule<O>;

/** The authorization server a module uses for these options. */
export function serverOf<O extends ConnectOptions>(
  module: PlatformModule<O>,
  options: O,
): AuthorizationServer | undefined {
  const server = module.protocol === 'oauth2' ? module.oauth.server : module.server;
  return typeof server === 'function' ? server(options) : server;
}

/** The scopes a connect asks for. */
export function requestedScopes(module: PlatformModule): string[] {
  if (module.protocol !== 'oauth2') return [];
  return [...module.oauth.scopes.required, ...(module.oauth.scopes.optional ?? [])];
}

/** `listTargets` of a platform whose one target is the authorizing user's own profile (X, TikTok...). */
export async function ownProfile(_ctx: unknown, _tokens: unknown, identity: Identity): Promise<Target[]> {
  return [
    {
      externalId: identity.id,
      type: 'profile',
      name: identity.name,
      username: identity.username,
      avatarUrl: identity.avatarUrl,
    },
  ];
}

/** The hosted product's names for a platform: its social-account type and the prefix of its return flags. */
export interface HostedNaming {
  /** The social-account type, e.g. `TWITTER`, `GOOGLE_BUSINESS`. */
  type: string;
  /** The return flags' prefix when it is not the platform id, e.g. `google-business`. */
  flagPrefix?: string;
  /** Hosted connect fields that are this platform's options, by hosted name: `{serverUrl: 'server_url'}`. */
  options?: Readonly<Record<string, string>>;
  /** The social-account field that carries the grant's instance (the Mastodon server). */
  instanceField?: 'mastodonServerId';
  /** A hosted connect field of this platform's own that also asks for a new sign-in (`tiktokForceLogin`). */
  signInAgainField?: string;
}
