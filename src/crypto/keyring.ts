/**
 * Secrets at rest: AES-256-GCM with a fresh 96-bit IV per message and the key id inside each ciphertext,
 * so keys can rotate: the newest key encrypts, every key in the ring decrypts.
 *
 * Ciphertext: `v1.<keyId>.<iv>.<ciphertext+tag>`, both binary parts base64url without padding.
 * The version and key id are authenticated along with the caller's associated data, so a ciphertext
 * relabelled with another key id, or moved to another context (another row, another column), fails.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, link, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readIfExists } from '../files.ts';

export interface KeyRing {
  /** The id of the newest key: the one `encrypt` uses. */
  readonly currentKeyId: string;
  /** Seals with the current key. `associatedData` names the context (e.g. `grant:<id>:access`); it must match on decrypt. */
  encrypt(plaintext: string, associatedData?: string): string;
  /** Opens with whichever key the ciphertext names. Throws `DecryptError` when that is impossible. */
  decrypt(ciphertext: string, associatedData?: string): string;
  /** True when the ciphertext was sealed with a key other than the current one (rotate it on the next write). */
  needsReencryption(ciphertext: string): boolean;
}

/**
 * A ciphertext that cannot be opened: unknown key id, tampered, wrong associated data, or not a ciphertext.
 * Its message never holds key material or plaintext.
 */
export class DecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecryptError';
  }
}

/** `PORTICO_ENCRYPTION_KEYS` (or the key file) is wrong; the message names the entry and the problem, never key bytes. */
export class KeyRingConfigError extends Error {
  constructor(message: string) {
    super(`PORTICO_ENCRYPTION_KEYS ${message}`);
    this.name = 'KeyRingConfigError';
  }
}

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** Standard or URL-safe alphabet, optional padding: operators paste keys from `openssl rand -base64 32` too. */
const BASE64_ANY = /^[A-Za-z0-9+/_-]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Reads the `PORTICO_ENCRYPTION_KEYS` format: comma-separated `<keyId>:<base64 of 32 bytes>`, newest first.
 * @example parseKeyRing('k2:3q2-7w…,k1:AAEC…') // k2 encrypts; k2 and k1 decrypt
 */
export function parseKeyRing(spec: string): KeyRing {
  const entries = spec
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  if (entries.length === 0)
    throw new KeyRingConfigError('must list at least one key as <id>:<base64 of 32 bytes>');

  const keys = new Map<string, Buffer>();
  entries.forEach((entry, index) => {
    const [id, key] = parseEntry(entry, index + 1);
    if (keys.has(id)) throw new KeyRingConfigError(`key id '${id}' appears more than once`);
    keys.set(id, key);
  });
  const [currentKeyId, currentKey] = keys.entries().next().value!;

  return {
    currentKeyId,
    encrypt(plaintext, associatedData) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, currentKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad(currentKeyId, associatedData));
      const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${VERSION}.${currentKeyId}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
    },
    decrypt(ciphertext, associatedData) {
      const { keyId, iv, sealed } = split(ciphertext);
      const key = keys.get(keyId);
      if (!key) throw new DecryptError(`sealed with key '${keyId}', which is not in the key ring`);
      try {
        const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad(keyId, associatedData));
        decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
        const body = sealed.subarray(0, sealed.length - TAG_BYTES);
        return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
      } catch {
        // node:crypto says only "unable to authenticate data"; say what it means for us.
        throw new DecryptError('ciphertext was tampered with or belongs to another context');
      }
    },
    needsReencryption(ciphertext) {
      return split(ciphertext).keyId !== currentKeyId;
    },
  };
}

/** A fresh key ring entry, `<id>:<base64url of 32 random bytes>`. The default id is time-based, so newer sorts later. */
export function generateKeySpec(keyId = `k${Date.now().toString(36)}`): string {
  if (!KEY_ID.test(keyId))
    throw new KeyRingConfigError(`key id '${keyId}' must be 1-32 letters, digits, _ or -`);
  return `${keyId}:${randomBytes(KEY_BYTES).toString('base64url')}`;
}

/**
 * The embedded default when `PORTICO_ENCRYPTION_KEYS` is unset: a key generated once into
 * `<dataDir>/encryption-keys`, readable only by its owner. Losing this file loses every stored token.
 */
export async function loadOrCreateKeyFile(
  dataDir: string,
): Promise<{ spec: string; created: boolean; path: string }> {
  const file = path.join(dataDir, 'encryption-keys');
  const existing = await readIfExists(file);
  if (existing !== undefined) return { spec: existing, created: false, path: file };

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const spec = generateKeySpec('k1');
  // Written aside, then linked into place: link() fails if the file exists, so two processes starting
  // together on one data folder agree on one key, and nobody ever reads a half-written file.
  const pending = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(pending, `${spec}\n`, { mode: 0o600, flag: 'wx' });
    // The mode given to writeFile is filtered by the umask; set it exactly.
    await chmod(pending, 0o600);
    await link(pending, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { spec: (await readIfExists(file)) ?? '', created: false, path: file };
  } finally {
    await rm(pending, { force: true });
  }
  return { spec, created: true, path: file };
}

function parseEntry(entry: string, position: number): [string, Buffer] {
  const separator = entry.indexOf(':');
  // Without a separator the entry may be a bare key: never echo it, name it by position.
  if (separator < 0)
    throw new KeyRingConfigError(`entry ${position} must look like <id>:<base64 of 32 bytes>`);
  const id = entry.slice(0, separator).trim();
  const material = entry.slice(separator + 1).trim();
  if (!KEY_ID.test(id)) {
    throw new KeyRingConfigError(
      `entry ${position} has key id '${id}'; ids are 1-32 letters, digits, _ or -`,
    );
  }
  const key = BASE64_ANY.test(material)
    ? Buffer.from(material.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
    : undefined;
  if (!key || key.length !== KEY_BYTES)
    throw new KeyRingConfigError(`key '${id}' is not ${KEY_BYTES} bytes of base64`);
  return [id, key];
}

/** The version and key id are bound too: relabelling a ciphertext with another key id must fail. */
function aad(keyId: string, associatedData: string | undefined): Buffer {
  return Buffer.from(`${VERSION}.${keyId}.${associatedData ?? ''}`, 'utf8');
}

function split(ciphertext: string): { keyId: string; iv: Buffer; sealed: Buffer } {
  const parts = typeof ciphertext === 'string' ? ciphertext.split('.') : [];
  if (parts.length !== 4 || parts[0] !== VERSION) throw new DecryptError('not a Portico v1 ciphertext');
  const [, keyId, ivText, sealedText] = parts as [string, string, string, string];
  if (!KEY_ID.test(keyId)) throw new DecryptError('malformed ciphertext: bad key id');
  const iv = strictBase64url(ivText);
  const sealed = strictBase64url(sealedText);
  if (!iv || iv.length !== IV_BYTES || !sealed || sealed.length < TAG_BYTES)
    throw new DecryptError('malformed ciphertext');
  return { keyId, iv, sealed };
}

/**
 * Node's decoder skips stray characters and ignores spare bits, so two strings can decode alike.
 * Accept only the one canonical spelling: any change to the text is then a change to the bytes.
 */
function strictBase64url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}
