import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { errorsMarkdown } from '../../scripts/errors-doc.ts';

test('docs/errors.md lists exactly the catalog (run npm run docs:errors after changing it)', async () => {
  assert.equal(await readFile('docs/errors.md', 'utf8'), errorsMarkdown());
});
