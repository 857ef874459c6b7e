/** Secrets at rest: sealing, tamper detection, associated data, rotation, configuration, the key file. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  DecryptError,
  generateKeySpec,
  KeyRingConfigError,
  loadOrCreateKeyFile,
  parseKeyRing,
} from '../../src/crypto/keyring.ts';

const K1 = generateKeySpec('k1');
const K2 = generateKeySpec('k2');
const SECRET = 'ya29.a0-access-token-ünïcode-✓';

/** Replaces one character of `text` at `index` with a different base64url character. */
function flipChar(text: string, index: number): string {
  const replacement = text[index] === 'A' ? 'B' : 'A';
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

describe('sealing', () => {
  const ring = parseKeyRing(K1);

  test('a sealed secret opens to the same text', () => {
    assert.equal(ring.decrypt(ring.encrypt(SECRET)), SECRET);
    assert.equal(ring.decrypt(ring.encrypt('')), '');
  });

  test('a ciphertext is a versioned, URL-safe string naming its key', () => {
    const sealed = ring.encrypt(SECRET);
    assert.match(sealed, /^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    assert.ok(!sealed.includes(SECRET));
  });

  test('sealing the same text twice gives different ciphertexts (fresh IV each time)', () => {
    const seen = new Set(Array.from({ length: 20 }, () => ring.encrypt(SECRET)));
    assert.equal(seen.size, 20);
    const ivs = new Set([...seen].map((c) => c.split('.')[2]));
    assert.equal(ivs.size, 20);
  });

  test('a secret sealed with associated data opens only with the same associated data', () => {
    const sealed = ring.encrypt(SECRET, 'grant:1:access');
    assert.equal(ring.decrypt(sealed, 'grant:1:access'), SECRET);
    assert.throws(() => ring.decrypt(sealed, 'grant:2:access'), DecryptError);
    assert.throws(() => ring.decrypt(sealed), DecryptError);
    assert.throws(() => ring.decrypt(ring.encrypt(SECRET), 'grant:1:access'), DecryptError);
  });
});

describe('tampering', () => {
  const ring = parseKeyRing(K1);
  const sealed = ring.encrypt(SECRET, 'ctx');
  const [version, keyId, iv, body] = sealed.split('.') as [string, string, string, string];

  test('changing any character of the IV or the ciphertext+tag fails', () => {
    for (let i = 0; i < iv.length; i++) {
      assert.throws(
        () => ring.decrypt([version, keyId, flipChar(iv, i), body].join('.'), 'ctx'),
        DecryptError,
      );
    }
    for (let i = 0; i < body.length; i++) {
      assert.throws(
        () => ring.decrypt([version, keyId, iv, flipChar(body, i)].join('.'), 'ctx'),
        DecryptError,
      );
    }
  });

  test('relabelling a ciphertext with another key id in the ring fails', () => {
    const both = parseKeyRing(`${K2},${K1}`);
    const relabelled = ['v1', 'k2', iv, body].join('.');
    assert.throws(() => both.decrypt(relabelled, 'ctx'), DecryptError);
  });

  test('truncated, extended or reordered parts fail', () => {
    assert.throws(() => ring.decrypt([version, keyId, iv, body.slice(0, -1)].join('.'), 'ctx'), DecryptError);
    assert.throws(() => ring.decrypt([version, keyId, iv, `${body}A`].join('.'), 'ctx'), DecryptError);
    assert.throws(() => ring.decrypt([version, keyId, iv.slice(4), body].join('.'), 'ctx'), DecryptError);
    assert.throws(() => ring.decrypt([version, keyId, body, iv].join('.'), 'ctx'), DecryptError);
    assert.throws(() => ring.decrypt(`${sealed}.extra`, 'ctx'), DecryptError);
  });

  test('an unknown version or something that is not a ciphertext fails with DecryptError', () => {
    for (const bad of [
      '',
      'plain text',
      'v2.k1.AAAA.BBBB',
      'v1..AAAA.BBBB',
      'v1.k1.!!!!.????',
      `V1.${keyId}.${iv}.${body}`,
    ]) {
      assert.throws(() => ring.decrypt(bad, 'ctx'), DecryptError, bad);
    }
  });

  test('decrypt errors say nothing of the key or the plaintext', () => {
    const keyText = K1.split(':')[1]!;
    for (const bad of [[version, keyId, iv, flipChar(body, 3)].join('.'), sealed]) {
      try {
        ring.decrypt(bad, 'other context');
        assert.fail('expected DecryptError');
      } catch (error) {
        assert.ok(error instanceof DecryptError);
        assert.ok(!error.message.includes(keyText));
        assert.ok(!error.message.includes(SECRET));
      }
    }
  });
});

describe('rotation', () => {
  const oldRing = parseKeyRing(K1);
  const sealedWithOld = oldRing.encrypt(SECRET, 'ctx');
  const rotated = parseKeyRing(`${K2},${K1}`);

  test('the first key in the spec encrypts', () => {
    assert.equal(oldRing.currentKeyId, 'k1');
    assert.equal(rotated.currentKeyId, 'k2');
    assert.match(rotated.encrypt(SECRET), /^v1\.k2\./);
  });

  test('data sealed with an old key still opens after a new key is prepended', () => {
    assert.equal(rotated.decrypt(sealedWithOld, 'ctx'), SECRET);
  });

  test('needsReencryption is true only for data sealed with an older key', () => {
    assert.equal(rotated.needsReencryption(sealedWithOld), true);
    assert.equal(rotated.needsReencryption(rotated.encrypt(SECRET)), false);
    assert.equal(oldRing.needsReencryption(sealedWithOld), false);
  });

  test('re-sealing with the rotated ring moves data to the new key', () => {
    const resealed = rotated.encrypt(rotated.decrypt(sealedWithOld, 'ctx'), 'ctx');
    assert.equal(rotated.needsReencryption(resealed), false);
    assert.equal(parseKeyRing(K2).decrypt(resealed, 'ctx'), SECRET);
  });

  test('after a key is removed, its ciphertexts fail with DecryptError naming the key id', () => {
    const withoutOld = parseKeyRing(K2);
    assert.throws(
      () => withoutOld.decrypt(sealedWithOld, 'ctx'),
      (error: unknown) => {
        assert.ok(error instanceof DecryptError);
        assert.match(error.message, /'k1'.*not in the key ring/);
        return true;
      },
    );
  });

  test('a key with the same id but other bytes cannot open the data', () => {
    assert.throws(() => parseKeyRing(generateKeySpec('k1')).decrypt(sealedWithOld, 'ctx'), DecryptError);
  });
});

describe('configuration', () => {
  const rawKey = Buffer.alloc(32, 7);

  test('keys may be given in base64 (padded or not) or base64url, with spaces around entries', () => {
    const sealed = parseKeyRing(`a:${rawKey.toString('base64url')}`).encrypt(SECRET);
    for (const spec of [
      `a:${rawKey.toString('base64')}`,
      `a:${rawKey.toString('base64').replace(/=+$/, '')}`,
      ` a:${rawKey.toString('base64url')} , b:${Buffer.alloc(32, 1).toString('base64')} `,
    ]) {
      assert.equal(parseKeyRing(spec).decrypt(sealed), SECRET, spec);
    }
  });

  const cases: Array<{ name: string; spec: string; message: RegExp }> = [
    { name: 'an empty spec', spec: '', message: /at least one key/ },
    { name: 'a spec of only commas', spec: ' , ,', message: /at least one key/ },
    {
      name: 'a bare key without id',
      spec: rawKey.toString('base64'),
      message: /entry 1 must look like <id>:/,
    },
    { name: 'an empty key id', spec: `:${rawKey.toString('base64')}`, message: /entry 1 has key id ''/ },
    { name: 'a key id with a dot', spec: `k.1:${rawKey.toString('base64')}`, message: /key id 'k\.1'/ },
    {
      name: 'a key id longer than 32',
      spec: `${'k'.repeat(33)}:${rawKey.toString('base64')}`,
      message: /entry 1 has key id/,
    },
    {
      name: 'key material that is not base64',
      spec: `${K1},k2:not*base64!`,
      message: /key 'k2' is not 32 bytes of base64/,
    },
    {
      name: 'a 16-byte key',
      spec: `k2:${Buffer.alloc(16).toString('base64')}`,
      message: /key 'k2' is not 32 bytes of base64/,
    },
    {
      name: 'a 33-byte key',
      spec: `k2:${Buffer.alloc(33).toString('base64')}`,
      message: /key 'k2' is not 32 bytes of base64/,
    },
    { name: 'an empty key', spec: 'k2:', message: /key 'k2' is not 32 bytes of base64/ },
    {
      name: 'a duplicate key id',
      spec: `${K1},${generateKeySpec('k1')}`,
      message: /key id 'k1' appears more than once/,
    },
  ];
  for (const { name, spec, message } of cases) {
    test(`${name} is refused with a message naming the problem`, () => {
      assert.throws(
        () => parseKeyRing(spec),
        (error: unknown) => {
          assert.ok(error instanceof KeyRingConfigError);
          assert.match(error.message, /^PORTICO_ENCRYPTION_KEYS /);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  test('configuration errors never echo key material', () => {
    const material = rawKey.toString('base64');
    for (const spec of [material, `bad.id:${material}`, `k:${material}x`]) {
      assert.throws(
        () => parseKeyRing(spec),
        (error: unknown) =>
          error instanceof KeyRingConfigError && !error.message.includes(material.slice(0, 6)),
      );
    }
  });

  test('generateKeySpec makes a usable entry and refuses a bad id', () => {
    assert.match(generateKeySpec('prod-2026_01'), /^prod-2026_01:[A-Za-z0-9_-]{43}$/);
    assert.match(generateKeySpec(), /^k[0-9a-z]+:[A-Za-z0-9_-]{43}$/);
    assert.notEqual(generateKeySpec('x'), generateKeySpec('x'));
    assert.throws(() => generateKeySpec('no spaces'), KeyRingConfigError);
  });
});

describe('key file', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'portico-keyring-'));
    dirs.push(dir);
    return dir;
  };
  after(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  test('is created once, owner-only, in a directory made on demand; later loads read the same key', async () => {
    const dataDir = path.join(await tempDir(), 'nested', 'data');
    const first = await loadOrCreateKeyFile(dataDir);
    assert.equal(first.created, true);
    assert.equal(first.path, path.join(dataDir, 'encryption-keys'));
    assert.match(first.spec, /^k1:[A-Za-z0-9_-]{43}$/);
    if (process.platform !== 'win32') assert.equal((await stat(first.path)).mode & 0o777, 0o600);

    const second = await loadOrCreateKeyFile(dataDir);
    assert.deepEqual(second, { ...first, created: false });
    const sealed = parseKeyRing(first.spec).encrypt(SECRET);
    assert.equal(parseKeyRing(second.spec).decrypt(sealed), SECRET);
  });

  test('two processes starting together end up with one key', async () => {
    const dataDir = await tempDir();
    const results = await Promise.all([loadOrCreateKeyFile(dataDir), loadOrCreateKeyFile(dataDir)]);
    assert.equal(results.filter((r) => r.created).length, 1);
    assert.equal(results[0]!.spec, results[1]!.spec);
    assert.equal((await readFile(results[0]!.path, 'utf8')).trim(), results[0]!.spec);
  });

  test('an existing file is read as is, so an operator can prepend a new key to rotate', async () => {
    const dataDir = await tempDir();
    await writeFile(path.join(dataDir, 'encryption-keys'), `${K2},${K1}\n`);
    const loaded = await loadOrCreateKeyFile(dataDir);
    assert.equal(loaded.created, false);
    assert.equal(loaded.spec, `${K2},${K1}`);
    assert.equal(parseKeyRing(loaded.spec).currentKeyId, 'k2');
  });
});
