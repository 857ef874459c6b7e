/**
 * Stopping while a platform never answers: the call is aborted after the grace period, the user still gets
 * a page, and close() returns instead of waiting out the outbound timeout.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createConnectLink, followCallback } from '../support/connect-flow.ts';
import { submitConsent } from '../support/consent.ts';
import { startTestPortico } from '../support/portico.ts';

let silent: Server;
let silentUrl: string;
let received = 0;
before(async () => {
  silent = createServer(() => {
    received += 1; // and never answer
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
});
after(async () => {
  silent.closeAllConnections();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

test('close() aborts a call to a platform that never answers after the grace period', async () => {
  const logLines: string[] = [];
  const portico = await startTestPortico(
    'pglite',
    {
      // The simulator still shows the consent page; only the token endpoint goes silent.
      PORTICO_HOST_OVERRIDES: JSON.stringify({ 'api.x.com': silentUrl }),
      PORTICO_OUTBOUND_TIMEOUT_MS: '120000',
      PORTICO_LOG_LEVEL: 'debug',
    },
    { logLines },
  );
  let closed = false;
  try {
    const link = await createConnectLink(portico, 'twitter');
    const callbackUrl = await submitConsent(link.connect_url);
    const pending = followCallback(callbackUrl);
    while (received === 0) await new Promise((resolve) => setTimeout(resolve, 10));

    const started = performance.now();
    await portico.close();
    closed = true;
    const seconds = (performance.now() - started) / 1000;
    assert.ok(seconds < 60, `close() returned after ${seconds.toFixed(1)} s, well before the 120 s timeout`);

    const { response } = await pending;
    assert.match(await response.text(), /platform_unavailable/, 'the user still gets a page');
    const aborted = logLines
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.outbound?.error === 'shutdown');
    assert.equal(aborted.length, 1, 'the token call was aborted by the shutdown');
    assert.match(aborted[0].outbound.url, /\/2\/oauth2\/token$/);
  } finally {
    if (!closed) await portico.close();
  }
});
