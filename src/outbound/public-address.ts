/**
 * Whether a host a caller named (a Mastodon server) is on the public internet. Portico calls such hosts on
 * the caller's behalf, so without this check a caller could make it call loopback services, the private
 * network or a cloud metadata endpoint (server-side request forgery). Every address the name resolves to
 * must be public: the HTTP client may connect to any of them.
 *
 * This checks names when a connect starts; it does not pin the address for later calls, so a name whose
 * DNS answer changes afterwards (rebinding) is not caught here.
 * @see https://www.iana.org/assignments/iana-ipv4-special-registry/
 * @see https://www.iana.org/assignments/iana-ipv6-special-registry/
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Resolves a name to every address it has (`dns.lookup` with `all: true`); tests inject their own. */
export type Resolver = (hostname: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

export const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true });

export type HostCheck =
  | { public: true; addresses: string[] }
  | {
      public: false;
      /** `local-name`: a name reserved for local use; `internal`: an address that is not public; `unresolvable`: no address. */
      reason: 'local-name' | 'internal' | 'unresolvable';
      /** The offending address, for `internal`. */
      address?: string;
    };

const INTERNAL_V4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", including the unspecified 0.0.0.0
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // shared address space, carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, including the 169.254.169.254 cloud metadata service
  ['172.16.0.0', 12], // private (RFC 1918)
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation (TEST-NET-1)
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated, RFC 7526)
  ['192.168.0.0', 16], // private (RFC 1918)
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation (TEST-NET-2)
  ['203.0.113.0', 24], // documentation (TEST-NET-3)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, including the broadcast 255.255.255.255
] as const) {
  INTERNAL_V4.addSubnet(network, prefix, 'ipv4');
}

/** IPv6 global unicast (2000::/3) is the only public space; these parts of it are not public either. */
const GLOBAL_V6 = new BlockList();
GLOBAL_V6.addSubnet('2000::', 3, 'ipv6');
const INTERNAL_V6 = new BlockList();
for (const [network, prefix] of [
  ['2001::', 23], // IETF protocol assignments (Teredo, benchmarking, ORCHID...)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4, which embeds any IPv4 address (deprecated, RFC 7526)
  ['3fff::', 20], // documentation (RFC 9637)
] as const) {
  INTERNAL_V6.addSubnet(network, prefix, 'ipv6');
}
/** Prefixes whose last 32 bits are an IPv4 address, judged as that address. */
const EMBEDS_V4 = new BlockList();
EMBEDS_V4.addSubnet('::ffff:0:0', 96, 'ipv6'); // IPv4-mapped
// NAT64's well-known prefix (RFC 6052): DNS64 on an IPv6-only network answers public IPv4 hosts with it.
EMBEDS_V4.addSubnet('64:ff9b::', 96, 'ipv6');

/** Whether an IP address (v4 or v6, without brackets) is publicly routable. Not an IP address: false. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !INTERNAL_V4.check(address, 'ipv4');
  if (family !== 6) return false;
  if (EMBEDS_V4.check(address, 'ipv6')) {
    const v4 = embeddedV4(address);
    return v4 !== undefined && !INTERNAL_V4.check(v4, 'ipv4');
  }
  // Outside 2000::/3: unspecified, loopback, IPv4-compatible, ULA (fc00::/7, RFC 4193), link-local
  // (fe80::/10), site-local, multicast (ff00::/8), discard-only, local-use NAT64 (64:ff9b:1::/48)...
  return GLOBAL_V6.check(address, 'ipv6') && !INTERNAL_V6.check(address, 'ipv6');
}

/**
 * Names reserved for local use never name a public server, whatever a resolver says: `localhost` (RFC
 * 6761), mDNS's `.local` (RFC 6762), `.home.arpa` (RFC 8375) and ICANN's private-use `.internal`.
 */
export function isLocalName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return /(^|\.)(localhost|local|home\.arpa|internal)$/.test(name) || name === 'localhost.localdomain';
}

/** Checks a hostname or IP literal (IPv6 with or without brackets): every address it resolves to must be public. */
export async function checkPublicHost(host: string, resolve: Resolver = systemResolver): Promise<HostCheck> {
  const hostname = host.replace(/^\[(.*)\]$/, '$1');
  if (isIP(hostname)) {
    return isPublicAddress(hostname)
      ? { public: true, addresses: [hostname] }
      : { public: false, reason: 'internal', address: hostname };
  }
  if (isLocalName(hostname)) return { public: false, reason: 'local-name' };
  let found: ReadonlyArray<{ address: string }>;
  try {
    found = await resolve(hostname);
  } catch {
    return { public: false, reason: 'unresolvable' };
  }
  if (found.length === 0) return { public: false, reason: 'unresolvable' };
  for (const { address } of found) {
    if (!isPublicAddress(address)) return { public: false, reason: 'internal', address };
  }
  return { public: true, addresses: found.map((a) => a.address) };
}

/** The IPv4 address in the last 32 bits of an IPv6 address. */
function embeddedV4(address: string): string | undefined {
  const groups = expandV6(address);
  if (!groups) return undefined;
  const high = groups[6]!;
  const low = groups[7]!;
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** An IPv6 address as its eight 16-bit groups (accepts `::` and a trailing dotted quad). */
function expandV6(address: string): number[] | undefined {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part ? part.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<number>(Math.max(fill, 0)).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff)
    ? groups
    : undefined;
}
