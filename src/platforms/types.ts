/**
 * The contract every platform module fulfils. A module is mostly data (endpoints, client auth, PKCE,
 * scopes, token lifetimes, target kinds) plus small functions for its quirks. It never builds OAuth
 * requests itself: `src/oauth/` does, from this data.
 */
import type { Outbound } from '../outbound/client.ts';
import type { PlatformApi } from './api.ts';

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

/** Tokens as one authorization (or refresh) gave them. */
export interface TokenSet {
  accessToken: string;
  refreshToken?: string | undefined;
  expiresAt?: Date | undefined;
  refreshExpiresAt?: Date | undefined;
  /** Scopes the platform says it granted, when it says; undefined when the response is silent. */
  scopes?: string[] | undefined;
}

/** The person who authorized. */
export interface Identity {
  id: string;
  name: string;
  username?: string | undefined;
  avatarUrl?: string | undefined;
}

/** Something to publish to; becomes one account. */
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

/** What a quirk function gets: an HTTP client for the platform's APIs and the OAuth app in use. */
export interface PlatformContext {
  api: PlatformApi;
  /** For extension grants through `src/oauth/`. */
  outbound: Outbound;
  client: { clientId: string; clientSecret: string };
  now: Date;
}

export interface PlatformModule {
  id: PlatformId;
  /** Display name, e.g. "X (Twitter)". */
  name: string;
  /** Other ids accepted in URLs and configuration (`x` for twitter). */
  aliases?: readonly string[];
  /** Where the OAuth app comes from when `PORTICO_<ID>_CLIENT_ID` is unset (YouTube and Google Business share Google's). */
  sharedCredentialsEnv?: string;
  oauth: {
    authorizeUrl: string;
    tokenUrl: string;
    revokeUrl?: string;
    /** How the client authenticates at the token endpoint: HTTP Basic or form fields. */
    clientAuth: 'basic' | 'post';
    pkce: 'S256' | 'none';
    /** Fixed extra parameters on the authorize URL. */
    authorizeParams?: Readonly<Record<string, string>>;
    scopes: {
      /** Joins scopes in the authorize URL. */
      separator: ' ' | ',';
      /** Without these the account cannot publish: not granting one fails the connect. */
      required: readonly string[];
      /** Asked for, nice to have. */
      optional?: readonly string[];
    };
    /** Deviations of the token endpoint's response from RFC 6749 §5.1, fixed before it is checked. */
    tokenResponse?: {
      /** The `token_type` field may be missing; it is a bearer token. */
      tokenTypeMayBeMissing?: boolean;
      /** An `id_token` comes along that Portico does not use (identity comes from an API call). */
      ignoreIdToken?: boolean;
      /** The granted `scope` is joined with this instead of spaces. */
      scopeSeparator?: ',' | ' ';
    };
  };
  tokens: {
    /** What refreshing does: `rotating` (each refresh token works once), `reusable`, or `none` (re-authorize). */
    refresh: 'rotating' | 'reusable' | 'none';
  };
  targets: {
    types: readonly TargetType[];
    /** Whether the hosted portal asks the user to pick among several targets. */
    userPicks: boolean;
    /** The hosted portal's error flag suffix when there is nothing to connect, e.g. `not-enough-pages`. */
    noneFlag?: string;
  };
  /** Work after the code exchange, e.g. Facebook's short-lived → long-lived token exchange. */
  afterTokenExchange?(ctx: PlatformContext, tokens: TokenSet): Promise<TokenSet>;
  /** Scopes actually granted, when the token response does not say (Facebook's `/me/permissions`). */
  grantedScopes?(ctx: PlatformContext, tokens: TokenSet): Promise<string[]>;
  identity(ctx: PlatformContext, tokens: TokenSet): Promise<Identity>;
  listTargets(ctx: PlatformContext, tokens: TokenSet, identity: Identity): Promise<Target[]>;
  /** Maps the authorize endpoint's `error` to "the user said no" when the platform spells it its own way. */
  deniedErrors?: readonly string[];
}
