/**
 * `npm run seed:grants -- 1000000`: seeds that many grants on PostgreSQL and shows how the refresh worker's
 * claim statement runs on them (the plan, which must use `grants_next_refresh` and never scan the table,
 * and its time), for docs/performance.md.
 *
 * PostgreSQL only (`DATABASE_URL`, else the local test server 127.0.0.1:5432/test). It works in a schema
 * of its own (`--schema`, default `portico_seed`), made fresh for the run and dropped afterwards unless
 * `--keep`: it never touches Portico's own tables. Rows are made by `generate_series` in chunks of
 * 100,000 (one statement each), so a million takes seconds and memory stays flat. Of the grants, 1% are
 * due (`--due`), 2% need re-authorization (off the schedule), the rest are due over the next 30 days, and
 * a few of the due ones are leased by a live worker.
 *
 * Options: `--schema name`, `--due 0.01`, `--batch 50` (grants per claim), `--keep`.
 */
import { parseArgs } from 'node:util';
import { CompiledQuery, sql } from 'kysely';
import { openStorage } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import { claimQuery } from '../src/workers/refresh.ts';

const MAX_GRANTS = 10_000_000;
const CHUNK = 100_000;
const TIMED_CLAIMS = 50;
const PLATFORMS = ['twitter', 'linkedin', 'tiktok', 'threads', 'facebook'];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    schema: { type: 'string', default: 'portico_seed' },
    due: { type: 'string', default: '0.01' },
    batch: { type: 'string', default: '50' },
    keep: { type: 'boolean', default: false },
  },
});
const count = Number(positionals[0] ?? 1_000_000);
const dueFraction = Number(values.due);
const batch = Number(values.batch);
if (!Number.isInteger(count) || count < 1 || count > MAX_GRANTS) {
  throw new Error(`the number of grants must be a whole number from 1 to ${MAX_GRANTS}`);
}
if (!(dueFraction >= 0 && dueFraction <= 1)) throw new Error('--due must be from 0 to 1');
if (!/^[a-z_][a-z0-9_]{0,40}$/.test(values.schema))
  throw new Error('--schema must be a plain lower-case name');
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
if (!/^postgres(ql)?:\/\//.test(url)) throw new Error('seed:grants runs on PostgreSQL only (DATABASE_URL)');

const schema = values.schema;
const admin = await openStorage({ kind: 'postgres', url, poolSize: 1 });
await sql.raw(`drop schema if exists ${schema} cascade`).execute(admin.db);
await sql.raw(`create schema ${schema}`).execute(admin.db);
await admin.close();
const storage = await openStorage({ kind: 'postgres', url, schema, poolSize: 2 });
const { db } = storage;

try {
  await migrate(db as never);
  const version = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db);
  console.log(
    `PostgreSQL ${version.rows[0]?.v}, schema ${schema}: seeding ${count.toLocaleString('en')} grants`,
  );
  await db.insertInto('organizations').values({ id: 'org_seed', name: 'Seed' }).execute();
  await db
    .insertInto('teams')
    .values({
      id: 'team_seed',
      organization_id: 'org_seed',
      name: 'Seed',
      allowed_origins: '[]',
      updated_at: new Date(),
    })
    .execute();

  const started = performance.now();
  const platforms = sql.raw(`array[${PLATFORMS.map((p) => `'${p}'`).join(', ')}]`);
  const dueEvery = dueFraction > 0 ? Math.max(1, Math.round(1 / dueFraction)) : 0;
  for (let from = 1; from <= count; from += CHUNK) {
    const to = Math.min(count, from + CHUNK - 1);
    // g % dueEvery = 0: due now (every 20th of those leased by a live worker); g % 50 = 1: needs_reauth;
    // others: due at a pseudo-random time over the next 30 days.
    await sql`
      insert into grants (id, team_id, platform, subject, access_token_enc, refresh_token_enc,
        access_expires_at, scopes, status, next_refresh_at, refresh_lease_owner, refresh_lease_until,
        updated_at)
      select 'grt_seed_' || lpad(g::text, 10, '0'), 'team_seed', (${platforms})[1 + g % 5], 'subject-' || g,
        'seed-ciphertext', 'seed-ciphertext', now() + interval '1 hour', '[]',
        case when g % 50 = 1 then 'needs_reauth' else 'active' end,
        case
          when g % 50 = 1 then null
          when ${dueEvery} > 0 and g % ${dueEvery} = 0 then now() - (g % 600) * interval '1 second'
          else now() + ((g::bigint * 7919) % 2592000) * interval '1 second'
        end,
        case when ${dueEvery} > 0 and g % (${dueEvery} * 20) = 0 then 'lease_live_worker' end,
        case when ${dueEvery} > 0 and g % (${dueEvery} * 20) = 0 then now() + interval '30 seconds' end,
        now()
      from generate_series(${from}::int, ${to}::int) as g`.execute(db);
    process.stdout.write(`\r  ${to.toLocaleString('en')} grants`);
  }
  await sql`analyze grants`.execute(db);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const stats = await sql<{ due: string; size: string }>`
    select count(*) filter (where next_refresh_at <= now() and status = 'active') as due,
      pg_size_pretty(pg_total_relation_size('grants')) as size from grants`.execute(db);
  console.log(
    `\n  seeded in ${seconds} s; ${stats.rows[0]?.due} due; grants table with indexes: ${stats.rows[0]?.size}`,
  );

  // Every claim below runs in a transaction that is rolled back, so each sees the same due grants.
  await db.connection().execute(async (conn) => {
    const claim = () => claimQuery(conn, 'lease_seed_worker', batch, new Date()).compile();
    await sql`begin`.execute(conn);
    const plan = await conn.executeQuery<{ 'QUERY PLAN': string }>(
      CompiledQuery.raw(`explain (analyze, buffers, costs off) ${claim().sql}`, [...claim().parameters]),
    );
    await sql`rollback`.execute(conn);
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    console.log(`\nclaim of ${batch} grants, EXPLAIN (ANALYZE, BUFFERS, COSTS OFF):\n${text}\n`);
    if (/Seq Scan on grants/.test(text)) throw new Error('the claim scans the whole grants table');

    const times: number[] = [];
    for (let i = 0; i < TIMED_CLAIMS; i++) {
      await sql`begin`.execute(conn);
      const t = performance.now();
      const claimed = await conn.executeQuery(claim());
      times.push(performance.now() - t);
      await sql`rollback`.execute(conn);
      if (claimed.rows.length !== batch)
        throw new Error(`a claim got ${claimed.rows.length} grants, not ${batch}`);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2);
    console.log(
      `claim of ${batch} grants over ${TIMED_CLAIMS} runs: p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms`,
    );
  });
} finally {
  if (!values.keep) await sql.raw(`drop schema if exists ${schema} cascade`).execute(db);
  await storage.close();
}
