/**
 * Refreshes per second on PostgreSQL with 1, 2 and 4 refresh workers (each a process of its own), against
 * what the simulator's token endpoint serves alone in the same run.
 *
 * The simulator runs alone in its own process. Its X users get 60-second access tokens, so a refreshed
 * grant is due again at once (the 5-minute margin is longer than the token's life) and the same grants are
 * refreshed over and over, each with its rotating refresh token. The baseline is a bare OAuth client
 * refreshing its own chains of tokens with as many requests in flight as four workers have at most; the
 * workers refresh grants stored as a connect stores them (encrypted pair, account, schedule), so their
 * ratio is the cost of Portico's claim, lease, encryption, commit and events. A refresh token used twice
 * is refused by the simulator: a run that sees any grant expire or any failure stops with an error.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { sql } from 'kysely';
import { grantTokenContext } from '../src/accounts/tokens.ts';
import { generateKeySpec, parseKeyRing } from '../src/crypto/keyring.ts';
import { SANDBOX_CREDENTIALS } from '../src/sandbox/index.ts';
import { openStorage } from '../src/storage/db.ts';
import { newId } from '../src/storage/ids.ts';
import { migrate } from '../src/storage/migrate.ts';
import { bootstrapIfEmpty } from '../src/teams/bootstrap.ts';
import { basic, pkcePair, postForm } from '../test/sandbox/helpers.ts';
import { submitConsent } from '../test/support/consent.ts';
import { postgresUrl } from '../test/support/storage.ts';
import { nextMessage } from './children.ts';
import { loadFlows, type Measurement } from './load.ts';
import type { WorkerReport, WorkerSettings } from './refresh-worker.ts';

/** Grants the workers refresh, and as many token chains for the baseline. */
const GRANTS = 200;
/** Most refreshes four workers have in flight (4 x the worker's 8 lanes). */
const BASELINE_CONCURRENCY = 32;
const WORKER_COUNTS = [1, 2, 4];
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const SCRIPT = path.join(import.meta.dirname, 'refresh-worker.ts');

export const REFRESH_BASELINE = 'baseline: simulator token endpoint alone, X refresh (rotating)';

export interface RefreshRow {
  database: string;
  scenario: string;
  measurement: Measurement;
  baseline?: string;
}

function child(args: string[]): ChildProcess {
  return fork(SCRIPT, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
}

interface Pair {
  access: string;
  refresh: string;
  expiresIn: number;
}

/** A user of the simulated X with 60-second tokens, authorized by a bare client: its first token pair. */
async function authorizedPair(simulator: string, i: number): Promise<{ subject: string; pair: Pair }> {
  const { clientId, clientSecret } = SANDBOX_CREDENTIALS.twitter!;
  const added = await fetch(`${simulator}/_control/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      platform: 'twitter',
      name: `Bench Refresh ${i}`,
      username: `bench_refresh_${i}`,
      scenario: { accessTtlSeconds: 60, refreshRotates: true },
    }),
  });
  if (added.status !== 201) throw new Error(`adding a simulator user: ${added.status} ${await added.text()}`);
  const user = (await added.json()) as { id: string };
  const pkce = pkcePair();
  const authorize = new URL(`${simulator}/x.com/i/oauth2/authorize`);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    scope: 'tweet.read tweet.write users.read offline.access',
    state: randomBytes(8).toString('base64url'),
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
  }).toString();
  const code = new URL(await submitConsent(authorize.toString(), { user: user.id })).searchParams.get('code');
  if (!code) throw new Error('the simulator returned no code');
  const token = await postForm(
    `${simulator}/api.x.com/2/oauth2/token`,
    { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: pkce.verifier },
    { authorization: basic(clientId, clientSecret) },
  );
  const body = (await token.json()) as { access_token: string; refresh_token: string; expires_in: number };
  if (token.status !== 200 || !body.refresh_token) throw new Error(`code exchange: ${token.status}`);
  return {
    subject: user.id,
    pair: { access: body.access_token, refresh: body.refresh_token, expiresIn: body.expires_in },
  };
}

/** The baseline flow: refresh one chain (taken from the pool, put back with its new token). */
function bareRefresh(simulator: string, chains: Pair[]): () => Promise<void> {
  const { clientId, clientSecret } = SANDBOX_CREDENTIALS.twitter!;
  const auth = { authorization: basic(clientId, clientSecret) };
  return async () => {
    const chain = chains.shift();
    if (!chain) throw new Error('more flows than token chains');
    const response = await postForm(
      `${simulator}/api.x.com/2/oauth2/token`,
      { grant_type: 'refresh_token', refresh_token: chain.refresh },
      auth,
    );
    const body = (await response.json()) as { access_token: string; refresh_token: string };
    if (response.status !== 200) throw new Error(`bare refresh: ${response.status} ${JSON.stringify(body)}`);
    chains.push({ ...chain, access: body.access_token, refresh: body.refresh_token });
  };
}

export async function benchRefresh(settings: { seconds: number; warmup: number }): Promise<RefreshRow[]> {
  const sim = child(['simulator']);
  const { url: simulator } = await nextMessage<{ url: string }>(sim, 'the simulator');
  const databaseUrl = await postgresUrl();
  const schema = `portico_bench_refresh_${randomBytes(4).toString('hex')}`;
  const admin = await openStorage({ kind: 'postgres', url: databaseUrl, poolSize: 1 });
  await sql.raw(`create schema ${schema}`).execute(admin.db);
  const storage = await openStorage({ kind: 'postgres', url: databaseUrl, schema, poolSize: 4 });
  const rows: RefreshRow[] = [];
  try {
    const { db } = storage;
    await migrate(db as never);
    const team = await bootstrapIfEmpty(db, 'sandbox');
    if (!team) throw new Error('a fresh bench schema must bootstrap');
    const version = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db);
    const database = `PostgreSQL ${version.rows[0]?.v ?? '?'}`;

    const authorized: Array<{ subject: string; pair: Pair }> = [];
    for (let i = 0; i < 2 * GRANTS; i += 8) {
      authorized.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(8, 2 * GRANTS - i) }, (_, k) => authorizedPair(simulator, i + k)),
        )),
      );
    }

    // Baseline: the simulator's token endpoint alone.
    const chains = authorized.slice(GRANTS).map((a) => a.pair);
    await loadFlows(bareRefresh(simulator, chains), {
      concurrency: BASELINE_CONCURRENCY,
      seconds: settings.warmup,
    });
    const baseline = await loadFlows(bareRefresh(simulator, chains), {
      concurrency: BASELINE_CONCURRENCY,
      seconds: settings.seconds,
    });
    rows.push({ database, scenario: REFRESH_BASELINE, measurement: baseline });

    // Grants as a connect stores them, due now.
    const keys = generateKeySpec('bench');
    const keyring = parseKeyRing(keys);
    const now = new Date();
    for (const { subject, pair } of authorized.slice(0, GRANTS)) {
      const key = { team_id: team.teamId, platform: 'twitter', instance: '', subject };
      const grantId = newId('grt');
      await db
        .insertInto('grants')
        .values({
          id: grantId,
          ...key,
          options: '{}',
          subject_name: subject,
          access_token_enc: keyring.encrypt(pair.access, grantTokenContext(key, 'access')),
          refresh_token_enc: keyring.encrypt(pair.refresh, grantTokenContext(key, 'refresh')),
          access_expires_at: new Date(now.getTime() + pair.expiresIn * 1000),
          scopes: JSON.stringify(['tweet.read', 'tweet.write', 'users.read', 'offline.access']),
          status: 'active',
          next_refresh_at: now,
          updated_at: now,
        })
        .execute();
      await db
        .insertInto('accounts')
        .values({
          id: newId('acc'),
          team_id: team.teamId,
          grant_id: grantId,
          platform: 'twitter',
          external_id: subject,
          target_type: 'profile',
          display_name: subject,
          username: null,
          avatar_url: null,
          target_id: null,
          metadata: '{}',
          connected_at: now,
          updated_at: now,
        })
        .execute();
    }

    for (const count of WORKER_COUNTS) {
      const settingsOfWorker: WorkerSettings = {
        databaseUrl,
        schema,
        keys,
        simulatorUrl: simulator,
        warmupSeconds: settings.warmup,
        seconds: settings.seconds,
      };
      const workers = Array.from({ length: count }, () =>
        child(['worker', JSON.stringify(settingsOfWorker)]),
      );
      await Promise.all(workers.map((w) => nextMessage<string>(w, 'a refresh worker')));
      const reports = workers.map((w) => nextMessage<WorkerReport>(w, 'a refresh worker'));
      for (const w of workers) w.send('go');
      const done = await Promise.all(reports);
      const refreshed = done.reduce((sum, r) => sum + r.refreshed, 0);
      const failed = done.reduce((sum, r) => sum + r.failed + r.expired, 0);
      const lost = await db
        .selectFrom('grants')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('status', '!=', 'active')
        .executeTakeFirstOrThrow();
      if (failed > 0 || Number(lost.n) > 0) {
        throw new Error(`${count} refresh workers: ${failed} failed refreshes, ${lost.n} grants lost`);
      }
      const seconds = Math.max(...done.map((r) => r.seconds));
      rows.push({
        database,
        scenario: `refresh worker${count > 1 ? 's' : ''} x${count}, PostgreSQL`,
        measurement: {
          perSecond: refreshed / seconds,
          p50Ms: Number.NaN,
          p99Ms: Number.NaN,
          count: refreshed,
        },
        baseline: REFRESH_BASELINE,
      });
    }
  } finally {
    await sql.raw(`drop schema if exists ${schema} cascade`).execute(storage.db);
    await storage.close();
    await admin.close();
    sim.send('stop');
  }
  return rows;
}
