/**
 * `npm test`: picks the PostgreSQL for the storage tests once for the whole run (`postgres.ts`), says which
 * in one line, runs node's test runner with it (`PORTICO_TEST_DATABASE_URL` for every test file), and stops
 * an embedded server it started once the runner is done, so the runner's summary stays the last line.
 *
 * Why a wrapper: node:test runs each file in a process of its own, and Node 22's runner has no global
 * setup (`--test-global-setup` exists on Node 26, not on 22.23). Arguments go to the runner; test files
 * given replace the default `test/**\/*.test.ts`, e.g. `npm test -- test/foundation/teams.integration.test.ts`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { findTestPostgres } from './postgres.ts';

const args = process.argv.slice(2);
const files = args.some((arg) => !arg.startsWith('-')) ? [] : ['test/**/*.test.ts'];

const postgres = await findTestPostgres().catch((error: Error) => {
  console.error(`npm test: ${error.message}`);
  process.exit(1);
});
console.log(`test database: ${postgres.description}`);

// Ctrl-C reaches the runner and the embedded server too (same process group); this process waits for the
// runner to finish and then cleans up instead of dying first.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => {});

// TAP when the output is not a terminal (CI, logs), on every Node line: Node 22 does that by itself, Node 24
// and later would print the spec reporter, whose summary reads differently.
const reporter =
  process.stdout.isTTY || args.some((a) => a.startsWith('--test-reporter')) ? [] : ['--test-reporter=tap'];
const runner = spawn(
  process.execPath,
  ['--test', '--test-concurrency=2', '--test-timeout=120000', ...reporter, ...args, ...files],
  { stdio: 'inherit', env: { ...process.env, PORTICO_TEST_DATABASE_URL: postgres.url } },
);
const [code, signal] = (await once(runner, 'exit')) as [number | null, NodeJS.Signals | null];
await postgres.stop();
process.exit(code ?? (signal ? 128 + 2 : 1));
