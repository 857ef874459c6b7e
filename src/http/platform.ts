/** The platform a request names, by id or alias; 422 UNSUPPORTED_PLATFORM listing the supported ones otherwise. */
import { ApiError } from '../errors/catalog.ts';
import { findPlatform, supportedPlatforms } from '../platforms/registry.ts';
import type { PlatformModule } from '../platforms/types.ts';

export function platformOf(name: string): PlatformModule {
  const platform = findPlatform(name);
  if (!platform) {
    throw new ApiError('UNSUPPORTED_PLATFORM', `"${name}" is not a supported platform`, {
      supported: supportedPlatforms(),
    });
  }
  return platform;
}
