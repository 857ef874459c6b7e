import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { DataDirLockedError, LOCK_FILE } from '../../src/storage/data-lock.ts';
import { openStorage } from '../../src/storage/db.ts';
import { migrate } from '../../src/storage/migrate.ts';

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('one process per embedded data folder', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'portico-lock-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  test('a second open of a data folder in use is refused, naming the holder’s pid', async () => {
    const first = await openStorage({ kind: 'pglite', dataDir: dir });
    try {
      assert.equal((await readFile(path.join(dir, LOCK_FILE), 'utf8')).split(' ')[0], String(process.pid));
      await assert.rejects(openStorage({ kind: 'pglite', dataDir: dir }), (error: unknown) => {
        assert.ok(error instanceof DataDirLockedError);
        assert.equal(error.pid, process.pid);
        assert.match(error.message, new RegExp(`in use by another Portico process \\(pid ${process.pid}\\)`));
        assert.ok(!error.message.includes('\n'), 'one line');
        return true;
      });
    } finally {
      await first.close();
    }
  });

  test('closing releases the folder, and nothing the first process wrote is lost', async () => {
    const first = await openStorage({ kind: 'pglite', dataDir: dir });
    await migrate(first.db as never);
    await first.db.insertInto('organizations').values({ id: 'org_first', name: 'First' }).execute();
    await first.close();
    const second = await openStorage({ kind: 'pglite', dataDir: dir });
    try {
      const rows = await second.db.selectFrom('organizations').select('id').execute();
      assert.deepEqual(
        rows.map((r) => r.id),
        ['org_first'],
      );
    } finally {
      await second.close();
    }
  });

  test('a lock left by a process that no longer runs is taken over', async () => {
    const pid = deadPid();
    await writeFile(path.join(dir, LOCK_FILE), `${pid} leftover\n`);
    const storage = await openStorage({ kind: 'pglite', dataDir: dir });
    try {
      const holder = await readFile(path.join(dir, LOCK_FILE), 'utf8');
      assert.equal(holder.split(' ')[0], String(process.pid));
    } finally {
      await storage.close();
    }
    await assert.rejects(readFile(path.join(dir, LOCK_FILE)), { code: 'ENOENT' });
  });

  test('a database in memory takes no lock', async () => {
    const a = await openStorage({ kind: 'pglite' });
    const b = await openStorage({ kind: 'pglite' });
    await a.close();
    await b.close();
  });
});
