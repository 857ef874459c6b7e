/**
 * Everything a Portico process holds: configuration, database, key ring, outbound HTTP client, clock.
 * Built once at start-up and passed down; nothing here is kept that another process would need.
 */
import type { Logger } from 'pino';
import type { Config } from './config/config.ts';
import type { OAuthClient } from './oauth/types.ts';
import { type KeyRing, loadOrCreateKeyFile, parseKeyRing } from './crypto/keyring.ts';
import { createMetrics, type Metrics } from './http/metrics.ts';
import { createOutbound, type Outbound } from './outbound/client.ts';
import { type HostOverrides, parseHostOverrides } from './outbound/host-overrides.ts';
import { type Resolver, systemResolver } from './outbound/public-address.ts';
import { type Db, openStorage, type Storage, type StorageTarget } from './storage/db.ts';
import { migrate } from './storage/migrate.ts';
import { queueStats } from './webhooks/deliver.ts';

export interface Runtime {
  config: Config;
  storage: Storage;
  db: Db;
  keyring: KeyRing;
  outbound: Outbound;
  /** The host override map in force: the configured one, plus the simulator's in sandbox mode. */
  hostOverrides: HostOverrides;
  logger: Logger;
  metrics: Metrics;
  now: () => Date;
  /** The simulator's OAuth apps, per platform, in sandbox mode; empty in live mode. */
  sandboxApps: Readonly<Record<string, OAuthClient>>;
  /** DNS for addresses Portico checks before calling a host a caller named (webhook endpoints). */
  resolve: Resolver;
}

export interface RuntimeOptions {
  /** Extra host overrides (the simulator's addresses in sandbox mode). Configured ones win. */
  extraOverrides?: HostOverrides;
  /** Use this storage instead of the configured one (tests run each file in its own schema). */
  storage?: Storage;
  now?: () => Date;
  /** The simulator's OAuth apps (sandbox mode). */
  sandboxApps?: Readonly<Record<string, OAuthClient>>;
  /** DNS stand-in (tests name hosts that resolve where they choose). */
  resolve?: Resolver;
}

export function storageTarget(config: Config): StorageTarget {
  return config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl }
    : { kind: 'pglite', dataDir: config.dataDir };
}

export async function createRuntime(
  config: Config,
  logger: Logger,
  options: RuntimeOptions = {},
): Promise<Runtime> {
  // Everything the configuration says is read before anything is written: a wrong setting must not leave
  // a key file or a database behind. Then the database (which locks an embedded data folder), then the key file.
  const configuredKeys = config.encryptionKeys ? parseKeyRing(config.encryptionKeys) : undefined;
  const hostOverrides = {
    ...options.extraOverrides,
    ...(config.hostOverrides ? parseHostOverrides(config.hostOverrides) : {}),
  };
  const storage = options.storage ?? (await openStorage(storageTarget(config)));
  let keyring: KeyRing;
  try {
    keyring = configuredKeys ?? (await loadKeyFile(config, logger));
    const applied = await migrate(storage.db as never);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
  } catch (error) {
    if (!options.storage) await storage.close();
    throw error;
  }
  const runtime: Runtime = {
    config,
    storage,
    db: storage.db,
    keyring,
    hostOverrides,
    outbound: createOutbound({
      overrides: hostOverrides,
      timeoutMs: config.outboundTimeoutMs,
      userAgent: 'Portico/0.1 (+https://github.com/portico-oss/portico)',
      onRequest: (e) => logger.debug({ outbound: e }, 'outbound request'),
    }),
    logger,
    metrics: createMetrics(),
    now: options.now ?? (() => new Date()),
    sandboxApps: options.sandboxApps ?? {},
    resolve: options.resolve ?? systemResolver,
  };
  runtime.metrics.webhookQueue.read = () => queueStats(runtime);
  return runtime;
}

async function loadKeyFile(config: Config, logger: Logger): Promise<KeyRing> {
  const file = await loadOrCreateKeyFile(config.dataDir);
  if (file.created) {
    logger.warn({ path: file.path }, 'generated an encryption key for secrets at rest; back this file up');
  }
  return parseKeyRing(file.spec);
}
