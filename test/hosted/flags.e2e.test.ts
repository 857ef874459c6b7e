/**
 * Every return flag of the hosted product's seed ("Handling Callbacks") for the platforms Portico serves is
 * produced by a simulator scenario, through the SDK: a table, one row per flag. Two flags of the seed are
 * never produced, and `NEVER_PRODUCED` says why (Mastodon's all-or-nothing consent; LinkedIn's member).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hostedFlags } from '../../src/platforms/hosted.ts';
import { allPlatforms } from '../../src/platforms/registry.ts';
import { connectFixture } from '../support/connect-fixture.ts';
import { flagsOf, type HostedType, hostedConnect, sdkFor } from './support.ts';

type Scenario =
  | { kind: 'approve' }
  | { kind: 'deny' }
  | { kind: 'uncheck'; scope: string }
  | { kind: 'no-targets' };

interface Row {
  type: HostedType;
  platform: string;
  param: 'success' | 'error';
  flag: string;
  scenario: Scenario;
}

/** The seed's flags for the served platforms, and the scenario that produces each. */
const TABLE: Row[] = [
  ...(
    [
      ['TWITTER', 'twitter', 'tweet.write'],
      ['TIKTOK', 'tiktok', 'video.publish'],
      ['FACEBOOK', 'facebook', 'pages_manage_posts'],
      ['LINKEDIN', 'linkedin', 'w_member_social'],
      ['THREADS', 'threads', 'threads_content_publish'],
      ['MASTODON', 'mastodon', null],
    ] as const
  ).flatMap(([type, platform, scope]): Row[] => [
    { type, platform, param: 'success', flag: `${platform}-callback`, scenario: { kind: 'approve' } },
    { type, platform, param: 'error', flag: `${platform}-callback`, scenario: { kind: 'deny' } },
    ...(scope
      ? [
          {
            type,
            platform,
            param: 'error' as const,
            flag: `${platform}-not-enough-permissions`,
            scenario: { kind: 'uncheck' as const, scope },
          },
        ]
      : []),
  ]),
  {
    type: 'FACEBOOK',
    platform: 'facebook',
    param: 'error',
    flag: 'facebook-not-enough-pages',
    scenario: { kind: 'no-targets' },
  },
];

/** Seed flags for served platforms that no scenario can produce, with the reason (docs/hosted-api.md). */
const NEVER_PRODUCED: Record<string, string> = {
  'mastodon-not-enough-permissions':
    'Mastodon’s consent is all or nothing: the user cannot untick a scope, so a grant has every scope asked for',
  'linkedin-not-enough-channels':
    'Portico lists the LinkedIn member as a channel whenever the connect succeeds; with no organization the member is still there',
};

describe('hosted API: every seed flag of the served platforms comes from a simulator scenario', () => {
  const fx = connectFixture('pglite');

  for (const row of TABLE) {
    test(`${row.param}=${row.flag} (${row.scenario.kind})`, async () => {
      const sdk = sdkFor(fx.portico);
      const user = await fx.user(
        row.platform,
        `Flag ${row.flag} ${row.param}`,
        row.scenario.kind === 'no-targets' ? { targets: 'none' } : undefined,
      );
      const { location } = await hostedConnect(
        sdk,
        fx.portico,
        {
          type: row.type,
          teamId: fx.portico.teamId,
          redirectUrl: `${fx.app.url}/back`,
          ...(row.type === 'MASTODON' ? { serverUrl: 'https://mastodon.social' } : {}),
        },
        {
          user: user.id,
          ...(row.scenario.kind === 'deny' ? { decision: 'deny' as const } : {}),
          ...(row.scenario.kind === 'uncheck' ? { uncheck: [row.scenario.scope] } : {}),
        },
      );
      assert.deepEqual(flagsOf(location), { [row.param]: row.flag });
    });
  }

  test('the table covers every flag the platform modules declare, and only the documented one is missing', () => {
    const produced = new Set(TABLE.map((r) => `${r.param}=${r.flag}`));
    for (const module of allPlatforms()) {
      for (const { param, flag } of hostedFlags(module)) {
        if (NEVER_PRODUCED[flag]) continue;
        assert.ok(produced.has(`${param}=${flag}`), `${param}=${flag} of ${module.id} has a scenario`);
      }
    }
    const declared = new Set(allPlatforms().flatMap((m) => hostedFlags(m).map((f) => f.flag)));
    for (const flag of Object.keys(NEVER_PRODUCED)) assert.ok(declared.has(flag), `${flag} is declared`);
  });
});
