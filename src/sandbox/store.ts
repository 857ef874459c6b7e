/**
 * Everything the simulator remembers between requests: pending consent screens, authorization codes,
 * grants and their tokens, Facebook-style per-app permission records and the clients apps registered at run
 * time. In memory only; `reset()` forgets it all. Every expiry is computed from the injected clock.
 */
import { randomBytes } from 'node:crypto';
import type { SandboxClient } from './clients.ts';

/** An authorize request that passed validation and waits for the user's decision on the consent page. */
export interface PendingAuthorization {
  id: string;
  platform: string;
  clientId: string;
  redirectUri: string;
  state?: string;
  scopes: string[];
  codeChallenge?: string;
  codeChallengeMethod?: string;
  /** Platform-specific request parameters (Facebook's auth_type...). */
  extra: Record<string, string>;
  expiresAt: number;
}

export interface AuthorizationCode {
  value: string;
  platform: string;
  clientId: string;
  redirectUri: string;
  userId: string;
  scopes: string[];
  codeChallenge?: string;
  codeChallengeMethod?: string;
  expiresAt: number;
  used: boolean;
}

/** What one authorization gave one client for one user. Tokens point at it; revoking it kills them all. */
export interface Grant {
  id: string;
  platform: string;
  clientId: string;
  userId: string;
  scopes: string[];
  createdAt: number;
  /** Refresh tokens of this grant stop working at this time (LinkedIn: fixed from the first authorization). */
  refreshExpiresAt: number | null;
  revoked: boolean;
}

export interface AccessToken {
  value: string;
  grantId: string;
  issuedAt: number;
  expiresAt: number | null;
  revoked: boolean;
  /** 'page': a Facebook Page token derived from a user token. */
  kind: 'user' | 'page';
  pageId?: string;
  /** Facebook long-lived user token (from fb_exchange_token). */
  longLived: boolean;
}

export interface RefreshToken {
  value: string;
  grantId: string;
  revoked: boolean;
}

export type PermissionStatus = 'granted' | 'declined';

/**
 * A client an app registered at run time through the platform's own API (Mastodon's POST /api/v1/apps),
 * known to the one host it registered on.
 */
export interface RegisteredClient extends SandboxClient {
  redirectUris: string[];
  host: string;
  /** The platform's own id for the registration (Mastodon: a numeric string). */
  id: string;
  name: string;
  website: string | null;
  scopes: string[];
  registeredAt: number;
  /** The host lost the registration: the client is unknown again. */
  forgotten: boolean;
}

export function randomToken(prefix: string, bytes = 24): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

export class SandboxStore {
  readonly pending = new Map<string, PendingAuthorization>();
  readonly codes = new Map<string, AuthorizationCode>();
  readonly grants = new Map<string, Grant>();
  readonly accessTokens = new Map<string, AccessToken>();
  readonly refreshTokens = new Map<string, RefreshToken>();
  /** Per platform+client+user permission statuses that outlive single tokens (Facebook's /me/permissions). */
  readonly permissions = new Map<string, Map<string, PermissionStatus>>();
  /** Derived tokens handed out again on every listing, e.g. one Page token per grant and Page. */
  readonly derivedTokens = new Map<string, string>();
  /** Clients registered at run time, by client_id. */
  readonly registeredClients = new Map<string, RegisteredClient>();

  reset(): void {
    this.pending.clear();
    this.codes.clear();
    this.grants.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.permissions.clear();
    this.derivedTokens.clear();
    this.registeredClients.clear();
  }

  addPending(pending: Omit<PendingAuthorization, 'id'>): PendingAuthorization {
    const record = { ...pending, id: randomToken('pending_', 16) };
    this.pending.set(record.id, record);
    return record;
  }

  /** Removes and returns a pending authorization: one decision per consent screen. */
  takePending(id: string, now: number): PendingAuthorization | undefined {
    const record = this.pending.get(id);
    if (!record) return undefined;
    this.pending.delete(id);
    return record.expiresAt > now ? record : undefined;
  }

  addCode(code: Omit<AuthorizationCode, 'value' | 'used'>): AuthorizationCode {
    const record = { ...code, value: randomToken('code_'), used: false };
    this.codes.set(record.value, record);
    return record;
  }

  /** Registers a client with a new random client_id and secret (43 URL-safe characters, as Doorkeeper's). */
  addRegisteredClient(
    client: Omit<RegisteredClient, 'clientId' | 'clientSecret' | 'forgotten'>,
  ): RegisteredClient {
    const record = {
      ...client,
      clientId: randomToken('', 32),
      clientSecret: randomToken('', 32),
      forgotten: false,
    };
    this.registeredClients.set(record.clientId, record);
    return record;
  }

  addGrant(grant: Omit<Grant, 'id' | 'revoked'>): Grant {
    const record = { ...grant, id: randomToken('grant_', 12), revoked: false };
    this.grants.set(record.id, record);
    return record;
  }

  addAccessToken(
    grant: Grant,
    expiresAt: number | null,
    now: number,
    options: { kind?: 'user' | 'page'; pageId?: string; longLived?: boolean } = {},
  ): AccessToken {
    const record: AccessToken = {
      value: randomToken(`${grant.platform}-at-`),
      grantId: grant.id,
      issuedAt: now,
      expiresAt,
      revoked: false,
      kind: options.kind ?? 'user',
      pageId: options.pageId,
      longLived: options.longLived ?? false,
    };
    this.accessTokens.set(record.value, record);
    return record;
  }

  addRefreshToken(grant: Grant): RefreshToken {
    const record = { value: randomToken(`${grant.platform}-rt-`), grantId: grant.id, revoked: false };
    this.refreshTokens.set(record.value, record);
    return record;
  }

  /** Kills a grant and every token issued under it. */
  revokeGrant(grantId: string): void {
    const grant = this.grants.get(grantId);
    if (grant) grant.revoked = true;
    for (const token of this.accessTokens.values()) if (token.grantId === grantId) token.revoked = true;
    for (const token of this.refreshTokens.values()) if (token.grantId === grantId) token.revoked = true;
  }

  grantsOf(platform: string, clientId: string, userId: string): Grant[] {
    return [...this.grants.values()].filter(
      (g) => g.platform === platform && g.clientId === clientId && g.userId === userId,
    );
  }

  permissionsOf(platform: string, clientId: string, userId: string): Map<string, PermissionStatus> {
    const key = `${platform}\n${clientId}\n${userId}`;
    let record = this.permissions.get(key);
    if (!record) {
      record = new Map();
      this.permissions.set(key, record);
    }
    return record;
  }
}
