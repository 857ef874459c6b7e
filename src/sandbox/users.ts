/**
 * Simulated platform users and the scenarios they carry. Tests pick a user by id to get the behaviour they
 * need (no Pages, short-lived tokens, a failing token endpoint...); the control API adds more at run time.
 */

/** What the token endpoint does for this user. 'hang' holds the response for `hangMs`, then answers 504. */
export type TokenEndpointScenario = 'ok' | '500' | '429' | 'hang';

export interface Scenario {
  /** 'none': the user administers nothing (no Facebook Pages, no LinkedIn organizations). */
  targets: 'default' | 'none';
  /** Overrides the platform's access-token lifetime (seconds). */
  accessTtlSeconds?: number;
  /** Overrides whether the platform issues a new refresh token (and kills the old one) on refresh. */
  refreshRotates?: boolean;
  /** The refresh token is dead: every refresh answers invalid_grant. */
  refreshRevoked: boolean;
  tokenEndpoint: TokenEndpointScenario;
}

/** Something the user can publish to besides their own profile: a Facebook Page, a LinkedIn organization. */
export interface SimTarget {
  id: string;
  name: string;
  /** Page username / organization vanity name. */
  handle?: string;
  pictureUrl?: string;
  /** LinkedIn organization role; targets without a role count as administered. */
  role?: string;
}

export interface SimUser {
  id: string;
  platform: string;
  name: string;
  username?: string;
  email: string;
  pictureUrl: string;
  builtIn: boolean;
  scenario: Scenario;
  targets: SimTarget[];
}

/** How a platform module declares a built-in user. */
export interface UserSeed {
  id: string;
  name: string;
  username?: string;
  email?: string;
  scenario?: Partial<Scenario>;
  targets?: SimTarget[];
}

export const DEFAULT_SCENARIO: Scenario = { targets: 'default', refreshRevoked: false, tokenEndpoint: 'ok' };

const TOKEN_ENDPOINT_SCENARIOS: readonly string[] = ['ok', '500', '429', 'hang'];

/** Checks a scenario sent to the control API; returns an error message or the parsed scenario. */
export function parseScenario(input: unknown, base: Scenario = DEFAULT_SCENARIO): Scenario | string {
  if (input === undefined || input === null) return { ...base };
  if (typeof input !== 'object' || Array.isArray(input)) return 'scenario must be an object';
  const raw = input as Record<string, unknown>;
  const known = ['targets', 'accessTtlSeconds', 'refreshRotates', 'refreshRevoked', 'tokenEndpoint'];
  const unknown = Object.keys(raw).filter((key) => !known.includes(key));
  if (unknown.length > 0) return `unknown scenario field(s): ${unknown.join(', ')}`;
  const scenario: Scenario = { ...base };
  if (raw.targets !== undefined) {
    if (raw.targets !== 'default' && raw.targets !== 'none')
      return "scenario.targets must be 'default' or 'none'";
    scenario.targets = raw.targets;
  }
  if (raw.accessTtlSeconds !== undefined) {
    const ttl = raw.accessTtlSeconds;
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) {
      return 'scenario.accessTtlSeconds must be a number of seconds >= 0';
    }
    scenario.accessTtlSeconds = ttl;
  }
  if (raw.refreshRotates !== undefined) {
    if (typeof raw.refreshRotates !== 'boolean') return 'scenario.refreshRotates must be a boolean';
    scenario.refreshRotates = raw.refreshRotates;
  }
  if (raw.refreshRevoked !== undefined) {
    if (typeof raw.refreshRevoked !== 'boolean') return 'scenario.refreshRevoked must be a boolean';
    scenario.refreshRevoked = raw.refreshRevoked;
  }
  if (raw.tokenEndpoint !== undefined) {
    if (typeof raw.tokenEndpoint !== 'string' || !TOKEN_ENDPOINT_SCENARIOS.includes(raw.tokenEndpoint)) {
      return `scenario.tokenEndpoint must be one of ${TOKEN_ENDPOINT_SCENARIOS.join(', ')}`;
    }
    scenario.tokenEndpoint = raw.tokenEndpoint as TokenEndpointScenario;
  }
  return scenario;
}

/** A stable placeholder avatar per user; the simulator serves no images, so any URL shape will do. */
export function avatarUrl(platform: string, id: string): string {
  return `https://sandbox.portico.invalid/avatars/${encodeURIComponent(platform)}/${encodeURIComponent(id)}.png`;
}

/** The JSON shape the control API answers with. */
export function describeUser(user: SimUser) {
  return {
    id: user.id,
    platform: user.platform,
    name: user.name,
    username: user.username,
    email: user.email,
    pictureUrl: user.pictureUrl,
    builtIn: user.builtIn,
    scenario: user.scenario,
    targets: user.targets,
  };
}
