import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newId } from '../../src/storage/ids.ts';

test('ids are unique across many refills of the random pool, and sort by creation time', () => {
  const now = Date.UTC(2026, 10, 25);
  // 16 random bytes an id, 4096 a pool: 2,000 ids refill it several times.
  const ids = Array.from({ length: 2000 }, () => newId('acc', now));
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^acc_[0-9a-hjkmnp-tv-z]{26}$/);
  // The random part is spread over the whole alphabet, not stuck on a refill boundary's bytes.
  const tails = new Set(ids.flatMap((id) => [...id.slice(14)]));
  assert.equal(tails.size, 32);

  const earlier = newId('acc', now - 1);
  const later = newId('acc', now + 1);
  assert.ok(earlier < ids[0]! && ids[0]! < later);
});
