/**
 * `npm run bench`: measures Portico on loopback against baselines measured in the same run, on PostgreSQL
 * and on PGlite, and prints each scenario's rate and latency with its ratio to the baseline. Results go to
 * bench/results/latest.json too. Every target runs in its own process (bench/target.ts); the load
 * generator runs here. Bounded: with the defaults a run takes about two and a half minutes.
 *
 *   npm run bench -- [--seconds 10] [--warmup 2] [--connections 10] [--flow-concurrency 4]
 *                    [--backend postgres --backend pglite] [--webhook-events 2000]
 *                    [--portal-loads 30 (0: no portal page)] [--out bench/results/latest.json]
 *
 * Ratios, not absolute numbers, are what carries from one machine to another.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Backend } from '../test/support/storage.ts';
import { bareOAuthConnect, porticoConnect } from './flows.ts';
import { loadFlows, loadRequests, type Measurement } from './load.ts';
import { benchPortal, describePortal } from './portal.ts';
import { benchRefresh } from './refresh.ts';
import type { TargetKind, TargetReady } from './target.ts';
import { benchWebhooks } from './webhooks.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
    'flow-concurrency': { type: 'string', default: '4' },
    backend: { type: 'string', multiple: true, default: ['postgres', 'pglite'] },
    'webhook-events': { type: 'string', default: '2000' },
    'portal-loads': { type: 'string', default: '30' },
    out: { type: 'string', default: path.join(import.meta.dirname, 'results', 'latest.json') },
  },
});

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 600) throw new Error(`--${name} must be an integer from 1 to 600`);
  return n;
}

const settings = {
  seconds: positive('seconds', values.seconds),
  warmup: positive('warmup', values.warmup),
  connections: positive('connections', values.connections),
  flowConcurrency: positive('flow-concurrency', values['flow-concurrency']),
  webhookEvents: (() => {
    const n = Number(values['webhook-events']);
    if (!Number.isInteger(n) || n < 100 || n > 100_000) {
      throw new Error('--webhook-events must be an integer from 100 to 100000');
    }
    return n;
  })(),
  // 0 leaves the portal page out (the harness test measures it in a file of its own).
  portalLoads: values['portal-loads'] === '0' ? 0 : positive('portal-loads', values['portal-loads']),
  backends: values.backend.map((b) => {
    if (b !== 'postgres' && b !== 'pglite') throw new Error('--backend must be postgres or pglite');
    return b as Backend;
  }),
};

interface Row extends Measurement {
  backend: Backend;
  database: string;
  scenario: string;
  /** The scenario this one is compared with; absent on baselines. */
  baseline?: string;
  ratio?: number;
}

interface Target extends TargetReady {
  stop(): Promise<void>;
}

const TARGET_SCRIPT = path.join(import.meta.dirname, 'target.ts');

async function startTarget(kind: TargetKind, backend: Backend): Promise<Target> {
  // stdout (Portico's JSON logs) is discarded, as a log shipper would take it; errors still show.
  const child: ChildProcess = fork(TARGET_SCRIPT, [kind, backend], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ready = await new Promise<TargetReady>((resolve, reject) => {
    child.once('message', (message) => resolve(message as TargetReady));
    child.once('exit', (code) => reject(new Error(`the ${kind} target on ${backend} exited (${code})`)));
  });
  return {
    ...ready,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('stop');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function measureRequests(load: Omit<Parameters<typeof loadRequests>[0], 'connections' | 'seconds'>) {
  const connections = settings.connections;
  await loadRequests({ ...load, connections, seconds: settings.warmup });
  return loadRequests({ ...load, connections, seconds: settings.seconds });
}

async function measureFlows(flow: () => Promise<void>) {
  const concurrency = settings.flowConcurrency;
  await loadFlows(flow, { concurrency, seconds: settings.warmup });
  return loadFlows(flow, { concurrency, seconds: settings.seconds });
}

const TEAMS_BASELINE = 'baseline: bare Fastify GET /v1/teams, same query';
const OAUTH_BASELINE = 'baseline: bare OAuth client, X simulator';

async function benchBackend(backend: Backend): Promise<Row[]> {
  const rows: Row[] = [];
  const add = (database: string, scenario: string, m: Measurement, baseline?: string) => {
    const base = baseline ? rows.find((r) => r.scenario === baseline) : undefined;
    rows.push({
      backend,
      database,
      scenario,
      ...m,
      ...(base ? { baseline, ratio: m.perSecond / base.perSecond } : {}),
    });
    console.error(`  ${backend}: ${scenario}: ${m.perSecond.toFixed(0)}/s`);
  };

  const bare = await startTarget('baseline', backend);
  try {
    add(bare.database, TEAMS_BASELINE, await measureRequests({ url: `${bare.url}/v1/teams` }));
  } finally {
    await bare.stop();
  }

  const portico = await startTarget('portico', backend);
  try {
    const auth = { authorization: `Bearer ${portico.adminKey}` };
    const db = portico.database;
    add(
      db,
      'GET /v1/teams',
      await measureRequests({ url: `${portico.url}/v1/teams`, headers: auth }),
      TEAMS_BASELINE,
    );
    const createLink = await measureRequests({
      url: `${portico.url}/v1/social/connect/twitter`,
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{}',
    });
    add(db, 'POST /v1/social/connect/twitter (create link)', createLink, TEAMS_BASELINE);
    add(db, OAUTH_BASELINE, await measureFlows(bareOAuthConnect(portico)));
    add(db, 'completed connects, X simulator', await measureFlows(porticoConnect(portico)), OAUTH_BASELINE);
    // The connects above made an account; its health from the last refresh, without the live probe.
    const listed = await fetch(`${portico.url}/v1/social/accounts`, { headers: auth });
    const account = ((await listed.json()) as { data: Array<{ id: string }> }).data[0];
    if (!account) throw new Error('the connects made no account');
    const health = await measureRequests({
      url: `${portico.url}/v1/social/accounts/${account.id}/health?probe=false`,
      headers: auth,
    });
    add(db, 'GET /v1/social/accounts/{id}/health?probe=false', health, TEAMS_BASELINE);
  } finally {
    await portico.stop();
  }
  return rows;
}

function table(rows: Row[]): string {
  const header = ['backend', 'scenario', 'per s', 'p50 ms', 'p99 ms', 'vs baseline'];
  const lines = rows.map((r) => [
    r.backend,
    r.scenario,
    r.perSecond.toFixed(0),
    // Worker rows (refresh, webhooks) report a rate only.
    Number.isFinite(r.p50Ms) ? r.p50Ms.toFixed(1) : '-',
    Number.isFinite(r.p99Ms) ? r.p99Ms.toFixed(1) : '-',
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...lines.map(format)].join('\n');
}

async function main() {
  const cpus = os.cpus();
  const machine = {
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: `${cpus.length} x ${cpus[0]?.model ?? 'unknown'}`,
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
  };
  console.error(
    `bench: ${settings.seconds} s per scenario after ${settings.warmup} s warm-up, ` +
      `${settings.connections} connections, ${settings.flowConcurrency} concurrent flows`,
  );
  const rows: Row[] = [];
  for (const backend of settings.backends) rows.push(...(await benchBackend(backend)));
  if (settings.backends.includes('postgres')) {
    // Refresh and webhook workers run on PostgreSQL only (the embedded database is one process's).
    const workerRows = [
      ...(await benchRefresh(settings)),
      ...(await benchWebhooks({ ...settings, events: settings.webhookEvents })),
    ];
    for (const r of workerRows) {
      const base = r.baseline ? workerRows.find((b) => b.scenario === r.baseline) : undefined;
      rows.push({
        backend: 'postgres',
        database: r.database,
        scenario: r.scenario,
        ...r.measurement,
        ...(base
          ? { baseline: r.baseline, ratio: r.measurement.perSecond / base.measurement.perSecond }
          : {}),
      });
      console.error(`  postgres: ${r.scenario}: ${r.measurement.perSecond.toFixed(0)}/s`);
    }
  }

  // The hosted portal page in Chromium: its weight and time to first paint (goals: 30 KB, 150 ms).
  const portal = settings.portalLoads > 0 ? await benchPortal(settings.portalLoads) : undefined;

  const databases = [...new Set(rows.map((r) => `${r.backend}: ${r.database}`))].join('; ');
  console.log(`\nPortico benchmark, ${new Date().toISOString()}`);
  console.log(`node ${machine.node}, ${machine.platform}, ${machine.cpus}, ${machine.memory_gib} GiB`);
  console.log(`${databases}\n`);
  console.log(table(rows));
  if (portal) console.log(`\n${describePortal(portal)}`);

  const out = path.resolve(values.out);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(
    out,
    `${JSON.stringify({ at: new Date().toISOString(), machine, settings, rows, portal }, null, 2)}\n`,
  );
  console.log(`\nwritten to ${path.relative(process.cwd(), out)}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
