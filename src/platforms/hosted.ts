/**
 * The hosted product's names for platforms, read from each module's `hosted` data: its social-account
 * types (`TWITTER`, `GOOGLE_BUSINESS`...) and the flags a connect started on its surface returns with
 * (`?success=twitter-callback`, `?error=facebook-not-enough-pages`). No platform is named here.
 */
import type { ConnectErrorCode } from '../errors/catalog.ts';
import { allPlatforms } from './registry.ts';
import type { PlatformModule } from './types.ts';

/** Every type the hosted product knows (its SDK's enum, plus Tumblr), served by Portico or not. */
export const HOSTED_TYPES = [
  'TWITTER',
  'FACEBOOK',
  'INSTAGRAM',
  'THREADS',
  'LINKEDIN',
  'YOUTUBE',
  'GOOGLE_BUSINESS',
  'TIKTOK',
  'PINTEREST',
  'REDDIT',
  'DISCORD',
  'SLACK',
  'MASTODON',
  'BLUESKY',
  'SNAPCHAT',
  'TUMBLR',
] as const;

/** The types of the platforms Portico serves, in registry order. */
export function servedHostedTypes(): string[] {
  return allPlatforms().map((m) => m.hosted.type);
}

export type HostedTypeLookup =
  | { ok: true; module: PlatformModule }
  /** `known`: a type of the hosted product that Portico does not serve yet. */
  | { ok: false; known: boolean };

/** The platform of a hosted type, in any case (`TWITTER`, `twitter`, `google_business`). */
export function platformOfHostedType(raw: string): HostedTypeLookup {
  const type = raw.toUpperCase();
  const module = allPlatforms().find((m) => m.hosted.type === type);
  if (module) return { ok: true, module };
  return { ok: false, known: (HOSTED_TYPES as readonly string[]).includes(type) };
}

export function flagPrefix(module: PlatformModule): string {
  return module.hosted.flagPrefix ?? module.id;
}

/** The flag a successful connect returns with: `?success=<prefix>-callback`. */
export function hostedSuccessFlag(module: PlatformModule): string {
  return `${flagPrefix(module)}-callback`;
}

/**
 * The flag a failed connect returns with (`?error=<flag>`): permissions and "nothing to publish to" have
 * their own, where the platform declares one; every other failure, the user cancelling included, is the
 * generic `<prefix>-callback`.
 */
export function hostedErrorFlag(module: PlatformModule, code: ConnectErrorCode): string {
  const prefix = flagPrefix(module);
  if (code === 'not_enough_permissions') return `${prefix}-not-enough-permissions`;
  if (code === 'no_targets' && module.targets.noneFlag) return `${prefix}-${module.targets.noneFlag}`;
  return `${prefix}-callback`;
}

/** Every flag a platform can return with, and the connect outcome that produces it (`success` or a code). */
export function hostedFlags(
  module: PlatformModule,
): Array<{ flag: string; param: 'success' | 'error'; outcome: 'success' | ConnectErrorCode }> {
  const flags: Array<{ flag: string; param: 'success' | 'error'; outcome: 'success' | ConnectErrorCode }> = [
    { flag: hostedSuccessFlag(module), param: 'success', outcome: 'success' },
    { flag: hostedErrorFlag(module, 'platform_error'), param: 'error', outcome: 'platform_error' },
    {
      flag: hostedErrorFlag(module, 'not_enough_permissions'),
      param: 'error',
      outcome: 'not_enough_permissions',
    },
  ];
  if (module.targets.noneFlag) {
    flags.push({ flag: hostedErrorFlag(module, 'no_targets'), param: 'error', outcome: 'no_targets' });
  }
  return flags;
}
