/**
 * Identifiers and secrets. Ids are prefixed by kind (`team_`, `acc_`...) and sort by creation time,
 * so lists page by id alone.
 */
import { createHash, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * Ids are made on every request (request ids) and every row; drawing their randomness from a pooled buffer
 * makes one call to the random generator per 256 ids instead of one per id (a few percent of a connect's
 * CPU time under load). Ids are not secrets; secrets come from `randomToken`.
 */
const ID_POOL = Buffer.alloc(4096);
let idPoolOffset = ID_POOL.length;

function idRandomness(size: number): Buffer {
  if (idPoolOffset + size > ID_POOL.length) {
    randomFillSync(ID_POOL);
    idPoolOffset = 0;
  }
  idPoolOffset += size;
  return ID_POOL.subarray(idPoolOffset - size, idPoolOffset);
}

/** A time-ordered id: 10 characters of milliseconds, 16 random, both Crockford base32. */
export function newId(prefix: string, now = Date.now()): string {
  let time = '';
  for (let t = now, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  let tail = '';
  for (const byte of idRandomness(16)) tail += CROCKFORD[byte % 32];
  return `${prefix}_${time}${tail}`;
}

/** A random URL-safe secret with `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function equalHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
