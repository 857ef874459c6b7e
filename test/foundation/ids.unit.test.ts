import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newId } from '../../src/storage/ids.ts';

test('ids are unique across many refills of the random pool, and sort by creation time', () => {
  const now = Date.UTC(2026, 10, 25);
  // 16 random bytes an id, 4096 a pool: 2,000 ids at different times refill it several times.
  const spread = Array.from({ length: 2000 }, (_, i) => newId('acc', now + i * 1000));
  assert.equal(new Set(spread).size, spread.length);
  const tails = new Set(spread.flatMap((id) => [...id.slice(14)]));
  assert.equal(tails.size, 32, 'the random part covers the whole alphabet');

  // Made in the same millisecond, ids still sort in the order they were made.
  const ids = Array.from({ length: 2000 }, () => newId('acc', now));
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), ids);
  for (const id of ids) assert.match(id, /^acc_[0-9a-hjkmnp-tv-z]{26}$/);

  // Ids of one millisecond keep their order though ids of other milliseconds are made between them.
  const interleaved = Array.from({ length: 50 }, (_, i) => {
    newId('req', now + 7 + i);
    return newId('acc', now + 5);
  });
  assert.deepEqual([...interleaved].sort(), interleaved);

  const earlier = newId('acc', now - 1);
  const later = newId('acc', now + 1);
  assert.ok(earlier < ids[0]! && ids[0]! < later);
});
