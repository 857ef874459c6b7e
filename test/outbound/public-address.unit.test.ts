/** The public-address check: which hosts a caller may make Portico call. No network: resolvers are injected. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkPublicHost, isPublicAddress, type Resolver } from '../../src/outbound/public-address.ts';

describe('isPublicAddress', () => {
  const cases: Array<[address: string, expected: boolean, why: string]> = [
    ['93.184.215.14', true, 'a public IPv4 address'],
    ['1.1.1.1', true, 'a public IPv4 address'],
    ['2a01:4f8:c2c:123f::1', true, 'a public IPv6 address'],
    ['2606:4700:4700::1111', true, 'a public IPv6 address'],
    ['127.0.0.1', false, 'loopback'],
    ['127.255.255.254', false, 'loopback, all of 127/8'],
    ['10.0.0.5', false, 'private (RFC 1918)'],
    ['172.16.0.1', false, 'private (RFC 1918)'],
    ['172.31.255.255', false, 'private (RFC 1918), end of 172.16/12'],
    ['172.32.0.1', true, 'just past 172.16/12'],
    ['192.168.1.1', false, 'private (RFC 1918)'],
    ['169.254.169.254', false, 'link-local: the cloud metadata service'],
    ['100.64.0.1', false, 'carrier-grade NAT'],
    ['100.127.255.255', false, 'carrier-grade NAT, end of 100.64/10'],
    ['100.128.0.1', true, 'just past 100.64/10'],
    ['0.0.0.0', false, 'unspecified'],
    ['0.1.2.3', false, '"this network"'],
    ['224.0.0.1', false, 'multicast'],
    ['239.255.255.250', false, 'multicast'],
    ['240.0.0.1', false, 'reserved'],
    ['255.255.255.255', false, 'broadcast'],
    ['192.0.2.10', false, 'documentation'],
    ['198.18.0.1', false, 'benchmarking'],
    ['::1', false, 'IPv6 loopback'],
    ['::', false, 'IPv6 unspecified'],
    ['fd00::1', false, 'unique local (RFC 4193)'],
    ['fc00::1', false, 'unique local (RFC 4193)'],
    ['fe80::1', false, 'IPv6 link-local'],
    ['fe80::1%eth0', false, 'IPv6 link-local with a zone'],
    ['ff02::1', false, 'IPv6 multicast'],
    ['2001:db8::1', false, 'IPv6 documentation'],
    ['2002:a00:1::', false, '6to4 (embeds any IPv4 address)'],
    ['::ffff:127.0.0.1', false, 'IPv4-mapped loopback'],
    ['::ffff:10.0.0.5', false, 'IPv4-mapped private'],
    ['::ffff:a9fe:a9fe', false, 'IPv4-mapped metadata service, hex form'],
    ['::ffff:1.1.1.1', true, 'IPv4-mapped public'],
    ['64:ff9b::a00:5', false, 'NAT64 of a private address'],
    ['64:ff9b::101:101', true, 'NAT64 of a public address (DNS64 on an IPv6-only network)'],
    ['::127.0.0.1', false, 'IPv4-compatible (deprecated)'],
    ['mastodon.social', false, 'not an IP address'],
  ];
  for (const [address, expected, why] of cases) {
    test(`${address} is ${expected ? 'public' : 'not public'}: ${why}`, () => {
      assert.equal(isPublicAddress(address), expected);
    });
  }
});

describe('checkPublicHost', () => {
  const resolver =
    (table: Record<string, string[]>): Resolver =>
    async (hostname) => {
      const addresses = table[hostname];
      if (!addresses)
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
  const dns = resolver({
    'mastodon.social': ['151.101.1.91', '2a04:4e42::347'],
    'sneaky.example': ['151.101.1.91', '10.0.0.5'],
    'intranet.example': ['192.168.0.10'],
    'metadata.example': ['169.254.169.254'],
    'v6-only-internal.example': ['fd12:3456::1'],
    'empty.example': [],
  });
  const never: Resolver = async () => {
    throw new Error('an IP literal or a local name needs no resolver');
  };

  test('a name whose every address is public is public', async () => {
    assert.deepEqual(await checkPublicHost('mastodon.social', dns), {
      public: true,
      addresses: ['151.101.1.91', '2a04:4e42::347'],
    });
  });

  const refused: Array<[host: string, reason: string, address?: string]> = [
    ['sneaky.example', 'internal', '10.0.0.5'],
    ['intranet.example', 'internal', '192.168.0.10'],
    ['metadata.example', 'internal', '169.254.169.254'],
    ['v6-only-internal.example', 'internal', 'fd12:3456::1'],
    ['nowhere.example', 'unresolvable'],
    ['empty.example', 'unresolvable'],
  ];
  for (const [host, reason, address] of refused) {
    test(`${host} is refused (${reason}${address ? ` ${address}` : ''})`, async () => {
      const check = await checkPublicHost(host, dns);
      assert.equal(check.public, false);
      assert.equal(!check.public && check.reason, reason);
      if (address) assert.equal(!check.public && check.address, address);
    });
  }

  const literals: Array<[host: string, isPublic: boolean]> = [
    ['127.0.0.1', false],
    ['10.0.0.5', false],
    ['169.254.169.254', false],
    ['[::1]', false],
    ['::1', false],
    ['[::ffff:127.0.0.1]', false],
    ['[fd00::1]', false],
    ['1.1.1.1', true],
    ['[2606:4700:4700::1111]', true],
  ];
  for (const [host, isPublic] of literals) {
    test(`the IP literal ${host} is judged without a resolver: ${isPublic ? 'public' : 'internal'}`, async () => {
      const check = await checkPublicHost(host, never);
      assert.equal(check.public, isPublic);
    });
  }

  for (const host of [
    'localhost',
    'LOCALHOST',
    'foo.localhost',
    'printer.local',
    'nas.home.arpa',
    'db.internal',
    'localhost.',
  ]) {
    test(`the local-use name ${host} is refused without resolving it`, async () => {
      assert.deepEqual(await checkPublicHost(host, never), { public: false, reason: 'local-name' });
    });
  }
});
