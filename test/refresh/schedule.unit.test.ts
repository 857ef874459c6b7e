import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { retryAfterMs } from '../../src/oauth/token.ts';
import { leaseMs } from '../../src/refresh/refresh-grant.ts';
import { DEFAULT_POLICY, nextRefreshAt, retryAt, schedulePolicy } from '../../src/refresh/schedule.ts';

const now = new Date('2026-03-02T09:00:00Z');
const at = (ms: number) => new Date(now.getTime() + ms);
const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe('when a grant is refreshed next', () => {
  test('a quarter of its lifetime before expiry', () => {
    assert.deepEqual(nextRefreshAt({ kind: 'oauth2', rotates: true }, at(8 * HOUR), now), at(6 * HOUR));
  });

  test('at least the margin before expiry, and never in the past', () => {
    assert.deepEqual(nextRefreshAt({ kind: 'oauth2', rotates: false }, at(10 * 60_000), now), at(5 * 60_000));
    assert.deepEqual(nextRefreshAt({ kind: 'oauth2', rotates: false }, at(60_000), now), now);
  });

  test('a token that cannot be refreshed is looked at when the expiring-soon warning is due', () => {
    assert.deepEqual(nextRefreshAt({ kind: 'none' }, at(60 * DAY), now), at(53 * DAY));
    const policy = schedulePolicy(loadConfig({ PORTICO_TOKEN_EXPIRING_DAYS: '3' }));
    assert.deepEqual(nextRefreshAt({ kind: 'none' }, at(60 * DAY), now, policy), at(57 * DAY));
  });

  test('never, for a token that does not expire or that a protocol library keeps fresh', () => {
    assert.equal(nextRefreshAt({ kind: 'none' }, null, now), null);
    assert.equal(nextRefreshAt({ kind: 'delegated' }, at(HOUR), now), null);
  });

  test('the margin comes from the configuration', () => {
    const policy = schedulePolicy(loadConfig({ PORTICO_REFRESH_MARGIN_SECONDS: '900' }));
    assert.deepEqual(
      nextRefreshAt({ kind: 'oauth2', rotates: true }, at(HOUR), now, policy),
      at(45 * 60_000),
    );
  });
});

describe('when a transient failure is retried', () => {
  const policy = { ...DEFAULT_POLICY, backoffBaseMs: 1000, backoffMaxMs: 60_000 };

  test('the wait doubles with each failure, half of it random', () => {
    assert.deepEqual(
      retryAt(1, now, policy, undefined, () => 0),
      at(500),
    );
    assert.deepEqual(
      retryAt(1, now, policy, undefined, () => 1),
      at(1000),
    );
    assert.deepEqual(
      retryAt(3, now, policy, undefined, () => 0),
      at(2000),
    );
    assert.deepEqual(
      retryAt(3, now, policy, undefined, () => 1),
      at(4000),
    );
  });

  test('up to the longest wait', () => {
    assert.deepEqual(
      retryAt(30, now, policy, undefined, () => 1),
      at(60_000),
    );
  });

  test("never sooner than the platform's Retry-After, itself capped by the longest wait", () => {
    assert.deepEqual(
      retryAt(1, now, policy, 30_000, () => 0),
      at(30_000),
    );
    assert.deepEqual(
      retryAt(1, now, policy, 10 * 60_000, () => 0),
      at(60_000),
    );
  });
});

describe('Retry-After', () => {
  test('in seconds or as an HTTP date; nothing for garbage', () => {
    assert.equal(retryAfterMs('120'), 120_000);
    assert.equal(retryAfterMs('Mon, 02 Mar 2026 09:01:00 GMT', now.getTime()), 60_000);
    assert.equal(retryAfterMs('Mon, 02 Mar 2026 08:00:00 GMT', now.getTime()), 0);
    assert.equal(retryAfterMs('soon'), undefined);
    assert.equal(retryAfterMs(null), undefined);
  });
});

describe('a refresh lease', () => {
  test('outlasts the longest platform call', () => {
    assert.equal(leaseMs({ config: loadConfig({}) }), 30_000);
    assert.equal(leaseMs({ config: loadConfig({ PORTICO_OUTBOUND_TIMEOUT_MS: '60000' }) }), 125_000);
  });
});
