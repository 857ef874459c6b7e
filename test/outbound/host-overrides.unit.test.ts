/** Host overrides: where a platform URL goes, and which PORTICO_HOST_OVERRIDES values are refused. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  applyHostOverrides,
  type HostOverrides,
  HostOverridesConfigError,
  parseHostOverrides,
} from '../../src/outbound/host-overrides.ts';

describe('applyHostOverrides', () => {
  const cases: Array<{ name: string; url: string; overrides: HostOverrides; expected: string }> = [
    {
      name: 'a base without path replaces scheme, host and port',
      url: 'https://api.x.com/2/oauth2/token',
      overrides: { 'api.x.com': 'http://127.0.0.1:9001' },
      expected: 'http://127.0.0.1:9001/2/oauth2/token',
    },
    {
      name: 'a base with a path gets the original path appended',
      url: 'https://api.x.com/2/oauth2/token',
      overrides: { 'api.x.com': 'http://127.0.0.1:3000/sandbox/api.x.com' },
      expected: 'http://127.0.0.1:3000/sandbox/api.x.com/2/oauth2/token',
    },
    {
      name: 'a trailing slash on the base does not double the slash',
      url: 'https://api.x.com/2/users/me',
      overrides: { 'api.x.com': 'http://127.0.0.1:3000/sandbox/api.x.com/' },
      expected: 'http://127.0.0.1:3000/sandbox/api.x.com/2/users/me',
    },
    {
      name: 'a bare base with trailing slash does not double the slash',
      url: 'https://api.x.com/2/users/me',
      overrides: { 'api.x.com': 'http://127.0.0.1:9001/' },
      expected: 'http://127.0.0.1:9001/2/users/me',
    },
    {
      name: 'the root path stays a single slash after the base path',
      url: 'https://api.x.com/',
      overrides: { 'api.x.com': 'http://127.0.0.1:3000/sandbox/api.x.com' },
      expected: 'http://127.0.0.1:3000/sandbox/api.x.com/',
    },
    {
      name: 'a trailing slash on the original path is kept',
      url: 'https://www.linkedin.com/oauth/v2/authorization/',
      overrides: { 'www.linkedin.com': 'http://127.0.0.1:3000/sb/www.linkedin.com' },
      expected: 'http://127.0.0.1:3000/sb/www.linkedin.com/oauth/v2/authorization/',
    },
    {
      name: 'query and fragment are kept, encoding untouched',
      url: 'https://x.com/i/oauth2/authorize?client_id=abc&scope=tweet.read%20users.read&state=s%2B1#frag',
      overrides: { 'x.com': 'http://localhost:3000/sandbox/x.com' },
      expected:
        'http://localhost:3000/sandbox/x.com/i/oauth2/authorize?client_id=abc&scope=tweet.read%20users.read&state=s%2B1#frag',
    },
    {
      name: 'an http base can become https',
      url: 'http://legacy.example.com/v1/me',
      overrides: { 'legacy.example.com': 'https://proxy.internal:8443/legacy' },
      expected: 'https://proxy.internal:8443/legacy/v1/me',
    },
    {
      name: 'hosts match case-insensitively, in the URL',
      url: 'https://API.X.com/2/users/me',
      overrides: { 'api.x.com': 'http://127.0.0.1:9001' },
      expected: 'http://127.0.0.1:9001/2/users/me',
    },
    {
      name: 'hosts match case-insensitively, in the key',
      url: 'https://api.x.com/2/users/me',
      overrides: { 'Api.X.Com': 'http://127.0.0.1:9001' },
      expected: 'http://127.0.0.1:9001/2/users/me',
    },
    {
      name: 'a host:port key matches only that port',
      url: 'http://mastodon.local:8080/api/v1/apps',
      overrides: { 'mastodon.local:8080': 'http://127.0.0.1:9002' },
      expected: 'http://127.0.0.1:9002/api/v1/apps',
    },
    {
      name: 'a host:port key does not match another port',
      url: 'http://mastodon.local:9090/api/v1/apps',
      overrides: { 'mastodon.local:8080': 'http://127.0.0.1:9002' },
      expected: 'http://mastodon.local:9090/api/v1/apps',
    },
    {
      name: 'a host:port key wins over a bare hostname key',
      url: 'http://mastodon.local:8080/api/v1/apps',
      overrides: {
        'mastodon.local': 'http://127.0.0.1:1111',
        'mastodon.local:8080': 'http://127.0.0.1:2222',
      },
      expected: 'http://127.0.0.1:2222/api/v1/apps',
    },
    {
      name: 'a bare hostname key matches any port',
      url: 'http://mastodon.local:9090/api/v1/apps',
      overrides: {
        'mastodon.local': 'http://127.0.0.1:1111',
        'mastodon.local:8080': 'http://127.0.0.1:2222',
      },
      expected: 'http://127.0.0.1:1111/api/v1/apps',
    },
    {
      name: "a host:port key with the scheme's default port matches a URL without port",
      url: 'https://graph.facebook.com/v21.0/me',
      overrides: { 'graph.facebook.com:443': 'http://127.0.0.1:9003' },
      expected: 'http://127.0.0.1:9003/v21.0/me',
    },
    {
      name: 'no override for the host leaves the URL unchanged',
      url: 'https://api.linkedin.com/v2/userinfo?x=1',
      overrides: { 'api.x.com': 'http://127.0.0.1:9001' },
      expected: 'https://api.linkedin.com/v2/userinfo?x=1',
    },
    {
      name: 'a subdomain does not match its parent domain key',
      url: 'https://upload.x.com/1.1/media',
      overrides: { 'x.com': 'http://127.0.0.1:9001' },
      expected: 'https://upload.x.com/1.1/media',
    },
    {
      name: 'an empty map leaves the URL unchanged',
      url: 'https://api.x.com/2/users/me',
      overrides: {},
      expected: 'https://api.x.com/2/users/me',
    },
  ];
  for (const { name, url, overrides, expected } of cases) {
    test(name, () => {
      assert.equal(applyHostOverrides(url, overrides).href, expected);
      assert.equal(applyHostOverrides(new URL(url), overrides).href, expected);
    });
  }

  test('the input URL object is never modified', () => {
    const input = new URL('https://api.x.com/2/users/me');
    applyHostOverrides(input, { 'api.x.com': 'http://127.0.0.1:9001' }).pathname = '/changed';
    assert.equal(input.href, 'https://api.x.com/2/users/me');
  });
});

describe('parseHostOverrides', () => {
  test('reads a JSON object and lowercases its keys', () => {
    assert.deepEqual(
      parseHostOverrides(
        '{"API.X.com": "http://127.0.0.1:9001", "mastodon.local:8080": "https://127.0.0.1:3000/sandbox/m/"}',
      ),
      { 'api.x.com': 'http://127.0.0.1:9001', 'mastodon.local:8080': 'https://127.0.0.1:3000/sandbox/m/' },
    );
    assert.deepEqual(parseHostOverrides('{}'), {});
  });

  const cases: Array<{ name: string; json: string; message: RegExp }> = [
    { name: 'text that is not JSON', json: 'api.x.com=http://127.0.0.1', message: /is not valid JSON/ },
    { name: 'a JSON array', json: '["api.x.com"]', message: /must be a JSON object/ },
    { name: 'a JSON string', json: '"http://127.0.0.1"', message: /must be a JSON object/ },
    { name: 'JSON null', json: 'null', message: /must be a JSON object/ },
    {
      name: 'a key that is a URL',
      json: '{"https://api.x.com": "http://127.0.0.1"}',
      message: /key "https:\/\/api\.x\.com" is not a hostname/,
    },
    {
      name: 'a key with a path',
      json: '{"api.x.com/2": "http://127.0.0.1"}',
      message: /key "api\.x\.com\/2" is not a hostname/,
    },
    { name: 'an empty key', json: '{"": "http://127.0.0.1"}', message: /key "" is not a hostname/ },
    {
      name: 'a key with a port out of range',
      json: '{"api.x.com:70000": "http://127.0.0.1"}',
      message: /key "api\.x\.com:70000"/,
    },
    {
      name: 'a value that is not a string',
      json: '{"api.x.com": 9001}',
      message: /value for "api\.x\.com" must be a string URL/,
    },
    {
      name: 'a relative value',
      json: '{"api.x.com": "/sandbox/api.x.com"}',
      message: /value for "api\.x\.com" must be an absolute http\(s\) URL/,
    },
    {
      name: 'a value without scheme',
      json: '{"api.x.com": "127.0.0.1:9001"}',
      message: /value for "api\.x\.com" must be an absolute http\(s\) URL/,
    },
    {
      name: 'a non-http value',
      json: '{"api.x.com": "ftp://127.0.0.1/"}',
      message: /value for "api\.x\.com" must be an absolute http\(s\) URL/,
    },
    {
      name: 'a value with a query',
      json: '{"api.x.com": "http://127.0.0.1:9001/?a=1"}',
      message: /value for "api\.x\.com" must not have a query or fragment/,
    },
    {
      name: 'a value with an empty query',
      json: '{"api.x.com": "http://127.0.0.1:9001/?"}',
      message: /must not have a query or fragment/,
    },
    {
      name: 'a value with a fragment',
      json: '{"api.x.com": "http://127.0.0.1:9001/#x"}',
      message: /must not have a query or fragment/,
    },
  ];
  for (const { name, json, message } of cases) {
    test(`${name} is refused, naming the entry`, () => {
      assert.throws(
        () => parseHostOverrides(json),
        (error: unknown) => {
          assert.ok(error instanceof HostOverridesConfigError);
          assert.match(error.message, /^PORTICO_HOST_OVERRIDES /);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }
});
