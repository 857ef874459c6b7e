/**
 * Issue 8, section 6: the docs say what works today and list what is coming as coming. These checks keep
 * the promises that went wrong from coming back. Pausing shipped with issue 10; webhooks (issue 12) and the
 * hosted portal (issue 13) shipped since, so their "coming" check is gone.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { apiErrors } from '../../src/errors/catalog.ts';
import { allPlatforms } from '../../src/platforms/registry.ts';

const COMING = /\b(coming|to come|later|yet)\b/i;

describe('the docs promise only what exists', () => {
  test('the README lists exactly the platform ids Portico accepts', async () => {
    const readme = await readFile('README.md', 'utf8');
    const sentence = /Platform ids are lower case:([\s\S]*?)\.\s/.exec(readme)?.[1] ?? '';
    const listed = [...sentence.matchAll(/`([a-z0-9_-]+)`/g)].map((m) => m[1]).sort();
    const accepted = allPlatforms()
      .flatMap((p) => [p.id, ...(p.aliases ?? [])])
      .sort();
    assert.deepEqual(listed, accepted);
  });

  test('issue 10: ACCOUNT_PAUSED names the endpoint that resumes the account, which exists', () => {
    assert.match(apiErrors.ACCOUNT_PAUSED.meaning, /POST \/v1\/social\/accounts\/\{id\}\/resume/);
    assert.doesNotMatch(apiErrors.ACCOUNT_PAUSED.meaning, COMING);
  });

  test('package.json claims no platform count and no portal', async () => {
    const { description } = JSON.parse(await readFile('package.json', 'utf8')) as { description: string };
    assert.doesNotMatch(description, /\d+ platforms|portal/i);
  });
});
