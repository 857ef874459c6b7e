/**
 * Whole connects, as flows for `loadFlows`, both through the simulated X that Portico mounts in sandbox
 * mode:
 * - `porticoConnect`: what an app and its user do: ask Portico for a link, open it, approve on the consent
 *   page, and land on Portico's callback, which exchanges the code, reads the profile, stores the grant and
 *   account and redirects to the return URL with `connected=1`.
 * - `bareOAuthConnect`, its baseline: the same platform round trips done by a minimal OAuth client with no
 *   Portico in between (authorize, consent, code exchange with PKCE and Basic auth, read the profile).
 *   Portico's ratio against it is the cost of its own work: links, sessions, encryption, storage, redirects.
 * Every connect is by the simulator's default user, so after the first one each is a reconnect that
 * updates the same account in place.
 */
import { randomBytes } from 'node:crypto';
import { callbackUrl } from '../src/connect/callback-url.ts';
import { SANDBOX_CREDENTIALS } from '../src/sandbox/index.ts';
import { basic, pkcePair, postForm } from '../test/sandbox/helpers.ts';
import { submitConsent } from '../test/support/consent.ts';
import type { TargetReady } from './target.ts';

/** Never requested: the flow stops at Portico's redirect to it. */
const RETURN_URL = 'http://127.0.0.1:9/connected';
const X_SCOPES = 'tweet.read tweet.write users.read offline.access';

async function expectStatus(response: Response, status: number, what: string): Promise<string> {
  const text = await response.text();
  if (response.status !== status)
    throw new Error(`${what}: expected ${status}, got ${response.status}: ${text}`);
  return text;
}

export function porticoConnect(target: TargetReady): () => Promise<void> {
  return async () => {
    const created = await fetch(`${target.url}/v1/social/connect/twitter`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ return_url: RETURN_URL }),
    });
    const link = JSON.parse(await expectStatus(created, 201, 'create a connect link')).data;
    const callback = await fetch(await submitConsent(link.connect_url), { redirect: 'manual' });
    await expectStatus(callback, 303, 'OAuth callback (See Other to the return URL)');
    const back = new URL(callback.headers.get('location') ?? '', RETURN_URL);
    if (back.searchParams.get('connected') !== '1') throw new Error(`the connect failed: ${back}`);
  };
}

export function bareOAuthConnect(target: TargetReady): () => Promise<void> {
  const { clientId, clientSecret } = SANDBOX_CREDENTIALS.twitter!;
  // The simulator mounted by Portico accepts exactly Portico's callback; the flow only reads the code off it.
  const redirectUri = callbackUrl(target.url, 'twitter');
  const sandbox = `${target.url}/sandbox`;
  const clientAuth = { authorization: basic(clientId, clientSecret) };
  return async () => {
    const pkce = pkcePair();
    const authorize = new URL(`${sandbox}/x.com/i/oauth2/authorize`);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: X_SCOPES,
      state: randomBytes(16).toString('base64url'),
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    }).toString();
    const code = new URL(await submitConsent(authorize.toString())).searchParams.get('code');
    if (!code) throw new Error('the simulator returned no code');

    const token = await postForm(
      `${sandbox}/api.x.com/2/oauth2/token`,
      { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: pkce.verifier },
      clientAuth,
    );
    const tokens = JSON.parse(await expectStatus(token, 200, 'code exchange'));
    const me = await fetch(`${sandbox}/api.x.com/2/users/me?user.fields=profile_image_url`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    await expectStatus(me, 200, 'read the profile');
  };
}
