/**
 * Authorization-code injection (issue 8): someone who gets hold of a user's unused authorization code
 * (from a log, a referrer, a shared screen) pastes it into the callback of a connect session of their own.
 * Where the platform supports PKCE the code is bound to the session that asked for it, and the platform
 * refuses it with another session's code_verifier. LinkedIn documents no PKCE for web apps: docs/security.md.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connectFixture } from '../support/connect-fixture.ts';
import { createConnectLink, followCallback, pollConnect } from '../support/connect-flow.ts';
import { submitConsent } from '../support/consent.ts';
import { BACKENDS } from '../support/storage.ts';

/** Platforms whose modules send a PKCE challenge, as their docs describe. */
const PKCE_PLATFORMS = ['twitter', 'facebook'];

for (const backend of BACKENDS) {
  describe(`authorization-code injection (${backend})`, () => {
    const fx = connectFixture(backend);
    const json = async (res: Response) => (await res.json()) as any;

    for (const platform of PKCE_PLATFORMS) {
      test(`${platform}: a code from one session cannot complete another session`, async () => {
        const { portico } = fx;
        const attackers = (
          await json(
            await portico.api('/v1/teams', { method: 'POST', json: { name: `Mallory ${platform}` } }),
          )
        ).data;
        // The victim starts a connect and approves it; the code leaks before the victim's callback runs.
        const victim = await createConnectLink(portico, platform, { return_url: `${fx.app.url}/victim` });
        const stolen = new URL(await submitConsent(victim.connect_url)).searchParams.get('code');
        assert.ok(stolen);
        // The attacker opens a session in their own team and hands its callback the victim's code.
        const own = await createConnectLink(portico, platform, {
          team_id: attackers.id,
          return_url: `${fx.app.url}/mallory`,
        });
        await fetch(own.connect_url, { redirect: 'manual' });
        const injected = new URL(`${portico.url}/oauth/callback/${platform}`);
        injected.searchParams.set('code', stolen);
        injected.searchParams.set('state', own.state_token);
        const answer = await followCallback(injected.toString());

        assert.equal(answer.location?.pathname, '/mallory');
        assert.equal(answer.location?.searchParams.get('connected'), null);
        assert.equal(answer.location?.searchParams.get('error'), 'platform_error');
        const polled = await pollConnect(portico, own.state_token);
        assert.equal(polled.status, 'failed');
        const accounts = await json(await portico.api(`/v1/social/accounts?team_id=${attackers.id}`));
        assert.deepEqual(accounts.data, [], "no account of the victim's reaches the attacker's team");
      });
    }
  });
}
