/**
 * Avatars on the portal page, served from Portico's own origin: the page's CSP admits no third-party
 * image but the app's two, so an account's or a channel's picture (on a platform's CDN) is fetched here,
 * server-side, and passed on. Only raster images from public hosts, 1 MB at most; anything else (no
 * picture, a host that does not answer, the simulator's placeholder URLs) becomes a monogram drawn here.
 */
import { createHash } from 'node:crypto';
import { escapeHtml } from '../http/html.ts';
import { checkPublicHost } from '../outbound/public-address.ts';
import type { Runtime } from '../runtime.ts';

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif'];
const MAX_BYTES = 1024 * 1024;
const TIMEOUT_MS = 3000;

export type Avatar = { type: string; body: Buffer };

/** The picture at `url`, or undefined when it cannot be had safely and quickly. */
export async function fetchAvatar(runtime: Runtime, url: string | null): Promise<Avatar | undefined> {
  if (!url) return undefined;
  let target: URL;
  try {
    target = runtime.outbound.rewrite(url);
  } catch {
    return undefined;
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') return undefined;
  const overridden = target.host !== new URL(url).host;
  // A platform's host the sandbox points elsewhere is Portico's own doing; any other must be public.
  if (!overridden && !runtime.config.allowPrivateInstances) {
    const check = await checkPublicHost(target.hostname);
    if (!check.public) return undefined;
  }
  try {
    const response = await runtime.outbound.fetch(target, { idempotent: false, timeoutMs: TIMEOUT_MS });
    const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const length = Number(response.headers.get('content-length') ?? 0);
    if (response.status !== 200 || !IMAGE_TYPES.includes(type) || length > MAX_BYTES) {
      await response.body?.cancel();
      return undefined;
    }
    const body = Buffer.from(await response.arrayBuffer());
    return body.byteLength > 0 && body.byteLength <= MAX_BYTES ? { type, body } : undefined;
  } catch {
    return undefined;
  }
}

const HUES = [210, 260, 330, 20, 150, 190, 45, 290];

/** A monogram: the name's first letter on a colour of its own (the same name, the same colour). */
export function monogram(name: string): Avatar {
  const letter = [...name.trim()].find((c) => /\p{L}|\p{N}/u.test(c))?.toUpperCase() ?? '?';
  const hue = HUES[createHash('sha256').update(name).digest()[0]! % HUES.length];
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" fill="hsl(${hue} 45% 42%)"/><text x="20" y="26.5" text-anchor="middle" font-family="system-ui,sans-serif" font-size="18" font-weight="600" fill="#fff">${escapeHtml(letter)}</text></svg>`;
  return { type: 'image/svg+xml', body: Buffer.from(svg) };
}
