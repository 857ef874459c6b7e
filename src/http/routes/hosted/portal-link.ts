/**
 * `POST /api/v1/social-account/create-portal-link`: the hosted product's "Easy Way". The app gets a link to
 * Portico's connect page (`/portal/{token}`, `routes/portal.ts`) for its user, with its branding and the
 * platforms to offer; the user comes back to `redirectUrl` with the same flags as a custom-UI connect.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { invalidField } from '../../../errors/catalog.ts';
import { isLanguage, LANGUAGES } from '../../../portal/i18n.ts';
import { createPortalLink, DEFAULT_EXPIRES_IN_MINUTES, type PortalSettings } from '../../../portal/links.ts';
import type { Runtime } from '../../../runtime.ts';
import { checkReturnUrl } from '../../../teams/origins.ts';
import { teamOf } from '../../team.ts';
import { HOSTED_TAG, hostedErrors, platformOfType, TeamIdField, TypeField } from './common.ts';
import { HostedConnectFields } from './social-account.ts';

const Flag = (description: string) => Type.Optional(Type.Boolean({ description }));

const ImageUrl = (description: string) =>
  Type.Optional(
    Type.String({
      maxLength: 2048,
      description: `${description} https (http only for loopback hosts); shown with referrerpolicy=no-referrer.`,
    }),
  );

const PortalLinkBody = Type.Object(
  {
    teamId: TeamIdField,
    socialAccountTypes: Type.Array(TypeField, {
      minItems: 1,
      maxItems: 16,
      description:
        'The social-account types the page offers, in this order (e.g. `["TWITTER", "FACEBOOK"]`).',
    }),
    redirectUrl: Type.String({
      maxLength: 2048,
      description:
        'The app’s page: the go-back button’s target, and where the user lands after a connect with `?success=<platform>-callback` or `?error=<flag>` (its own query kept). Must be on the team’s allowed origins when it has any.',
    }),
    ...HostedConnectFields,
    expiresIn: Type.Optional(
      Type.Integer({
        minimum: 5,
        maximum: 2880,
        description: `Minutes until the link expires: 5 to 2880 (48 hours). Default ${DEFAULT_EXPIRES_IN_MINUTES}.`,
      }),
    ),
    logoUrl: ImageUrl('The app’s logo, at the top of the page.'),
    userLogoUrl: ImageUrl('The user’s picture.'),
    userName: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'The user’s name, shown beside their picture.',
      }),
    ),
    goBackButtonText: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 60,
        description: 'The go-back button’s text; a translated “Go back” by default.',
      }),
    ),
    language: Type.Optional(
      Type.String({
        maxLength: 10,
        description: `The page’s first language: ${LANGUAGES.join(', ')}. Default: the browser’s (Accept-Language), else en. The user can switch unless hideLanguageSwitcher.`,
      }),
    ),
    hidePoweredBy: Flag('Hide “Powered by Portico”.'),
    hideGoBackButton: Flag('Hide the go-back button.'),
    hideUserLogo: Flag('Hide the user’s picture.'),
    hideUserName: Flag('Hide the user’s name.'),
    hideLanguageSwitcher: Flag('Hide the language switcher.'),
    showModalOnConnectSuccess: Flag(
      'After a connect, ask whether to go back to the app (with the success flag) or connect another account; without it the user goes straight back.',
    ),
    maxSocialAccountsConnected: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1000,
        description:
          'Once the team has this many social accounts, the page offers no new connections (reconnecting and disconnecting still work) and says why.',
      }),
    ),
  },
  { additionalProperties: false },
);

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/** An image the page loads from elsewhere: https, or http on the user's own machine (a local app). */
function checkImageUrl(field: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidField(field, 'must be an absolute https URL');
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.test(url.hostname));
  if (!secure) throw invalidField(field, 'must be an https URL (http only for localhost)');
  if (url.username || url.password) throw invalidField(field, 'must not contain credentials');
  return url.href;
}

/** A server as a user would type it (`mastodon.social`) or a URL; the platform checks it when connecting. */
function checkServerUrl(value: string): string {
  const trimmed = value.trim();
  try {
    const url = new URL(trimmed.includes('://') ? trimmed : `https://${trimmed}`);
    if ((url.protocol === 'https:' || url.protocol === 'http:') && url.hostname.includes('.')) return trimmed;
  } catch {
    // reported below
  }
  throw invalidField('serverUrl', 'must be a server address such as https://mastodon.social');
}

export function portalLinkRoutes(runtime: Runtime): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/social-account/create-portal-link',
      {
        config: { scope: 'social:write' },
        schema: {
          tags: [HOSTED_TAG],
          summary: 'A link to Portico’s hosted connect page for the team’s user (docs/portal.md)',
          body: PortalLinkBody,
          response: {
            200: Type.Object({
              url: Type.String({
                description: 'The page to send the user to: `<public URL>/portal/<token>`.',
              }),
            }),
            ...hostedErrors(404),
          },
        },
      },
      async (request) => {
        const body = request.body;
        const platforms: string[] = [];
        body.socialAccountTypes.forEach((type, index) => {
          const module = platformOfType(type, `socialAccountTypes.${index}`);
          if (!platforms.includes(module.id)) platforms.push(module.id);
        });
        if (body.language !== undefined && !isLanguage(body.language)) {
          throw invalidField(
            'language',
            `${JSON.stringify(body.language)} is not a portal language; languages: ${LANGUAGES.join(', ')}`,
          );
        }
        const team = await teamOf(runtime.db, request, body.teamId);
        const connect: Record<string, string | boolean> = {};
        for (const field of Object.keys(HostedConnectFields) as Array<keyof typeof HostedConnectFields>) {
          const value = body[field];
          if (value !== undefined)
            connect[field] = field === 'serverUrl' ? checkServerUrl(String(value)) : value;
        }
        const settings: Omit<PortalSettings, 'formKey'> = {
          platforms,
          redirectUrl: checkReturnUrl(body.redirectUrl, team.allowed_origins, 'redirectUrl'),
          ...(body.logoUrl !== undefined ? { logoUrl: checkImageUrl('logoUrl', body.logoUrl) } : {}),
          ...(body.userLogoUrl !== undefined
            ? { userLogoUrl: checkImageUrl('userLogoUrl', body.userLogoUrl) }
            : {}),
          ...(body.userName !== undefined ? { userName: body.userName } : {}),
          ...(body.goBackButtonText !== undefined ? { goBackButtonText: body.goBackButtonText } : {}),
          ...(body.language !== undefined && isLanguage(body.language) ? { language: body.language } : {}),
          ...(body.maxSocialAccountsConnected !== undefined
            ? { maxSocialAccountsConnected: body.maxSocialAccountsConnected }
            : {}),
          hidePoweredBy: body.hidePoweredBy === true,
          hideGoBackButton: body.hideGoBackButton === true,
          hideUserLogo: body.hideUserLogo === true,
          hideUserName: body.hideUserName === true,
          hideLanguageSwitcher: body.hideLanguageSwitcher === true,
          showModalOnConnectSuccess: body.showModalOnConnectSuccess === true,
          connect,
        };
        const created = await createPortalLink(
          runtime,
          team,
          settings,
          body.expiresIn ?? DEFAULT_EXPIRES_IN_MINUTES,
        );
        return { url: created.url };
      },
    );
  };
}
