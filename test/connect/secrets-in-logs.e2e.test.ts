/**
 * The whole connect, at debug level: no token, code, state or key may reach the logs, though every
 * request and every call to the platform is logged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createConnectLink, followCallback } from '../support/connect-flow.ts';
import { submitConsent } from '../support/consent.ts';
import { startTestPortico, type TestPortico } from '../support/portico.ts';

describe('secrets stay out of the logs', () => {
  const lines: string[] = [];
  let portico: TestPortico;
  let key: string;
  before(async () => {
    portico = await startTestPortico('pglite', { PORTICO_LOG_LEVEL: 'debug' }, { logLines: lines });
    key = portico.adminKey;
  });
  after(() => portico.close());

  test('a full connect and a credentials call log no token, code, state or API key', async () => {
    const { api } = portico;
    const link = await createConnectLink(portico, 'twitter');
    const callbackUrl = await submitConsent(link.connect_url);
    const code = new URL(callbackUrl).searchParams.get('code')!;
    await followCallback(callbackUrl);
    const polled = (await (await api(`/v1/social/connect/${link.state_token}`)).json()) as any;
    const account = polled.data.accounts[0];
    const creds = (await (await api(`/v1/social/accounts/${account.id}/credentials`)).json()) as any;
    await new Promise((resolve) => setImmediate(resolve));

    const text = lines.join('');
    assert.ok(text.includes('/oauth/callback/twitter'), 'the callback is logged');
    assert.ok(text.includes('outbound request'), 'calls to the platform are logged at debug');
    for (const [name, secret] of [
      ['API key', key],
      ['authorization code', code],
      ['state token', link.state_token],
      ['access token', creds.data.access_token],
    ]) {
      assert.ok(!text.includes(secret), `no ${name} in the logs`);
    }
  });
});
