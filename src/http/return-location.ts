/**
 * Where the user goes after a connect attempt, keeping the return URL's own query. Headless sessions return
 * to `return_url` with `?connected=<count>&platform=<id>` or `?error=<code>&platform=<id>`; sessions opened
 * on the hosted surface (`/api/v1`) return to `redirectUrl` with that product's flags,
 * `?success=<platform>-callback` or `?error=<flag>` (platform data: `platforms/hosted.ts`).
 */
import type { ConnectOutcome } from '../connect/complete.ts';
import { hostedErrorFlag, hostedSuccessFlag } from '../platforms/hosted.ts';
import { findPlatform } from '../platforms/registry.ts';

export function returnLocation(outcome: ConnectOutcome): string | undefined {
  const returnUrl = outcome.session?.return_url;
  if (!returnUrl) return undefined;
  const url = new URL(returnUrl);
  const platform = outcome.platform ?? findPlatform(outcome.session?.platform ?? '');
  if (outcome.session?.surface === 'portal' && platform) {
    if (outcome.ok) url.searchParams.set('success', hostedSuccessFlag(platform));
    else url.searchParams.set('error', hostedErrorFlag(platform, outcome.code));
    return url.href;
  }
  if (outcome.ok) {
    url.searchParams.set('connected', String(outcome.accounts.length));
  } else {
    url.searchParams.set('error', outcome.code);
  }
  url.searchParams.set('platform', platform?.id ?? outcome.session?.platform ?? '');
  return url.href;
}
