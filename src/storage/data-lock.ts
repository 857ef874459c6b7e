/**
 * One process per embedded data folder. PGlite has no server to share: two processes opening one folder
 * each keep their own copy in memory and overwrite each other's writes, so a key created by one is
 * unknown to the other and gone after a restart. The first process holds `<dataDir>/portico.lock` (its
 * pid); a second one is refused at once. A lock whose pid is no longer running is left over from a crash
 * and is taken over.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readIfExists } from '../files.ts';

export const LOCK_FILE = 'portico.lock';

/** Another running process holds the data folder. The message is one line, for the CLI to print as it is. */
export class DataDirLockedError extends Error {
  readonly pid: number;
  readonly lockFile: string;
  constructor(dataDir: string, pid: number, lockFile: string) {
    super(
      `the data folder ${dataDir} is in use by another Portico process (pid ${pid}); stop it first, ` +
        `or use the API of the running one (if no Portico runs, delete ${lockFile})`,
    );
    this.name = 'DataDirLockedError';
    this.pid = pid;
    this.lockFile = lockFile;
  }
}

export interface DataLock {
  readonly file: string;
  /** Removes the lock file if it is still this holder's. */
  release(): Promise<void>;
}

/** Takes the data folder's lock, or throws `DataDirLockedError` naming the holder's pid. */
export async function acquireDataLock(dataDir: string): Promise<DataLock> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, LOCK_FILE);
  const token = `${process.pid} ${randomBytes(8).toString('hex')}`;
  // A few rounds: each lost race against another starting process, or a stale lock moved aside, is one.
  for (let round = 0; round < 5; round++) {
    if (await createExclusive(file, token)) return heldLock(file, token);
    const holder = await readIfExists(file);
    if (holder === undefined) continue; // released meanwhile
    const pid = Number.parseInt(holder, 10);
    if (Number.isInteger(pid) && pid > 0 && isRunning(pid)) throw new DataDirLockedError(dataDir, pid, file);
    await moveAsideIfUnchanged(file, holder);
  }
  throw new Error(`could not take the lock ${file}; another process keeps changing it`);
}

function heldLock(file: string, token: string): DataLock {
  let released = false;
  return {
    file,
    async release() {
      if (released) return;
      released = true;
      if ((await readIfExists(file)) === token) await rm(file, { force: true });
    },
  };
}

/**
 * Writes the token aside, then links it into place: link() fails when the lock exists, and a reader never
 * sees a half-written file.
 */
async function createExclusive(file: string, token: string): Promise<boolean> {
  const pending = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(pending, `${token}\n`, { flag: 'wx', mode: 0o600 });
    await link(pending, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(pending, { force: true });
  }
}

/**
 * Moves a stale lock out of the way. Two processes may both find it stale; rename() lets only one move
 * a given file, and if what was moved is no longer the stale lock (another process took over in between),
 * it is put back.
 */
async function moveAsideIfUnchanged(file: string, stale: string): Promise<void> {
  const aside = `${file}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    if ((await readIfExists(aside)) !== stale) await link(aside, file).catch(() => {});
  } finally {
    await rm(aside, { force: true });
  }
}

/** Signal 0 checks that the process exists; EPERM means it exists under another user. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
