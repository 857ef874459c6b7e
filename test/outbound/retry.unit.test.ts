/** The retry policy: which requests may be sent again, and how long to wait first. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  backoffMs,
  isIdempotent,
  isRetryableStatus,
  MAX_WAIT_MS,
  parseRetryAfter,
  retryDelayMs,
} from '../../src/outbound/retry.ts';

describe('which requests may be retried', () => {
  test('GET, HEAD, OPTIONS, PUT and DELETE are idempotent, in any case', () => {
    for (const method of ['GET', 'head', 'Options', 'PUT', 'delete'])
      assert.equal(isIdempotent(method), true, method);
  });

  test('POST and PATCH are not, unless the caller says so', () => {
    assert.equal(isIdempotent('POST'), false);
    assert.equal(isIdempotent('PATCH'), false);
    assert.equal(isIdempotent('POST', true), true);
    assert.equal(isIdempotent('GET', false), false);
  });

  test('429, 502, 503 and 504 are worth another try; other statuses are answers', () => {
    for (const status of [429, 502, 503, 504]) assert.equal(isRetryableStatus(status), true, String(status));
    for (const status of [200, 301, 400, 401, 403, 404, 409, 500, 501])
      assert.equal(isRetryableStatus(status), false, String(status));
  });
});

describe('how long to wait', () => {
  test('backoff doubles per attempt, with jitter between half and all of it', () => {
    assert.equal(
      backoffMs(1, () => 0),
      100,
    );
    assert.equal(
      backoffMs(1, () => 0.999999),
      200,
    );
    assert.equal(
      backoffMs(2, () => 0),
      200,
    );
    assert.equal(
      backoffMs(3, () => 0.999999),
      800,
    );
    for (let i = 0; i < 100; i++) {
      const wait = backoffMs(2);
      assert.ok(wait >= 200 && wait <= 400, String(wait));
    }
  });

  test('backoff never exceeds the cap', () => {
    assert.equal(
      backoffMs(30, () => 0.999999),
      MAX_WAIT_MS,
    );
  });

  test('Retry-After in seconds', () => {
    assert.equal(parseRetryAfter('0'), 0);
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter(' 2 '), 2000);
  });

  test('Retry-After as an HTTP date, relative to now; a past date means now', () => {
    const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');
    assert.equal(parseRetryAfter('Wed, 21 Oct 2026 07:28:04 GMT', now), 4000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2026 07:27:00 GMT', now), 0);
  });

  test('absent or unreadable Retry-After gives undefined', () => {
    assert.equal(parseRetryAfter(null), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter('-1'), undefined);
    assert.equal(parseRetryAfter('1.5'), undefined);
  });

  test('a retryable response waits for its Retry-After, or backs off without one', () => {
    assert.equal(retryDelayMs('2', 1), 2000);
    assert.equal(retryDelayMs(`${MAX_WAIT_MS / 1000}`, 1), MAX_WAIT_MS);
    const wait = retryDelayMs(null, 1)!;
    assert.ok(wait >= 100 && wait <= 200, String(wait));
    const unreadable = retryDelayMs('later', 1)!;
    assert.ok(unreadable >= 100 && unreadable <= 200, String(unreadable));
  });

  test('a Retry-After beyond the cap means do not wait: the caller gets the response', () => {
    assert.equal(retryDelayMs(`${MAX_WAIT_MS / 1000 + 1}`, 1), undefined);
    assert.equal(retryDelayMs('3600', 1), undefined);
    const now = Date.now();
    assert.equal(retryDelayMs(new Date(now + 60_000).toUTCString(), 1, now), undefined);
  });
});
