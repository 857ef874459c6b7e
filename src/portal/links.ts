/**
 * Portal links: what `create-portal-link` makes and the page at `/portal/{token}` opens. The token is a
 * 256-bit secret that only the app and its user see; the database keeps its hash, like a connect session's
 * state. A link is kept after it expires, so that its page can still say so and offer the way back.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Runtime } from '../runtime.ts';
import { newId, randomToken, sha256Hex } from '../storage/ids.ts';
import type { PortalLink, Team } from '../storage/schema.ts';
import type { Language } from './i18n.ts';

/** What a link shows and allows: the `create-portal-link` fields, validated. */
export interface PortalSettings {
  /** Platform ids, in the order the app listed their types. */
  platforms: string[];
  redirectUrl: string;
  logoUrl?: string;
  userLogoUrl?: string;
  userName?: string;
  goBackButtonText?: string;
  language?: Language;
  hidePoweredBy?: boolean;
  hideGoBackButton?: boolean;
  hideUserLogo?: boolean;
  hideUserName?: boolean;
  hideLanguageSwitcher?: boolean;
  showModalOnConnectSuccess?: boolean;
  maxSocialAccountsConnected?: number;
  /** The connect fields handed to every connect the page starts (`serverUrl`, `disableAutoLogin`...). */
  connect: Record<string, string | boolean>;
  /** Signs the page's forms (`csrfToken`); never leaves the server. */
  formKey: string;
}

export const PORTAL_TOKEN_PREFIX = 'ptl_';
export const DEFAULT_EXPIRES_IN_MINUTES = 10;

/**
 * How long after expiry a connect the page started may still come back to it (to pick a channel, to see
 * the success dialog): a connect session's own lifetime, 15 minutes.
 */
export const RETURN_GRACE_MS = 15 * 60 * 1000;

const tokenHash = (token: string) => sha256Hex(`portal:${token}`);

/**
 * How long an expired link is kept: its page says "expired" (410, with the way back) rather than "doesn't
 * work" (404) to someone who opens it again from an old tab or message. Then it is forgotten.
 */
export const EXPIRED_LINKS_KEPT_MS = 7 * 24 * 60 * 60 * 1000;

export async function createPortalLink(
  runtime: Runtime,
  team: Team,
  settings: Omit<PortalSettings, 'formKey'>,
  expiresInMinutes: number,
): Promise<{ token: string; url: string; expiresAt: Date }> {
  const now = runtime.now();
  const token = `${PORTAL_TOKEN_PREFIX}${randomToken(32)}`;
  const expiresAt = new Date(now.getTime() + expiresInMinutes * 60_000);
  const stored: PortalSettings = { ...settings, formKey: randomToken(32) };
  // Each new link forgets the team's long-expired ones: the team's links are few, and indexed by team.
  await runtime.db
    .deleteFrom('portal_links')
    .where('team_id', '=', team.id)
    .where('expires_at', '<=', new Date(now.getTime() - EXPIRED_LINKS_KEPT_MS))
    .execute();
  await runtime.db
    .insertInto('portal_links')
    .values({
      id: newId('plink', now.getTime()),
      team_id: team.id,
      token_hash: tokenHash(token),
      settings: JSON.stringify(stored),
      expires_at: expiresAt,
      created_at: now,
    })
    .execute();
  return { token, url: portalUrl(runtime.config.publicUrl, token), expiresAt };
}

export const portalUrl = (publicUrl: string, token: string) => `${publicUrl}/portal/${token}`;

export type FoundLink =
  | { status: 'active'; link: PortalLink; settings: PortalSettings; team: Team }
  /** `returning`: still within the grace a connect started before expiry has to come back. */
  | { status: 'expired'; link: PortalLink; settings: PortalSettings; team: Team; returning: boolean }
  | { status: 'unknown' };

export async function findPortalLink(runtime: Runtime, token: string): Promise<FoundLink> {
  // A string that cannot be a token needs no query.
  if (!token.startsWith(PORTAL_TOKEN_PREFIX) || token.length > 100) return { status: 'unknown' };
  const row = await runtime.db
    .selectFrom('portal_links')
    .innerJoin('teams', 'teams.id', 'portal_links.team_id')
    .selectAll('teams')
    .select([
      'portal_links.id as link_id',
      'portal_links.settings as link_settings',
      'portal_links.expires_at as link_expires_at',
      'portal_links.created_at as link_created_at',
      'portal_links.token_hash as link_token_hash',
    ])
    .where('portal_links.token_hash', '=', tokenHash(token))
    .executeTakeFirst();
  if (!row) return { status: 'unknown' };
  const { link_id, link_settings, link_expires_at, link_created_at, link_token_hash, ...team } = row;
  const link: PortalLink = {
    id: link_id,
    team_id: team.id,
    token_hash: link_token_hash,
    settings: link_settings,
    expires_at: link_expires_at,
    created_at: link_created_at,
  };
  const settings = link.settings as unknown as PortalSettings;
  const now = runtime.now().getTime();
  const expiresAt = link.expires_at.getTime();
  if (now < expiresAt) return { status: 'active', link, settings, team };
  return { status: 'expired', link, settings, team, returning: now < expiresAt + RETURN_GRACE_MS };
}

/**
 * The token every form of a link's page carries: an HMAC of the link's id under the link's own key. With
 * the `Origin` check in the routes, a form posted from another site is refused even by someone who knows
 * the link (the token is only in the page's HTML, which another site cannot read).
 */
export function csrfToken(link: PortalLink, settings: PortalSettings): string {
  return createHmac('sha256', settings.formKey).update(`portal-form:${link.id}`).digest('base64url');
}

export function validCsrfToken(link: PortalLink, settings: PortalSettings, sent: unknown): boolean {
  if (typeof sent !== 'string') return false;
  const expected = Buffer.from(csrfToken(link, settings));
  const given = Buffer.from(sent);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
