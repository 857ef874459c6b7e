/**
 * The simulator's state and the helpers every platform shares: clients, users, the store, the clock,
 * access-token checks and the held ('hang') responses that must not keep a closing server open.
 */
import type { SandboxClient } from './clients.ts';
import type { SandboxPlatform } from './platform.ts';
import { type AccessToken, type Grant, type RegisteredClient, SandboxStore } from './store.ts';
import {
  avatarUrl,
  DEFAULT_SCENARIO,
  parseScenario,
  type Scenario,
  type SimUser,
  type UserSeed,
} from './users.ts';

export type TokenCheck =
  | { ok: true; token: AccessToken; grant: Grant; user: SimUser }
  | { ok: false; reason: 'missing' | 'invalid' | 'expired' | 'revoked' };

export interface NewUserInput {
  platform: string;
  id?: string;
  name: string;
  username?: string;
  email?: string;
  scenario?: unknown;
}

export class Sandbox {
  readonly now: () => number;
  readonly hangMs: number;
  readonly store = new SandboxStore();
  readonly platforms: readonly SandboxPlatform[];
  readonly clients: readonly SandboxClient[];
  private readonly users = new Map<string, SimUser>();
  private readonly held = new Set<() => void>();

  constructor(
    platforms: readonly SandboxPlatform[],
    options: { clients: readonly SandboxClient[]; now: () => number; hangMs: number },
  ) {
    this.platforms = platforms;
    this.clients = options.clients;
    this.now = options.now;
    this.hangMs = options.hangMs;
    this.reset();
  }

  /** Back to the built-in users; every pending authorization, code and token forgotten. */
  reset(): void {
    this.store.reset();
    this.users.clear();
    for (const platform of this.platforms) {
      for (const seed of platform.builtInUsers)
        this.users.set(seed.id, this.userFromSeed(platform, seed, true));
    }
  }

  platform(id: string): SandboxPlatform | undefined {
    return this.platforms.find((p) => p.id === id);
  }

  client(platform: string, clientId: string | undefined): SandboxClient | undefined {
    if (!clientId) return undefined;
    return this.clients.find((c) => c.platform === platform && c.clientId === clientId);
  }

  /** A client registered at run time on `host` (`store.addRegisteredClient`) that the host still knows. */
  registeredClient(
    platform: string,
    host: string,
    clientId: string | undefined,
  ): RegisteredClient | undefined {
    const client = clientId ? this.store.registeredClients.get(clientId) : undefined;
    return client?.platform === platform && client.host === host && !client.forgotten ? client : undefined;
  }

  user(id: string): SimUser | undefined {
    return this.users.get(id);
  }

  usersOf(platform: string): SimUser[] {
    return [...this.users.values()].filter((u) => u.platform === platform);
  }

  /** Adds a user through the control API; returns an error message when the input is unusable. */
  addUser(input: NewUserInput): SimUser | string {
    const platform = this.platform(input.platform);
    if (!platform) return `unknown platform '${input.platform}'`;
    if (
      input.id !== undefined &&
      (typeof input.id !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(input.id))
    ) {
      return 'id must be 1-64 characters of A-Z a-z 0-9 . _ -';
    }
    const id = input.id ?? platform.newUserId();
    if (this.users.has(id)) return `a user with id '${id}' already exists`;
    const scenario = parseScenario(input.scenario);
    if (typeof scenario === 'string') return scenario;
    const user = this.userFromSeed(platform, { ...input, id, scenario }, false);
    this.users.set(id, user);
    return user;
  }

  /** Changes a user's scenario (e.g. make the token endpoint fail after a successful connect). */
  updateScenario(id: string, input: unknown): SimUser | string {
    const user = this.users.get(id);
    if (!user) return `unknown user '${id}'`;
    const scenario = parseScenario(input, user.scenario);
    if (typeof scenario === 'string') return scenario;
    const platform = this.platform(user.platform);
    const hadTargets = user.scenario.targets === 'default';
    user.scenario = scenario;
    if (scenario.targets === 'none') user.targets = [];
    else if (!hadTargets && platform) user.targets = platform.defaultTargets(user.id, user.name);
    return user;
  }

  /** Seconds -> an absolute expiry on the injected clock; null stays "never". */
  expiresAt(ttlSeconds: number | null): number | null {
    return ttlSeconds === null ? null : this.now() + ttlSeconds * 1000;
  }

  /** A new access token for `grant`, living as long as its user's scenario says, else `ttlSeconds`. */
  issueAccessToken(
    grant: Grant,
    ttlSeconds: number,
    options?: Parameters<SandboxStore['addAccessToken']>[3],
  ): { token: AccessToken; ttl: number } {
    const ttl = this.users.get(grant.userId)?.scenario.accessTtlSeconds ?? ttlSeconds;
    return { token: this.store.addAccessToken(grant, this.expiresAt(ttl), this.now(), options), ttl };
  }

  /** Looks up a bearer token of this platform and says precisely why it is unusable. */
  checkAccessToken(platform: string, value: string | undefined): TokenCheck {
    if (!value) return { ok: false, reason: 'missing' };
    const token = this.store.accessTokens.get(value);
    const grant = token && this.store.grants.get(token.grantId);
    const user = grant && this.users.get(grant.userId);
    if (!token || !grant || !user || grant.platform !== platform) return { ok: false, reason: 'invalid' };
    if (token.revoked || grant.revoked) return { ok: false, reason: 'revoked' };
    if (token.expiresAt !== null && token.expiresAt <= this.now()) return { ok: false, reason: 'expired' };
    return { ok: true, token, grant, user };
  }

  /**
   * Holds a response for `hangMs` (the 'hang' scenario). Resolves early when the server closes, so a held
   * request never keeps Fastify from shutting down.
   */
  hold(): Promise<void> {
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.held.delete(release);
        resolve();
      };
      const timer = setTimeout(release, this.hangMs);
      timer.unref();
      this.held.add(release);
    });
  }

  releaseHeld(): void {
    for (const release of [...this.held]) release();
  }

  private userFromSeed(
    platform: SandboxPlatform,
    seed: UserSeed | (Omit<UserSeed, 'scenario'> & { scenario: Scenario }),
    builtIn: boolean,
  ): SimUser {
    const scenario: Scenario = { ...DEFAULT_SCENARIO, ...seed.scenario };
    const targets =
      scenario.targets === 'none' ? [] : (seed.targets ?? platform.defaultTargets(seed.id, seed.name));
    return {
      id: seed.id,
      platform: platform.id,
      name: seed.name,
      username: seed.username,
      email: seed.email ?? `${seed.id}@sandbox.portico.invalid`,
      pictureUrl: avatarUrl(platform.id, seed.id),
      builtIn,
      scenario,
      targets,
    };
  }
}
