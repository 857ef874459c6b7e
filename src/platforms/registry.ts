/** The only list of platform modules. Everything else looks platforms up here. */
import { facebook } from './facebook/index.ts';
import { linkedin } from './linkedin/index.ts';
import { mastodon } from './mastodon/index.ts';
import { threads } from './threads/index.ts';
import { tiktok } from './tiktok/index.ts';
import { twitter } from './twitter/index.ts';
import type { PlatformId, PlatformModule } from './types.ts';

const MODULES: readonly PlatformModule[] = [twitter, facebook, linkedin, tiktok, threads, mastodon];

const BY_NAME = new Map<string, PlatformModule>();
for (const module of MODULES) {
  BY_NAME.set(module.id, module);
  for (const alias of module.aliases ?? []) BY_NAME.set(alias, module);
  // `google_business` and friends: the environment-variable spelling is accepted everywhere.
  BY_NAME.set(module.id.replaceAll('-', '_'), module);
}

/** Finds a platform by id or alias, case-insensitively. */
export function findPlatform(name: string): PlatformModule | undefined {
  return BY_NAME.get(name.toLowerCase());
}

export function supportedPlatforms(): PlatformId[] {
  return MODULES.map((m) => m.id);
}

export function allPlatforms(): readonly PlatformModule[] {
  return MODULES;
}

/** `PORTICO_GOOGLE_BUSINESS_...`: upper case, `-` as `_`. */
export function envName(id: PlatformId): string {
  return id.toUpperCase().replaceAll('-', '_');
}
