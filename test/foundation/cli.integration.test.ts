import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../support/portico.ts';

const BIN = path.resolve('bin/portico.js');

function run(args: string[], env: Record<string, string>) {
  return spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function finished(
  child: ChildProcess,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}

/** Starts `portico serve`, waits until it listens, returns what it printed so far. */
async function serve(env: Record<string, string>) {
  const child = run(['serve'], env);
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  const done = finished(child);
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes('Portico is listening')) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    child.on('exit', () => {
      clearInterval(timer);
      reject(new Error(`serve exited early:\n${out}`));
    });
  });
  return { child, output: () => out, done };
}

describe('portico CLI', () => {
  let dataDir: string;
  let env: Record<string, string>;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'portico-cli-'));
    env = { PORTICO_DATA_DIR: dataDir, PORTICO_PORT: String(await freePort()) };
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  test('first serve prints an admin key once, generates an encryption key, and stops cleanly on SIGTERM', async () => {
    const first = await serve(env);
    const key = /pk_test_[A-Za-z0-9]{40}/.exec(first.output())?.[0];
    assert.ok(key, 'the admin key is printed');
    assert.match(first.output(), /generated an encryption key/);
    const keyFile = await stat(path.join(dataDir, 'encryption-keys'));
    assert.equal(keyFile.mode & 0o077, 0, 'the key file is private');
    const teams = await fetch(`http://127.0.0.1:${env.PORTICO_PORT}/v1/teams`, {
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(teams.status, 200);
    first.child.kill('SIGTERM');
    assert.equal((await first.done).code, 0);

    const second = await serve(env);
    assert.ok(!/pk_test_/.test(second.output()), 'the key is never printed again');
    const again = await fetch(`http://127.0.0.1:${env.PORTICO_PORT}/v1/teams`, {
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(again.status, 200, 'the data folder kept the key and team');
    second.child.kill('SIGTERM');
    assert.equal((await second.done).code, 0);
  });

  test('keys and teams commands work on the same data folder', async () => {
    const created = await finished(run(['keys', 'create', '--name', 'ci', '--scopes', 'social:read'], env));
    assert.equal(created.code, 0, created.stderr);
    const key = /pk_test_[A-Za-z0-9]{40}/.exec(created.stdout)?.[0];
    assert.ok(key);
    const listed = await finished(run(['keys', 'list'], env));
    assert.match(listed.stdout, new RegExp(key.slice(0, 16)));
    assert.ok(!listed.stdout.includes(key), 'list never shows a secret');
    const id = /\(id (key_\w+);/.exec(created.stdout)?.[1];
    assert.equal((await finished(run(['keys', 'revoke', id!], env))).code, 0);
    const team = await finished(run(['teams', 'create', '--name', 'Ops'], env));
    assert.match(team.stdout, /^team_/);
    assert.match((await finished(run(['teams', 'list'], env))).stdout, /Ops/);
  });

  test('a command on the data folder of a running serve is refused at once, in one line', async () => {
    const running = await serve(env);
    try {
      const refused = await finished(run(['keys', 'create', '--name', 'late', '--scopes', 'admin'], env));
      assert.notEqual(refused.code, 0);
      assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
      assert.match(
        refused.stderr,
        new RegExp(
          `^portico: the data folder .* is in use by another Portico process \\(pid ${running.child.pid}\\)`,
        ),
      );
      assert.ok(!/pk_test_/.test(refused.stdout), 'no key that would never work is printed');
    } finally {
      running.child.kill('SIGTERM');
      assert.equal((await running.done).code, 0);
    }
  });

  test('portico worker runs background work until SIGTERM', async () => {
    const child = run(['worker'], env);
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d;
    });
    const done = finished(child);
    for (let i = 0; i < 200 && !out.includes('Portico worker running'); i++)
      await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /"workers":\["housekeeping","refresh","webhooks"\]/);
    child.kill('SIGTERM');
    assert.equal((await done).code, 0);
  });

  test('a wrong setting stops the start with one line naming the variable', async () => {
    const result = await finished(run(['serve'], { ...env, PORTICO_MODE: 'staging' }));
    assert.equal(result.code, 78);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.match(result.stderr, /PORTICO_MODE must be one of sandbox, live/);
  });

  test('a malformed key ring or host override map stops the start naming the variable', async () => {
    const keys = await finished(run(['serve'], { ...env, PORTICO_ENCRYPTION_KEYS: 'k1:tooshort' }));
    assert.equal(keys.code, 78);
    assert.match(keys.stderr, /PORTICO_ENCRYPTION_KEYS key 'k1' is not 32 bytes/);
    assert.ok(!keys.stderr.includes('tooshort'), 'key material is never echoed');
    const hosts = await finished(
      run(['serve'], { ...env, PORTICO_HOST_OVERRIDES: '{"api.x.com": "ftp://nope"}' }),
    );
    assert.equal(hosts.code, 78);
    assert.match(hosts.stderr, /PORTICO_HOST_OVERRIDES value for "api.x.com"/);
    assert.equal(hosts.stderr.trim().split('\n').length, 1);
  });

  test('an invalid configuration stops before writing anything into an empty data folder', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'portico-cli-empty-'));
    try {
      const wrong: Array<[string[], Record<string, string>]> = [
        [['serve'], { PORTICO_HOST_OVERRIDES: '{"api.x.com": "ftp://nope"}' }],
        [['serve'], { PORTICO_ENCRYPTION_KEYS: 'k1:tooshort' }],
        [['serve'], { PORTICO_TRUST_PROXY: 'maybe' }],
        [['keys', 'create', '--name', 'x', '--scopes', 'everything'], {}],
        [['teams', 'create'], {}],
      ];
      for (const [args, settings] of wrong) {
        const result = await finished(run(args, { ...env, PORTICO_DATA_DIR: empty, ...settings }));
        assert.notEqual(result.code, 0, `${args.join(' ')} ${JSON.stringify(settings)}`);
        assert.deepEqual(await readdir(empty), [], `${args.join(' ')} ${JSON.stringify(settings)}`);
        assert.ok(!/pk_test_/.test(result.stdout), 'no first admin key is made');
      }
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  test('an unknown command prints usage and fails', async () => {
    const result = await finished(run(['frobnicate'], env));
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Usage: portico/);
  });
});
