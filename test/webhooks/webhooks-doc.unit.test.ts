import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { EVENT_TYPES } from '../../src/events/catalog.ts';
import { webhooksDoc } from '../../scripts/webhooks-doc.ts';

test('docs/webhooks.md lists exactly the event catalog (run npm run docs:webhooks after changing it)', async () => {
  const doc = await readFile('docs/webhooks.md', 'utf8');
  assert.equal(doc, webhooksDoc(doc));
  for (const type of EVENT_TYPES) assert.ok(doc.includes(`| \`${type}\` |`), `${type} is missing`);
});
