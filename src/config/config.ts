/**
 * Portico's configuration: environment variables (and an optional `.env`), validated once at start-up,
 * all of it before anything is written (a data folder, a key file). A wrong value stops the start with one
 * line naming the variable and what is allowed.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseKeyRing } from '../crypto/keyring.ts';
import { parseHostOverrides } from '../outbound/host-overrides.ts';

export type Mode = 'sandbox' | 'live';

export interface Config {
  /** `sandbox` serves every platform from the built-in simulator; `live` talks to the real platforms. @default 'sandbox' */
  mode: Mode;
  /** Where the HTTP server listens. @default '127.0.0.1' */
  host: string;
  /** @default 3000 */
  port: number;
  /** Externally visible base URL, without trailing slash: OAuth redirect URIs and portal links are built from it. @default `http://{host}:{port}` */
  publicUrl: string;
  /** PostgreSQL connection string. When unset, the embedded PGlite database in `dataDir` is used. */
  databaseUrl: string | undefined;
  /** Data folder of the embedded database and generated encryption key. @default './.portico' */
  dataDir: string;
  /** `PORTICO_ENCRYPTION_KEYS`: comma-separated `id:base64key`, newest first. Generated into `dataDir` when unset. */
  encryptionKeys: string | undefined;
  /** `PORTICO_HOST_OVERRIDES`: JSON map of platform hostname to a stand-in base URL. */
  hostOverrides: string | undefined;
  /** Headless connect on/off for the whole instance (teams can turn it off for themselves). @default true */
  headlessConnect: boolean;
  /**
   * Let connects name instances (a Mastodon server) on loopback, private or link-local addresses. For
   * tests and private networks only: otherwise a caller could make Portico call internal services.
   * @default false
   */
  allowPrivateInstances: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  rateLimit: {
    /** Requests per window per API key on the API. @default 600 */
    apiMax: number;
    /** Requests per window per client IP on public routes (portal, callbacks). @default 120 */
    publicMax: number;
    /** Failed API authentications per window per client IP, then 429 without a key lookup. @default 30 */
    authFailures: number;
    /** @default 60000 */
    windowMs: number;
    /** Live checks (`connection-check`, `profile-refresh`) per hosted social account per window, each kind apart. @default 10 */
    accountChecks: number;
    /** The window of `accountChecks`, in seconds. @default 3600 */
    accountCheckWindowSeconds: number;
  };
  /** Timeout of each outbound call to a platform. @default 10000 */
  outboundTimeoutMs: number;
  /** Run background work (refresh, deliveries, expiry) in the API process. @default true */
  inProcessWorkers: boolean;
  refresh: {
    /** How often a worker looks for grants due for a refresh. @default 5000 */
    intervalMs: number;
    /** Grants one worker claims at a time. @default 50 */
    batchSize: number;
    /** Refresh at least this long before a token expires (a quarter of its lifetime when longer). @default 300 */
    marginSeconds: number;
    /** Wait after a first transient failure (5xx, 429, timeout), doubled each time, with jitter. @default 30000 */
    backoffBaseMs: number;
    /** The longest wait between two attempts. @default 3600000 */
    backoffMaxMs: number;
    /** `account.token_expiring` is sent this many days before a token that cannot be refreshed expires. @default 7 */
    expiringDays: number;
  };
  webhooks: {
    /**
     * Deliver to hosts on loopback, private, link-local or cloud-metadata addresses (checked on the address
     * each delivery connects to). For tests and private networks only. @default false
     */
    allowPrivate: boolean;
    /** Accept `http://` endpoint URLs. @default true in sandbox mode, false in live mode */
    allowHttp: boolean;
    /** Per delivery attempt, connect to last byte. @default 15000 */
    timeoutMs: number;
    /** The waits between attempts, in order; after the last one the delivery fails. @default 30s,2m,10m,1h,3h,6h,12h,24h,24h (about three days) */
    retrySchedule: number[];
    /** An endpoint whose deliveries have all failed for this long is disabled. @default 5 days */
    disableAfterMs: number;
    /** How often a worker looks for due deliveries. @default 250 */
    pollMs: number;
    /** Deliveries one worker claims at a time. @default 50 */
    batchSize: number;
  };
  /** Events, and the webhook delivery log with them, are kept this many days (longer while a delivery waits). @default 30 */
  eventRetentionDays: number;
  /** Behind a reverse proxy that sets `X-Forwarded-For`. @default false */
  trustProxy: boolean;
  /** Platform OAuth apps from the environment: `PORTICO_<PLATFORM>_CLIENT_ID` / `_CLIENT_SECRET`. */
  env: Readonly<Record<string, string | undefined>>;
}

export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, problem: string) {
    super(`${variable} ${problem}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Reads `.env` from the working directory into `process.env` (variables already set win). */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const host = text(env, 'PORTICO_HOST', '127.0.0.1');
  const port = integer(env, 'PORTICO_PORT', 3000, 0, 65535);
  const publicUrl = httpUrl(
    env,
    'PORTICO_PUBLIC_URL',
    `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
  );
  const databaseUrl = optional(env, 'DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must be a postgres:// or postgresql:// connection string');
  }
  return {
    mode: oneOf(env, 'PORTICO_MODE', ['sandbox', 'live'] as const, 'sandbox'),
    host,
    port,
    publicUrl,
    databaseUrl,
    dataDir: path.resolve(text(env, 'PORTICO_DATA_DIR', './.portico')),
    encryptionKeys: checked(env, 'PORTICO_ENCRYPTION_KEYS', parseKeyRing),
    hostOverrides: checked(env, 'PORTICO_HOST_OVERRIDES', parseHostOverrides),
    headlessConnect: boolean(env, 'PORTICO_HEADLESS_CONNECT', true),
    allowPrivateInstances: boolean(env, 'PORTICO_ALLOW_PRIVATE_INSTANCES', false),
    logLevel: oneOf(env, 'PORTICO_LOG_LEVEL', LOG_LEVELS, 'info'),
    rateLimit: {
      apiMax: integer(env, 'PORTICO_RATE_LIMIT_API', 600, 1, 1_000_000),
      publicMax: integer(env, 'PORTICO_RATE_LIMIT_PUBLIC', 120, 1, 1_000_000),
      authFailures: integer(env, 'PORTICO_RATE_LIMIT_AUTH_FAILURES', 30, 1, 1_000_000),
      windowMs: integer(env, 'PORTICO_RATE_LIMIT_WINDOW_MS', 60_000, 1000, 86_400_000),
      accountChecks: integer(env, 'PORTICO_ACCOUNT_CHECK_LIMIT', 10, 1, 1_000_000),
      accountCheckWindowSeconds: integer(env, 'PORTICO_ACCOUNT_CHECK_WINDOW_SECONDS', 3600, 1, 86_400 * 30),
    },
    outboundTimeoutMs: integer(env, 'PORTICO_OUTBOUND_TIMEOUT_MS', 10_000, 100, 120_000),
    inProcessWorkers: boolean(env, 'PORTICO_IN_PROCESS_WORKERS', true),
    refresh: {
      intervalMs: integer(env, 'PORTICO_REFRESH_INTERVAL_MS', 5000, 100, 3_600_000),
      batchSize: integer(env, 'PORTICO_REFRESH_BATCH_SIZE', 50, 1, 1000),
      marginSeconds: integer(env, 'PORTICO_REFRESH_MARGIN_SECONDS', 300, 0, 86_400),
      backoffBaseMs: integer(env, 'PORTICO_REFRESH_BACKOFF_BASE_MS', 30_000, 100, 3_600_000),
      backoffMaxMs: integer(env, 'PORTICO_REFRESH_BACKOFF_MAX_MS', 3_600_000, 1000, 86_400_000),
      expiringDays: integer(env, 'PORTICO_TOKEN_EXPIRING_DAYS', 7, 1, 365),
    },
    webhooks: {
      allowPrivate: boolean(env, 'PORTICO_WEBHOOKS_ALLOW_PRIVATE', false),
      allowHttp: boolean(env, 'PORTICO_WEBHOOKS_ALLOW_HTTP', optional(env, 'PORTICO_MODE') !== 'live'),
      timeoutMs: integer(env, 'PORTICO_WEBHOOKS_TIMEOUT_MS', 15_000, 100, 120_000),
      retrySchedule: durations(env, 'PORTICO_WEBHOOKS_RETRY_SCHEDULE', '30s,2m,10m,1h,3h,6h,12h,24h,24h'),
      disableAfterMs: durations(env, 'PORTICO_WEBHOOKS_DISABLE_AFTER', '5d')[0]!,
      pollMs: integer(env, 'PORTICO_WEBHOOKS_POLL_MS', 250, 10, 60_000),
      batchSize: integer(env, 'PORTICO_WEBHOOKS_BATCH_SIZE', 50, 1, 1000),
    },
    eventRetentionDays: integer(env, 'PORTICO_EVENT_RETENTION_DAYS', 30, 1, 3650),
    trustProxy: boolean(env, 'PORTICO_TRUST_PROXY', false),
    env: Object.freeze({ ...env }),
  };
}

function optional(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** A value with a parser of its own (key ring, host overrides): parsed now, kept as text for the runtime. */
function checked(
  env: Record<string, string | undefined>,
  name: string,
  parse: (raw: string) => unknown,
): string | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  try {
    parse(raw);
  } catch (error) {
    if (!(error instanceof Error && error.name.endsWith('ConfigError'))) throw error;
    // The parsers' messages start with the variable's name and never hold key material.
    const { message } = error;
    throw new ConfigError(name, message.startsWith(`${name} `) ? message.slice(name.length + 1) : message);
  }
  return raw;
}

function text(env: Record<string, string | undefined>, name: string, fallback: string): string {
  return optional(env, name) ?? fallback;
}

function integer(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
) {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return Number(raw);
}

function boolean(env: Record<string, string | undefined>, name: string, fallback: boolean): boolean {
  const raw = optional(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false (got "${raw}")`);
}

function oneOf<T extends string>(
  env: Record<string, string | undefined>,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${raw}")`);
  }
  return raw as T;
}

function httpUrl(env: Record<string, string | undefined>, name: string, fallback: string): string {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an absolute http(s) URL (got "${raw}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must be an absolute http(s) URL (got "${raw}")`);
  }
  if (url.search || url.hash) throw new ConfigError(name, 'must not have a query string or fragment');
  return url.href.replace(/\/+$/, '');
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A comma-separated list of durations (`500ms`, `30s`, `2m`, `1h`, `3d`), in milliseconds. */
function durations(env: Record<string, string | undefined>, name: string, fallback: string): number[] {
  const raw = optional(env, name) ?? fallback;
  const parts = raw.split(',').map((part) => /^\s*(\d+)(ms|s|m|h|d)\s*$/.exec(part));
  if (parts.length > 30 || parts.some((m) => !m || Number(m[1]) === 0)) {
    throw new ConfigError(
      name,
      `must be durations like 30s, 2m, 1h or 3d, comma-separated, none zero (got "${raw}")`,
    );
  }
  return parts.map((m) => Number(m![1]) * UNIT_MS[m![2] as keyof typeof UNIT_MS]);
}
