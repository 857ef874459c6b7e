import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { untilSignal } from '../../src/cli/signals.ts';
import { createLogger } from '../../src/http/logging.ts';

const logger = createLogger('silent');

function harness() {
  const signals = new EventEmitter();
  const calls: string[] = [];
  let finish: () => void = () => {};
  const shutdown = () => {
    calls.push('shutdown');
    return new Promise<void>((resolve) => {
      finish = resolve;
    });
  };
  const stopped = untilSignal(
    logger,
    shutdown,
    () => calls.push('hurry'),
    signals,
    (code) => calls.push(`exit ${code}`),
  );
  return { signals, calls, stopped, finish: () => finish() };
}

test('the first signal shuts down; untilSignal returns when the shutdown has finished', async () => {
  const { signals, calls, stopped, finish } = harness();
  signals.emit('SIGTERM', 'SIGTERM');
  assert.deepEqual(calls, ['shutdown']);
  finish();
  await stopped;
  assert.equal(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT'), 0);
});

test('a second signal while shutting down aborts calls to platforms at once; a third exits', async () => {
  const { signals, calls, stopped, finish } = harness();
  signals.emit('SIGINT', 'SIGINT');
  signals.emit('SIGINT', 'SIGINT');
  assert.deepEqual(calls, ['shutdown', 'hurry']);
  signals.emit('SIGTERM', 'SIGTERM');
  assert.deepEqual(calls, ['shutdown', 'hurry', 'exit 1']);
  finish();
  await stopped;
});
