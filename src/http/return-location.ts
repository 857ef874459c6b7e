/**
 * Where the user goes after a connect attempt. Headless sessions return to `return_url` with
 * `?connected=<count>&platform=<id>` or `?error=<code>&platform=<id>`, keeping the URL's own query.
 */
import type { ConnectOutcome } from '../connect/complete.ts';

export function returnLocation(outcome: ConnectOutcome): string | undefined {
  const returnUrl = outcome.session?.return_url;
  if (!returnUrl) return undefined;
  const url = new URL(returnUrl);
  if (outcome.ok) {
    url.searchParams.set('connected', String(outcome.accounts.length));
  } else {
    url.searchParams.set('error', outcome.code);
  }
  url.searchParams.set('platform', outcome.platform?.id ?? outcome.session?.platform ?? '');
  return url.href;
}
