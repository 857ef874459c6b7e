/**
 * Writes the generated part of docs/webhooks.md (`npm run docs:webhooks`): the table of every event, an
 * example of each in the `portico` style, and the `hosted` style's objects, all made from the event catalog
 * (`src/events/catalog.ts`) and the code that renders the hosted objects. The rest of the guide is written
 * by hand; the generated part sits between the two markers below. A test keeps it in step with the catalog.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { socialAccountOf } from '../src/accounts/social-account.ts';
import { type EventDefinition, EVENTS } from '../src/events/catalog.ts';
import { findPlatform } from '../src/platforms/registry.ts';
import type { Account, Grant, Team, TargetRow } from '../src/storage/schema.ts';
import { hostedTeamView } from '../src/teams/teams.ts';

export const BEGIN =
  '<!-- BEGIN generated from src/events/catalog.ts by `npm run docs:webhooks`. Do not edit by hand. -->';
export const END = '<!-- END generated -->';

const EVENT_ID = 'evt_01jd8v4c6m0000000000000000';
const TEAM_ID = 'team_01jd8v2a1b0000000000000000';
const AT = new Date('2026-11-25T10:00:00.000Z');

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** The top-level fields of an event's `data`, optional ones marked. */
function fields(event: EventDefinition): string {
  const schema = event.data as { properties?: Record<string, unknown>; required?: string[] };
  const required = new Set(schema.required ?? []);
  return Object.keys(schema.properties ?? {})
    .map((name) => `\`${name}\`${required.has(name) ? '' : ' (optional)'}`)
    .join(', ');
}

/** A JSON example, folded under its name (the list is long). */
function example(name: string, value: unknown): string {
  return `<details><summary><code>${name}</code></summary>\n\n\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\`\n\n</details>`;
}

/** The hosted product's objects as Portico renders them (`src/events/hosted.ts`), for made-up rows. */
function hostedExamples(): Array<{ type: string; data: unknown }> {
  const linkedin = findPlatform('linkedin');
  if (!linkedin) throw new Error('the LinkedIn module is missing');
  const account: Account = {
    id: 'acc_01jd8v4c6m0000000000000000',
    team_id: TEAM_ID,
    grant_id: 'grt_01jd8v4c6m0000000000000000',
    platform: 'linkedin',
    instance: '',
    target_id: 'tgt_01jd8v4c6m0000000000000000',
    activation: 'single',
    external_id: 'u-48213',
    target_type: 'profile',
    display_name: 'Ada Lovelace',
    username: 'ada',
    avatar_url: null,
    status: 'active',
    paused: false,
    metadata: {},
    connected_at: AT,
    updated_at: AT,
  };
  const grant: Grant = {
    id: account.grant_id,
    team_id: TEAM_ID,
    platform: 'linkedin',
    instance: '',
    subject: 'u-48213',
    options: {},
    subject_name: 'Ada Lovelace',
    subject_username: 'ada',
    subject_avatar_url: null,
    status: 'active',
    status_reason: null,
    next_refresh_at: null,
    refresh_attempts: 0,
    last_refresh_error: null,
    last_refreshed_at: null,
    access_token_enc: '',
    refresh_token_enc: null,
    access_expires_at: null,
    refresh_expires_at: null,
    scopes: [],
    refresh_lease_owner: null,
    refresh_lease_until: null,
    created_at: AT,
    updated_at: AT,
  };
  const target: TargetRow = {
    id: 'tgt_01jd8v4c6m0000000000000000',
    grant_id: grant.id,
    team_id: TEAM_ID,
    platform: 'linkedin',
    instance: '',
    external_id: 'u-48213',
    target_type: 'profile',
    display_name: 'Ada Lovelace',
    username: 'ada',
    avatar_url: null,
    access_token_enc: null,
    access_expires_at: null,
    status: 'available',
    found_at: AT,
    updated_at: AT,
  };
  const team: Team = {
    id: TEAM_ID,
    organization_id: 'org_01jd8v2a1b0000000000000000',
    name: 'Acme',
    allowed_origins: [],
    headless_connect: true,
    avatar_url: null,
    portal_frame_ancestors: [],
    created_at: AT,
    updated_at: AT,
  };
  const socialAccount = socialAccountOf(linkedin, account, grant, [target]);
  return [
    { type: 'social-account.created', data: socialAccount },
    { type: 'social-account.deleted', data: { ...socialAccount, deletedAt: AT.toISOString() } },
    { type: 'team.updated', data: hostedTeamView(team) },
    { type: 'ping', data: EVENTS.ping.example },
  ];
}

/** The generated part of docs/webhooks.md, markers included. */
export function eventsMarkdown(): string {
  const events = Object.entries(EVENTS as Record<string, EventDefinition>);
  const table = events
    .map(
      ([type, e]) =>
        `| \`${type}\` | ${e.hosted ? `\`${e.hosted}\`` : '-'} | ${cell(e.description)} | ${fields(e)} |`,
    )
    .join('\n');
  const examples = events
    .map(([type, e]) =>
      example(type, {
        id: EVENT_ID,
        type,
        created_at: AT.toISOString(),
        team_id: TEAM_ID,
        data: e.example,
      }),
    )
    .join('\n');
  const hosted = hostedExamples()
    .map((e) => example(e.type, e))
    .join('\n');
  return `${BEGIN}

| Event | Hosted style | When | \`data\` |
| --- | --- | --- | --- |
${table}

\`account\` is the account's public view, the same object as \`GET /v1/social/accounts/{id}\` returns
(\`Account\` in the OpenAPI document), never a token. The OpenAPI document at \`/openapi.json\` has the JSON
Schema of every event under \`webhooks\`.

### Examples, \`portico\` style

${examples}

### Examples, \`hosted\` style

The social-account object is the one \`GET /api/v1/social-account/by-type\` returns; \`social-account.updated\`
carries the same object, and \`team.created\` / \`team.deleted\` (with \`deletedAt\`) the team object.

${hosted}

${END}`;
}

/** The guide with its generated part made anew from the catalog. */
export function webhooksDoc(current: string): string {
  const begin = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  if (begin < 0 || end < begin) {
    throw new Error('docs/webhooks.md lacks the generated-part markers; put them back where the events go');
  }
  return current.slice(0, begin) + eventsMarkdown() + current.slice(end + END.length);
}

if (import.meta.main) {
  const file = new URL('../docs/webhooks.md', import.meta.url);
  await writeFile(file, webhooksDoc(await readFile(file, 'utf8')));
  console.log('wrote docs/webhooks.md');
}
