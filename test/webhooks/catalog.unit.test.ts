/**
 * The event catalog is the one list of events: every entry is emitted somewhere in `src/` (no dead
 * entries to document), its example matches its schema, and its hosted name is one that product's SDK
 * knows (or `ping`, Portico's own test event).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { webhookEventTypes } from 'bundlesocial';
import { EVENT_TYPES, EVENTS, type EventDefinition, HOSTED_EVENT_TYPES } from '../../src/events/catalog.ts';
import { AccountSchema } from '../../src/http/routes/accounts.ts';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('every event in the catalog is emitted by some part of src/', () => {
  const code = sources('src')
    .filter((f) => !f.endsWith(join('events', 'catalog.ts')))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const silent = EVENT_TYPES.filter((type) => !code.includes(`'${type}'`));
  assert.deepEqual(silent, []);
});

test('each example matches its schema', () => {
  const ajv = new Ajv.default({ strict: false });
  addFormats.default(ajv);
  ajv.addSchema(AccountSchema);
  for (const [type, event] of Object.entries(EVENTS as Record<string, EventDefinition>)) {
    const validate = ajv.compile(event.data);
    assert.ok(validate(event.example), `${type}: ${JSON.stringify(validate.errors)}`);
  }
});

test('hosted names are the hosted product’s own event names', () => {
  const known = new Set<string>([...webhookEventTypes, 'ping']);
  assert.deepEqual(
    HOSTED_EVENT_TYPES.filter((name) => !known.has(name)),
    [],
  );
});
