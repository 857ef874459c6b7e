import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

describe('configuration', () => {
  test('defaults to sandbox mode on 127.0.0.1:3000 with the embedded database', () => {
    const config = loadConfig({});
    assert.equal(config.mode, 'sandbox');
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 3000);
    assert.equal(config.publicUrl, 'http://127.0.0.1:3000');
    assert.equal(config.databaseUrl, undefined);
    assert.match(config.dataDir, /\.portico$/);
    assert.equal(config.headlessConnect, true);
  });

  test('the public URL loses its trailing slash', () => {
    assert.equal(
      loadConfig({ PORTICO_PUBLIC_URL: 'https://connect.example.com/' }).publicUrl,
      'https://connect.example.com',
    );
  });

  const wrong: Array<[string, string, RegExp]> = [
    ['PORTICO_MODE', 'production', /PORTICO_MODE must be one of sandbox, live/],
    ['PORTICO_PORT', '70000', /PORTICO_PORT must be a whole number from 0 to 65535/],
    ['PORTICO_PORT', 'abc', /PORTICO_PORT must be a whole number/],
    ['PORTICO_PUBLIC_URL', 'ftp://x', /PORTICO_PUBLIC_URL must be an absolute http\(s\) URL/],
    ['PORTICO_PUBLIC_URL', 'not a url', /PORTICO_PUBLIC_URL must be an absolute http\(s\) URL/],
    ['PORTICO_PUBLIC_URL', 'https://x.example/?a=1', /must not have a query string/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL must be a postgres/],
    ['PORTICO_HEADLESS_CONNECT', 'maybe', /PORTICO_HEADLESS_CONNECT must be true or false/],
    ['PORTICO_LOG_LEVEL', 'loud', /PORTICO_LOG_LEVEL must be one of/],
    ['PORTICO_RATE_LIMIT_API', '0', /PORTICO_RATE_LIMIT_API must be a whole number from 1/],
    ['PORTICO_TRUST_PROXY', 'maybe', /PORTICO_TRUST_PROXY must be true or false/],
    ['PORTICO_HOST_OVERRIDES', '{"api.x.com": "ftp://x"}', /^PORTICO_HOST_OVERRIDES value for "api.x.com"/],
    ['PORTICO_ENCRYPTION_KEYS', 'k1:short', /^PORTICO_ENCRYPTION_KEYS key 'k1' is not 32 bytes/],
  ];
  for (const [variable, value, message] of wrong) {
    test(`${variable}=${value} stops the start with a line naming the variable`, () => {
      assert.throws(
        () => loadConfig({ [variable]: value }),
        (error: unknown) =>
          error instanceof ConfigError && error.variable === variable && message.test(error.message),
      );
    });
  }

  test('boolean variables accept the usual spellings', () => {
    assert.equal(loadConfig({ PORTICO_HEADLESS_CONNECT: 'off' }).headlessConnect, false);
    assert.equal(loadConfig({ PORTICO_HEADLESS_CONNECT: 'TRUE' }).headlessConnect, true);
  });
});
