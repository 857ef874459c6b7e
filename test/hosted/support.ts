/**
 * The hosted product's SDK pointed at a test Portico, and a custom-UI connect driven the way an app and
 * its user would: ask for a link through the SDK, answer the simulator's consent page, follow the
 * platform's redirect to Portico's callback, and read the flags Portico sends the user back with.
 */
import assert from 'node:assert/strict';
import { Bundlesocial } from 'bundlesocial';
import { submitConsent } from '../support/consent.ts';
import { followCallback } from '../support/connect-flow.ts';
import type { TestPortico } from '../support/portico.ts';

export function sdkFor(portico: TestPortico, key: string = portico.adminKey): Bundlesocial {
  // The SDK's type asks for every field of its config; at run time it fills in all but BASE itself.
  return new Bundlesocial(key, { BASE: portico.url } as ConstructorParameters<typeof Bundlesocial>[1]);
}

export type HostedType = 'TWITTER' | 'FACEBOOK' | 'LINKEDIN' | 'TIKTOK' | 'THREADS' | 'MASTODON';

export interface HostedConnect {
  /** Where Portico sent the user back (the app's redirectUrl with its flags). */
  location: URL;
}

export async function hostedConnect(
  sdk: Bundlesocial,
  portico: TestPortico,
  input: { type: HostedType; teamId: string; redirectUrl: string; serverUrl?: string },
  consent: { user?: string; uncheck?: string[]; decision?: 'approve' | 'deny' } = {},
): Promise<HostedConnect> {
  const { url } = await sdk.socialAccount.socialAccountConnect({ requestBody: input });
  const callbackUrl = await submitConsent(url, consent);
  assert.ok(callbackUrl.startsWith(`${portico.url}/oauth/callback/`), callbackUrl);
  const { location } = await followCallback(callbackUrl);
  assert.ok(location, 'Portico redirects the user back to the app');
  return { location };
}

/** The flags a redirect carries: `{success}` or `{error}`, and nothing of the headless surface. */
export function flagsOf(location: URL): Record<string, string> {
  return Object.fromEntries(location.searchParams);
}

/** The SDK's error for a call that must fail: its status and the hosted error body. */
export async function sdkFailure(call: Promise<unknown>): Promise<{ status: number; body: any }> {
  try {
    await call;
  } catch (error) {
    const e = error as { status?: number; body?: unknown };
    assert.equal(typeof e.status, 'number', String(error));
    return { status: e.status!, body: e.body };
  }
  assert.fail('the call was expected to fail');
}
