/**
 * OAuth clients (apps) the simulator knows. Without configuration every platform gets one default client
 * that accepts any http(s) redirect_uri; with `redirectUris` the match is exact, as on the real platforms.
 */
import { platforms } from './platforms/index.ts';
import type { Grant } from './store.ts';

export interface SandboxClient {
  platform: string;
  clientId: string;
  /** An empty secret makes a public client (X "Native App"): it identifies itself by client_id only. */
  clientSecret: string;
  redirectUris?: string[];
}

/** The default client per platform, used when `SandboxOptions.clients` is not given. */
export const SANDBOX_CREDENTIALS: Record<string, { clientId: string; clientSecret: string }> =
  Object.fromEntries(
    platforms.map((p) => [
      p.id,
      { clientId: `sandbox-${p.id}-client`, clientSecret: `sandbox-${p.id}-secret` },
    ]),
  );

export function defaultClients(): SandboxClient[] {
  return Object.entries(SANDBOX_CREDENTIALS).map(([platform, credentials]) => ({ platform, ...credentials }));
}

/**
 * Whether `redirectUri` may receive this client's codes. Registered URIs match exactly (no prefix or
 * trailing-slash leniency); without registration any absolute http(s) URI without a fragment will do
 * (RFC 6749 §3.1.2).
 */
export function redirectUriAllowed(client: SandboxClient, redirectUri: string): boolean {
  if (client.redirectUris) return client.redirectUris.includes(redirectUri);
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && !redirectUri.includes('#');
}

/** Whether `grant` was given to `client`: the same platform's same app. A token of another app is unknown. */
export function grantedTo(grant: Pick<Grant, 'platform' | 'clientId'>, client: SandboxClient): boolean {
  return grant.platform === client.platform && grant.clientId === client.clientId;
}
