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

/** The random digits of the latest id per recent millisecond, oldest first; a few dozen is plenty. */
const latestByTime = new Map<number, number[]>();
const REMEMBERED_TIMES = 64;

/** Adds one to a base-32 number in place; false when every digit wrapped around. */
function increment(digits: number[]): boolean {
  for (let i = digits.length - 1; i >= 0; i--) {
    digits[i] = ((digits[i] ?? 0) + 1) % 32;
    if (digits[i] !== 0) return true;
  }
  return false;
}

/**
 * The random digits for an id at `time`: fresh ones, or for a millisecond that already has ids, the latest
 * one's digits plus one (ULID's monotonic rule). Rows made together (the accounts of one connect, with
 * the request ids and events made between them) then list in the order they were made, and paging by
 * id never reorders them.
 */
function randomDigits(time: number): number[] {
  const latest = latestByTime.get(time);
  if (latest && increment(latest)) return latest;
  const bytes = idRandomness(16);
  const digits = Array.from(bytes, (byte) => byte % 32);
  latestByTime.delete(time);
  latestByTime.set(time, digits);
  if (latestByTime.size > REMEMBERED_TIMES) latestByTime.delete(latestByTime.keys().next().value as number);
  return digits;
}

/** A time-ordered id: 10 characters of milliseconds, 16 random, both Crockford base32. */
export function newId(prefix: string, now = Date.now()): string {
  let time = '';
  for (let t = now, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  let tail = '';
  for (const digit of randomDigits(now)) tail += CROCKFORD[digit];
  return `${prefix}_${time}${tail}`;
}

/** The shape of every id `newId(prefix)` makes: the prefix, `_`, and 26 lower-case Crockford base32 digits. */
export function idPattern(prefix: string): string {
  return `^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`;
}

const patterns = new Map<string, RegExp>();

/** Whether `value` can be an id made by `newId(prefix)`; a value that cannot needs no database lookup. */
export function isId(prefix: string, value: string): boolean {
  let pattern = patterns.get(prefix);
  if (!pattern) {
    pattern = new RegExp(idPattern(prefix));
    patterns.set(prefix, pattern);
  }
  return pattern.test(value);
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
