/**
 * Stopping Portico while a receiver holds a delivery open: the stop does not wait for the receiver (the
 * attempt is abandoned and retried by the next process), and no further batch is claimed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestPortico } from '../support/portico.ts';
import { startReceiver, until } from './support.ts';

test('a stop abandons a delivery the receiver holds, instead of waiting out the timeout', async () => {
  const receiver = await startReceiver();
  // Far longer than the test's own timeout: a stop that waited for it would fail the test.
  receiver.answer = () => ({ status: 204, delayMs: 600_000 });
  const started = startTestPortico('pglite', {
    PORTICO_WEBHOOKS_ALLOW_PRIVATE: 'true',
    PORTICO_WEBHOOKS_POLL_MS: '20',
    // The longest allowed: a stop that waited out the attempt would outlast the test file's timeout.
    PORTICO_WEBHOOKS_TIMEOUT_MS: '120000',
  });
  try {
    const portico = await started;
    const created = await portico.api('/v1/webhooks', {
      method: 'POST',
      json: { url: `${receiver.url}/held` },
    });
    const { id } = ((await created.json()) as any).data;
    assert.equal((await portico.api(`/v1/webhooks/${id}/test`, { method: 'POST' })).status, 202);
    await until('the receiver holds the delivery', () => receiver.received.length === 1);
    await portico.close();
    assert.equal(receiver.received.length, 1, 'nothing else was sent');
  } finally {
    await receiver.close();
  }
});
