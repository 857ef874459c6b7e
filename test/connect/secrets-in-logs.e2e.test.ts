/**
 * The whole connect, at debug level: no token, code, state or key may reach the logs, though every
 * request and every call to the platform is logged.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { generateKeySpec } from '../../src/crypto/keyring.ts';
import { createLogger } from '../../src/http/logging.ts';
import { type RunningPortico, startPortico } from '../../src/server.ts';
import { createConnectLink, followCallback } from '../support/connect-flow.ts';
import { submitConsent } from '../support/consent.ts';
import { freePort, type TestPortico } from '../support/portico.ts';
import { openTestStorage } from '../support/storage.ts';

describe('secrets stay out of the logs', () => {
  const lines: string[] = [];
  let portico: RunningPortico;
  let key: string;
  before(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const port = await freePort();
    const config = loadConfig({
      PORTICO_PORT: String(port),
      PORTICO_ENCRYPTION_KEYS: generateKeySpec('t'),
      PORTICO_LOG_LEVEL: 'debug',
    });
    portico = await startPortico(config, createLogger('debug', sink), {
      storage: await openTestStorage('pglite'),
    });
    key = portico.bootstrapped!.adminKey;
  });
  after(() => portico.close());

  test('a full connect and a credentials call log no token, code, state or API key', async () => {
    const api = ((path: string, init: RequestInit & { json?: unknown } = {}) =>
      fetch(`${portico.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
      })) as TestPortico['api'];
    const link = await createConnectLink({ api } as TestPortico, 'twitter');
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
