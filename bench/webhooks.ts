/**
 * Webhook delivery on PostgreSQL: delivered events per second to a local receiver with 1 and 4 webhook
 * workers (each a process of its own), against what the receiver takes from a bare client in the same run,
 * and the time from a state change through the API to its delivery at the receiver.
 *
 * The parent (run by bench/run.ts) holds the receiver, a node:http server on 127.0.0.1 that reads the body
 * and answers 204, and makes the state changes; the other processes are this file again:
 *
 *   node bench/webhooks.ts portico <json>   Portico's API (sandbox mode, no in-process workers)
 *   node bench/webhooks.ts worker <json>    one webhook worker: passes of `deliverDue` between "go" and
 *                                           "stop", back to back while they find work, a poll interval
 *                                           apart when one finds none; then a report of what it did
 *   node bench/webhooks.ts loop <json>      one webhook worker as `portico worker` runs it
 *                                           (`startWebhookWorker`, polling every PORTICO_WEBHOOKS_POLL_MS)
 *
 * Every event is a real state change: `POST /v1/social/accounts/{id}/pause` or `/resume` on one of
 * `ACCOUNTS` accounts, which emits `account.paused` / `account.resumed` in the change's transaction and
 * queues one delivery for the bench's endpoint (made through `POST /v1/webhooks`).
 *
 * - Throughput: with no worker running, `--webhook-events` changes queue as many deliveries; then the
 *   workers start and the clock runs until none is pending. The rate is deliveries over that time. The
 *   baseline is a bare client POSTing bodies of the same size to the same receiver, a fresh connection per
 *   request as Portico opens one per attempt, with as many requests in flight as four workers have at most.
 * - Latency: one worker as deployed (`startWebhookWorker`, default 250 ms poll), changes paced at
 *   `LATENCY_RATE` per second; each is timed from the moment its API request is sent to the moment the
 *   receiver has read the delivery's body (the same clock: both are in this process).
 *
 * A run stops with an error if a delivery fails, is lost, arrives out of order for its account, or does
 * not verify with the Standard Webhooks library; duplicates (at least once) are counted and reported.
 * Bounded: the queue is drained within `DRAIN_LIMIT_MS` or the run fails.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { grantTokenContext } from '../src/accounts/tokens.ts';
import { loadConfig } from '../src/config/config.ts';
import { generateKeySpec, parseKeyRing } from '../src/crypto/keyring.ts';
import { createLogger } from '../src/http/logging.ts';
import { createRuntime } from '../src/runtime.ts';
import { startPortico } from '../src/server.ts';
import { openStorage } from '../src/storage/db.ts';
import { newId } from '../src/storage/ids.ts';
import { deliverDue } from '../src/webhooks/deliver.ts';
import { startWebhookWorker } from '../src/workers/webhooks.ts';
import { freePort } from '../test/support/portico.ts';
import { postgresUrl } from '../test/support/storage.ts';
import { nextMessage } from './children.ts';
import { loadFlows, type Measurement, percentile } from './load.ts';

/** Accounts whose pauses and resumes make the events (an account's deliveries are sent one at a time). */
const ACCOUNTS = 200;
/** State changes in flight at once while the queue is filled. */
const FILL_CONCURRENCY = 16;
/** Changes per second in the latency run: light load, so the figure is the pipeline's, not a queue's. */
const LATENCY_RATE = 20;
/** Deliveries each worker count drains before its measured run. */
const WARMUP_EVENTS = 200;
/** Most deliveries four workers have in flight (4 x the worker's 8 lanes): the baseline's concurrency. */
const BASELINE_CONCURRENCY = 32;
const WORKER_COUNTS = [1, 4];
const DRAIN_LIMIT_MS = 180_000;
const SCRIPT = import.meta.filename;

export const WEBHOOKS_BASELINE = 'baseline: bare POSTs to the receiver, fresh connection each';

export interface WebhookRow {
  database: string;
  scenario: string;
  measurement: Measurement;
  baseline?: string;
}

interface ChildSettings {
  databaseUrl: string;
  schema: string;
  keys: string;
}

interface WorkerReport {
  delivered: number;
  retrying: number;
  failed: number;
  /** CPU time the worker process used between "go" and "stop" (user + system), in ms. */
  cpuMs: number;
}

function env(settings: ChildSettings, extra: Record<string, string> = {}) {
  return {
    PORTICO_MODE: 'sandbox',
    PORTICO_ENCRYPTION_KEYS: settings.keys,
    PORTICO_DATA_DIR: '/nonexistent-portico-bench-dir',
    PORTICO_LOG_LEVEL: 'silent',
    PORTICO_WEBHOOKS_ALLOW_PRIVATE: 'true',
    PORTICO_IN_PROCESS_WORKERS: 'false',
    ...extra,
  };
}

function storageOf(settings: ChildSettings, poolSize: number) {
  return openStorage({ kind: 'postgres', url: settings.databaseUrl, schema: settings.schema, poolSize });
}

// ---- child processes ----

async function porticoChild(settings: ChildSettings) {
  const port = await freePort();
  const config = loadConfig(
    env(settings, {
      PORTICO_HOST: '127.0.0.1',
      PORTICO_PORT: String(port),
      PORTICO_RATE_LIMIT_API: '1000000',
      PORTICO_RATE_LIMIT_PUBLIC: '1000000',
    }),
  );
  const portico = await startPortico(config, createLogger(config.logLevel), {
    storage: await storageOf(settings, 10),
  });
  if (!portico.bootstrapped) throw new Error('a fresh bench schema must bootstrap');
  process.on('message', async (message) => {
    if (message !== 'stop') return;
    await portico.close();
    process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ url: portico.url, adminKey: portico.bootstrapped.adminKey });
}

async function workerRuntime(settings: ChildSettings) {
  const config = loadConfig(env(settings));
  const storage = await storageOf(settings, 10);
  const runtime = await createRuntime(config, createLogger(config.logLevel), { storage });
  return { runtime, storage };
}

/** Passes of `deliverDue` back to back from each "go" to its "stop", reporting after each stop. */
async function workerChild(settings: ChildSettings) {
  const { runtime, storage } = await workerRuntime(settings);
  let running = false;
  let report: WorkerReport = { delivered: 0, retrying: 0, failed: 0, cpuMs: 0 };
  let cpu = process.cpuUsage();
  const loop = async () => {
    while (running) {
      const run = await deliverDue(runtime);
      report.delivered += run.delivered;
      report.retrying += run.retrying;
      report.failed += run.failed;
      // Nothing claimable now (the rest is leased by other workers, or each account's next delivery waits
      // for its previous one): wait for the next poll, as the deployed worker does, rather than spin on
      // the database.
      if (run.claimed === 0) await sleep(runtime.config.webhooks.pollMs);
    }
  };
  let looping: Promise<void> = Promise.resolve();
  process.on('message', async (message) => {
    if (message === 'go') {
      report = { delivered: 0, retrying: 0, failed: 0, cpuMs: 0 };
      cpu = process.cpuUsage();
      running = true;
      looping = loop();
    } else if (message === 'stop') {
      running = false;
      await looping;
      const used = process.cpuUsage(cpu);
      report.cpuMs = (used.user + used.system) / 1000;
      process.send!(report);
    } else if (message === 'exit') {
      await storage.close();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send!('ready');
}

/** The deployed worker's loop, on its own poll interval. */
async function loopChild(settings: ChildSettings) {
  const { runtime, storage } = await workerRuntime(settings);
  const worker = startWebhookWorker(runtime);
  // Background work never keeps a process alive on its own; the IPC channel does here.
  process.on('message', async (message) => {
    if (message !== 'stop') return;
    await worker.stop();
    await storage.close();
    process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ pollMs: runtime.config.webhooks.pollMs });
}

// ---- the parent ----

function child(mode: string, settings: ChildSettings): ChildProcess {
  return fork(SCRIPT, [mode, JSON.stringify(settings)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
}

interface Arrival {
  id: string;
  type: string;
  account: string;
  at: number;
}

/** The local receiver: reads each delivery, answers 204, checks a sample of signatures. */
async function startReceiver() {
  const seen = new Set<string>();
  const receiver = {
    url: '',
    secret: '',
    received: 0,
    duplicates: 0,
    verified: 0,
    /** Checks every n-th delivery's signature (1: all). */
    verifyEvery: 1,
    onArrival: (_arrival: Arrival) => {},
    error: undefined as Error | undefined,
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = performance.now();
      response.writeHead(204).end();
      // Anything but a delivery (the baseline's bare POSTs) is only answered.
      if (request.url !== '/hooks') return;
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        const id = String(request.headers['webhook-id']);
        receiver.received++;
        if (seen.has(id)) {
          receiver.duplicates++;
          return;
        }
        seen.add(id);
        if (seen.size % receiver.verifyEvery === 0) {
          new Webhook(receiver.secret).verify(body, request.headers as Record<string, string>);
          receiver.verified++;
        }
        const event = JSON.parse(body) as { id: string; type: string; data: { account: { id: string } } };
        receiver.onArrival({ id: event.id, type: event.type, account: event.data.account.id, at });
      } catch (error) {
        receiver.error ??= error as Error;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return {
    receiver,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A bare client's POST to the receiver: a body the size of a delivery's, on a fresh connection. */
function barePost(url: string, body: string): () => Promise<void> {
  const target = new URL(url);
  return () =>
    new Promise((resolve, reject) => {
      const request = http.request(
        target,
        {
          method: 'POST',
          agent: false,
          headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
        },
        (response) => {
          response.resume();
          response.on('end', () =>
            response.statusCode === 204 ? resolve() : reject(new Error(`answered ${response.statusCode}`)),
          );
        },
      );
      request.on('error', reject);
      request.end(body);
    });
}

export async function benchWebhooks(settings: {
  seconds: number;
  warmup: number;
  events: number;
}): Promise<WebhookRow[]> {
  const databaseUrl = await postgresUrl();
  const schema = `portico_bench_webhooks_${randomBytes(4).toString('hex')}`;
  const keys = generateKeySpec('bench');
  const childSettings: ChildSettings = { databaseUrl, schema, keys };
  const admin = await openStorage({ kind: 'postgres', url: databaseUrl, poolSize: 1 });
  await sql.raw(`create schema ${schema}`).execute(admin.db);
  const storage = await storageOf(childSettings, 4);
  const { db } = storage;
  const { receiver, close: closeReceiver } = await startReceiver();
  const portico = child('portico', childSettings);
  const children: ChildProcess[] = [portico];
  const rows: WebhookRow[] = [];
  try {
    const target = await nextMessage<{ url: string; adminKey: string }>(portico, 'Portico');
    const version = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db);
    const database = `PostgreSQL ${version.rows[0]?.v ?? '?'}`;
    const team = await db.selectFrom('teams').select('id').executeTakeFirstOrThrow();
    const auth = { authorization: `Bearer ${target.adminKey}`, 'content-type': 'application/json' };

    // Accounts as a connect stores them; never due for a refresh (no worker refreshes here anyway).
    const keyring = parseKeyRing(keys);
    const now = new Date();
    const accounts: string[] = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      const key = { team_id: team.id, platform: 'twitter', instance: '', subject: `bench-user-${i}` };
      const grantId = newId('grt');
      await db
        .insertInto('grants')
        .values({
          id: grantId,
          ...key,
          options: '{}',
          subject_name: `Bench User ${i}`,
          access_token_enc: keyring.encrypt(`access-${i}`, grantTokenContext(key, 'access')),
          refresh_token_enc: keyring.encrypt(`refresh-${i}`, grantTokenContext(key, 'refresh')),
          access_expires_at: new Date(now.getTime() + 86_400_000),
          scopes: JSON.stringify(['tweet.read', 'users.read', 'offline.access']),
          status: 'active',
          next_refresh_at: null,
          updated_at: now,
        })
        .execute();
      const id = newId('acc');
      await db
        .insertInto('accounts')
        .values({
          id,
          team_id: team.id,
          grant_id: grantId,
          platform: 'twitter',
          external_id: key.subject,
          target_type: 'profile',
          display_name: `Bench User ${i}`,
          username: `bench_user_${i}`,
          avatar_url: null,
          target_id: null,
          metadata: JSON.stringify({ bench: String(i) }),
          connected_at: now,
          updated_at: now,
        })
        .execute();
      accounts.push(id);
    }
    const paused = new Map(accounts.map((id) => [id, false]));

    /** Pauses a running account or resumes a paused one: one event, one delivery. */
    const toggle = async (account: string) => {
      const action = paused.get(account) ? 'resume' : 'pause';
      const response = await fetch(`${target.url}/v1/social/accounts/${account}/${action}`, {
        method: 'POST',
        headers: { authorization: auth.authorization },
      });
      if (response.status !== 200) throw new Error(`${action}: ${response.status} ${await response.text()}`);
      await response.body?.cancel();
      paused.set(account, action === 'pause');
      return action === 'pause' ? 'account.paused' : 'account.resumed';
    };

    const created = await fetch(`${target.url}/v1/webhooks`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        url: receiver.url,
        events: ['account.paused', 'account.resumed'],
        description: 'bench receiver',
      }),
    });
    if (created.status !== 201) throw new Error(`create endpoint: ${created.status} ${await created.text()}`);
    receiver.secret = ((await created.json()) as { data: { secret: string } }).data.secret;

    /** Queues `count` deliveries. Each lane toggles accounts of its own, so an account has one change in flight. */
    const fill = async (count: number) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: FILL_CONCURRENCY }, async (_, lane) => {
          const mine = accounts.filter((_, i) => i % FILL_CONCURRENCY === lane);
          for (let round = 0; next < count; round++) {
            next++;
            await toggle(mine[round % mine.length]!);
          }
        }),
      );
    };
    const pending = async () => {
      const row = await db
        .selectFrom('webhook_deliveries')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('status', '=', 'pending')
        .executeTakeFirstOrThrow();
      return Number(row.n);
    };
    const delivered = async () => {
      const row = await db
        .selectFrom('webhook_deliveries')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('status', '=', 'delivered')
        .executeTakeFirstOrThrow();
      return Number(row.n);
    };
    /** Order per account: each arrival must be the account's next change, alternating from its state. */
    const lastType = new Map<string, string>();
    const ordered = (arrival: Arrival) => {
      const expected =
        lastType.get(arrival.account) === 'account.paused' ? 'account.resumed' : 'account.paused';
      if (arrival.type !== expected) {
        throw new Error(`${arrival.account}: ${arrival.type} arrived where ${expected} was next`);
      }
      lastType.set(arrival.account, arrival.type);
    };
    receiver.onArrival = ordered;
    const check = (what: string) => {
      if (receiver.error) throw new Error(`${what}: the receiver saw ${receiver.error.message}`);
    };

    // Baseline: the receiver alone, with bodies the size of an account.paused delivery's.
    const view = await fetch(`${target.url}/v1/social/accounts/${accounts[0]}`, { headers: auth });
    const body = JSON.stringify({
      id: newId('evt'),
      type: 'account.paused',
      created_at: new Date().toISOString(),
      team_id: team.id,
      data: { account: ((await view.json()) as { data: unknown }).data },
    });
    const bare = barePost(`${receiver.url.replace(/\/hooks$/, '')}/bare`, body);
    await loadFlows(bare, { concurrency: BASELINE_CONCURRENCY, seconds: settings.warmup });
    const baseline = await loadFlows(bare, { concurrency: BASELINE_CONCURRENCY, seconds: settings.seconds });
    rows.push({ database, scenario: WEBHOOKS_BASELINE, measurement: baseline });

    // Throughput: a full queue drained by 1, then 4 workers.
    receiver.verifyEvery = 100;
    let expected = await delivered();
    for (const count of WORKER_COUNTS) {
      const workers = Array.from({ length: count }, () => child('worker', childSettings));
      children.push(...workers);
      await Promise.all(workers.map((w) => nextMessage<string>(w, 'a webhook worker')));
      const drain = async (events: number) => {
        await fill(events);
        if ((await pending()) !== events)
          throw new Error(`queued ${await pending()} of ${events} deliveries`);
        const reports = workers.map((w) => nextMessage<WorkerReport>(w, 'a webhook worker'));
        const started = performance.now();
        for (const w of workers) w.send('go');
        while ((await pending()) > 0) {
          if (performance.now() - started > DRAIN_LIMIT_MS) {
            throw new Error(`${count} webhook workers: ${await pending()} deliveries still pending`);
          }
          await sleep(10);
        }
        const seconds = (performance.now() - started) / 1000;
        for (const w of workers) w.send('stop');
        const done = await Promise.all(reports);
        const failed = done.reduce((sum, r) => sum + r.retrying + r.failed, 0);
        expected += events;
        const arrived = receiver.received - receiver.duplicates;
        if (failed > 0 || (await delivered()) !== expected || arrived !== expected) {
          throw new Error(
            `${count} webhook workers: ${failed} failed attempts, ${await delivered()} delivered and ` +
              `${arrived} received of ${expected}`,
          );
        }
        check(`${count} webhook workers`);
        const cpuMs = done.reduce((sum, r) => sum + r.cpuMs, 0);
        return { seconds, cpuMsPerDelivery: cpuMs / events };
      };
      await drain(WARMUP_EVENTS);
      const { seconds, cpuMsPerDelivery } = await drain(settings.events);
      // Less sensitive to a busy machine than the rate: what one delivery costs the worker processes.
      console.error(
        `  webhooks: ${count} worker${count > 1 ? 's' : ''}: ${cpuMsPerDelivery.toFixed(2)} ms of worker CPU per delivery`,
      );
      for (const w of workers) w.send('exit');
      rows.push({
        database,
        scenario: `webhook worker${count > 1 ? 's' : ''} x${count}, PostgreSQL`,
        measurement: {
          perSecond: settings.events / seconds,
          p50Ms: Number.NaN,
          p99Ms: Number.NaN,
          count: settings.events,
        },
        baseline: WEBHOOKS_BASELINE,
      });
    }

    // Latency: one worker as deployed, changes paced through the API.
    receiver.verifyEvery = 1;
    const loop = child('loop', childSettings);
    children.push(loop);
    const { pollMs } = await nextMessage<{ pollMs: number }>(loop, 'the webhook worker');
    const waiting = new Map<string, Array<{ type: string; sentAt: number }>>();
    const latencies: number[] = [];
    /** How long the API took to answer each change: the part of the latency before the commit is known. */
    const requests: number[] = [];
    let recording = false;
    receiver.onArrival = (arrival) => {
      ordered(arrival);
      const sent = waiting.get(arrival.account)?.shift();
      if (!sent || sent.type !== arrival.type)
        throw new Error(`${arrival.account}: unexpected ${arrival.type}`);
      if (recording) latencies.push(arrival.at - sent.sentAt);
    };
    const paced = async (seconds: number) => {
      const changes: Array<Promise<void>> = [];
      const total = Math.round(seconds * LATENCY_RATE);
      const started = performance.now();
      for (let i = 0; i < total; i++) {
        const wait = started + (i * 1000) / LATENCY_RATE - performance.now();
        if (wait > 0) await sleep(wait);
        const account = accounts[i % ACCOUNTS]!;
        const type = paused.get(account) ? 'account.resumed' : 'account.paused';
        const queue = waiting.get(account) ?? [];
        waiting.set(account, queue);
        const sentAt = performance.now();
        queue.push({ type, sentAt });
        changes.push(
          toggle(account).then(() => {
            if (recording) requests.push(performance.now() - sentAt);
          }),
        );
      }
      await Promise.all(changes);
      const until = performance.now() + 10_000;
      while ([...waiting.values()].some((q) => q.length > 0)) {
        if (performance.now() > until) throw new Error('latency run: deliveries still missing after 10 s');
        await sleep(10);
      }
      check('latency run');
      return total;
    };
    await paced(settings.warmup);
    recording = true;
    const changed = await paced(settings.seconds);
    latencies.sort((a, b) => a - b);
    requests.sort((a, b) => a - b);
    console.error(
      `  webhooks: state change to receiver p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ` +
        `${percentile(latencies, 99).toFixed(0)} ms; of which the API's answer to the change p50 ` +
        `${percentile(requests, 50).toFixed(0)} ms, p99 ${percentile(requests, 99).toFixed(0)} ms`,
    );
    rows.push({
      database,
      scenario: `state change to receiver, 1 worker (${pollMs} ms poll), ${LATENCY_RATE} changes/s`,
      measurement: {
        perSecond: changed / settings.seconds,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        count: latencies.length,
      },
    });
    if (receiver.duplicates > 0) console.error(`  webhooks: ${receiver.duplicates} duplicate deliveries`);
    for (const c of [loop, portico]) {
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.send('stop');
      await exited;
    }
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await closeReceiver();
    await sql.raw(`drop schema if exists ${schema} cascade`).execute(db);
    await storage.close();
    await admin.close();
  }
  return rows;
}

if (import.meta.main) {
  const [mode, json] = process.argv.slice(2);
  if (!process.send) throw new Error('bench/webhooks.ts runs as a child of bench/run.ts');
  const settings = JSON.parse(json ?? '{}') as ChildSettings;
  const run = mode === 'portico' ? porticoChild : mode === 'worker' ? workerChild : loopChild;
  run(settings).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
