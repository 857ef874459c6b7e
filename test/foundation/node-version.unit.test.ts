/**
 * Issue 8, item 5: on a Node.js too old to run the TypeScript sources, `bin/portico.js` says in one line
 * which version is needed and how to get it, and exits 1 without a stack trace.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nodeVersionProblem } from '../../bin/node-version.js';

const BIN = fileURLToPath(new URL('../../bin/portico.js', import.meta.url));
const SYSTEM_NODE = '/usr/bin/node';

describe('the Node.js version check', () => {
  for (const version of ['22.18.0', '22.23.3', '23.6.0', '24.0.0', '26.10.0', '30.1.2']) {
    test(`Node ${version} may run Portico`, () => {
      assert.equal(nodeVersionProblem(version), undefined);
    });
  }

  for (const version of ['22.17.1', '22.0.0', '23.5.0', '20.20.2', '18.20.8', '12.22.12', 'garbage']) {
    test(`Node ${version} gets one line naming the version needed and where to get it`, () => {
      const problem = nodeVersionProblem(version);
      assert.ok(problem);
      assert.doesNotMatch(problem, /\n/);
      assert.match(problem, /Node\.js 22\.18 or newer/);
      assert.ok(problem.includes(`this is Node.js ${version}`));
      assert.match(problem, /nodejs\.org/);
      assert.match(problem, /npm install -g node@22/);
    });
  }

  const systemVersion = existsSync(SYSTEM_NODE)
    ? spawnSync(SYSTEM_NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim()
    : '';
  const skip = !systemVersion
    ? `no ${SYSTEM_NODE} on this machine`
    : !nodeVersionProblem(systemVersion) && `${SYSTEM_NODE} is Node ${systemVersion}, new enough`;
  test('portico on an old Node prints that one line and exits 1, before loading anything', { skip }, () => {
    const result = spawnSync(SYSTEM_NODE, [BIN, 'serve'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, `${nodeVersionProblem(systemVersion)}\n`);
  });
});
