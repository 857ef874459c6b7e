/**
 * The hosted connect portal, `/portal/{token}`: the page a `create-portal-link` URL opens, and its forms.
 * Public (the token is the credential), rate limited per IP with the other public routes. Every answer is
 * an HTML page or a redirect, never JSON and never a 500 page of the API's kind.
 *
 * A connect leaves through `startConnect` (the hosted activation policy) with the portal's own return
 * route as its return URL, so the user comes back here with the hosted flags (`return-location.ts`) and
 * the portal decides: the channel picker, the success dialog, or straight back to the app's redirectUrl
 * with the same flags.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { selectTarget } from '../../accounts/channels.ts';
import { disconnectAccount } from '../../accounts/disconnect.ts';
import { findSocialAccount } from '../../accounts/social-account.ts';
import { availableTargets } from '../../accounts/targets.ts';
import { startConnect } from '../../connect/start.ts';
import { hostedFlags, hostedSuccessFlag } from '../../platforms/hosted.ts';
import { findPlatform } from '../../platforms/registry.ts';
import type { PlatformModule } from '../../platforms/types.ts';
import { fetchAvatar, monogram } from '../../portal/avatars.ts';
import { platformIcon } from '../../portal/icons.ts';
import {
  fromAcceptLanguage,
  isLanguage,
  type Language,
  type Translate,
  translator,
} from '../../portal/i18n.ts';
import {
  csrfToken,
  type FoundLink,
  findPortalLink,
  type PortalSettings,
  validCsrfToken,
} from '../../portal/links.ts';
import {
  type PageModel,
  type PlatformRow,
  renderGone,
  renderPortal,
  SCRIPT_HASH,
  STYLE_HASH,
} from '../../portal/page.ts';
import type { Runtime } from '../../runtime.ts';
import type { Account, PortalLink, Team } from '../../storage/schema.ts';
import { optionsOf, signInAgainOf } from './hosted/social-account.ts';

type Active = Extract<FoundLink, { status: 'active' }>;
type Usable = Active | Extract<FoundLink, { status: 'expired' }>;

/** The page's CSP: its own style and script by hash, the app's two images, frames only where the team says. */
function portalCsp(settings: PortalSettings | undefined, team: Team | undefined): string {
  const images = [settings?.logoUrl, settings?.userLogoUrl]
    .filter((url): url is string => Boolean(url))
    .map(imageSource);
  const ancestors = team?.portal_frame_ancestors?.length ? team.portal_frame_ancestors.join(' ') : "'none'";
  return [
    "default-src 'none'",
    `style-src ${STYLE_HASH}`,
    `script-src ${SCRIPT_HASH}`,
    `img-src 'self'${images.length ? ` ${[...new Set(images)].join(' ')}` : ''}`,
    `frame-ancestors ${ancestors}`,
    "base-uri 'none'",
    // Forms post to Portico only (the markup says so), but Chromium checks where a form's answer redirects
    // too: a platform's authorization page (`https:`) and the app's redirectUrl (http on a developer's
    // machine).
    `form-action 'self' https:${settings && !settings.redirectUrl.startsWith('https:') ? ` ${new URL(settings.redirectUrl).origin}` : ''}`,
  ].join('; ');
}

/** An image URL as a CSP source allowing that one file: no query (CSP ignores it), `;` and `,` encoded. */
function imageSource(value: string): string {
  const url = new URL(value);
  return `${url.origin}${url.pathname.replaceAll(';', '%3B').replaceAll(',', '%2C')}`;
}

function send(reply: FastifyReply, status: number, html: string, found?: Usable) {
  return (
    reply
      .code(status)
      .header('content-security-policy', portalCsp(found?.settings, found?.team))
      .header('x-content-type-options', 'nosniff')
      // The token is in the page's URL: no other site may see it as a referrer. Same-origin (not no-referrer)
      // because under no-referrer the browser sends `Origin: null` with the page's own form posts.
      .header('referrer-policy', 'same-origin')
      .header('cache-control', 'no-store')
      .header('x-robots-tag', 'noindex')
      .type('text/html; charset=utf-8')
      .send(html)
  );
}

/** The language: the switcher's choice (`lang`), else the link's, else the browser's, else English. */
function languageOf(request: FastifyRequest, chosen: unknown, settings?: PortalSettings): Language {
  if (isLanguage(chosen)) return chosen;
  if (settings?.language) return settings.language;
  return fromAcceptLanguage(request.headers['accept-language']) ?? 'en';
}

/** The app's redirectUrl with one flag set, its own query kept. */
function withFlag(redirectUrl: string, param: 'success' | 'error', flag: string): string {
  const url = new URL(redirectUrl);
  url.searchParams.set(param, flag);
  return url.href;
}

function goBackOf(settings: PortalSettings, t: Translate) {
  return settings.hideGoBackButton
    ? undefined
    : { url: settings.redirectUrl, text: settings.goBackButtonText ?? t('page.goBack') };
}

/** The link's platforms, by the hosted type the page's forms send. */
function platformOfLink(settings: PortalSettings, type: unknown): PlatformModule | undefined {
  if (typeof type !== 'string') return undefined;
  return settings.platforms
    .map((id) => findPlatform(id))
    .find((module): module is PlatformModule => module?.hosted.type === type.toUpperCase());
}

const asksServer = (module: PlatformModule, settings: PortalSettings) =>
  'serverUrl' in (module.hosted.options ?? {}) && settings.connect.serverUrl === undefined;

async function teamAccountCount(runtime: Runtime, teamId: string): Promise<number> {
  const row = await runtime.db
    .selectFrom('accounts')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('team_id', '=', teamId)
    .where('activation', '=', 'single')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

type Query = Record<string, string | undefined>;

/** What a form's handler gets once the link and the post have been checked (`formPost`). */
interface FormContext {
  request: FastifyRequest;
  reply: FastifyReply;
  token: string;
  body: Query;
  found: Usable;
  language: Language;
}
type FormHandler = (form: FormContext) => Promise<FastifyReply>;

/**
 * A query or form as the page reads it: strings only. A field sent twice arrives as an array and an odd
 * JSON body as anything; the first string is kept, anything else dropped, so no handler meets a non-string.
 */
function formOf(input: unknown): Query {
  if (!input || typeof input !== 'object') return {};
  const out: Query = {};
  for (const [key, value] of Object.entries(input)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') out[key] = first;
  }
  return out;
}

export function portalRoutes(runtime: Runtime): FastifyPluginAsync {
  const base = (token: string) => `/portal/${token}`;

  /** The link, or the answer for a link the request cannot use (404 unknown, 410 expired). */
  async function linkOr(
    request: FastifyRequest,
    reply: FastifyReply,
    token: string,
    chosen: unknown,
    allowReturning = false,
  ): Promise<Usable | undefined> {
    const found = await findPortalLink(runtime, token);
    if (found.status === 'active') return found;
    if (found.status === 'expired' && allowReturning && found.returning) return found;
    const settings = found.status === 'expired' ? found.settings : undefined;
    const language = languageOf(request, chosen, settings);
    const t = translator(language);
    const html = renderGone({
      language,
      t,
      expired: found.status === 'expired',
      goBack: settings ? goBackOf(settings, t) : undefined,
      poweredBy: !settings?.hidePoweredBy,
    });
    await send(
      reply,
      found.status === 'expired' ? 410 : 404,
      html,
      found.status === 'expired' ? found : undefined,
    );
    return undefined;
  }

  /** A form post: from this page (Origin, when the browser sends one, is Portico's) with its token. */
  function formAllowed(request: FastifyRequest, link: PortalLink, settings: PortalSettings, body: Query) {
    const origin = request.headers.origin;
    if (origin && origin !== new URL(runtime.config.publicUrl).origin) return false;
    return validCsrfToken(link, settings, body.csrf);
  }

  function pageUrl(token: string, language: Language, params: Record<string, string> = {}) {
    return `${base(token)}?${new URLSearchParams({ lang: language, ...params })}`;
  }

  async function renderPage(
    request: FastifyRequest,
    reply: FastifyReply,
    token: string,
    found: Usable,
    query: Query,
  ) {
    const { settings, team, link } = found;
    const language = languageOf(request, query.lang, settings);
    const t = translator(language);
    const modules = settings.platforms
      .map((id) => findPlatform(id))
      .filter((m): m is PlatformModule => m !== undefined);
    // One query for the team's hosted accounts: the rows, the count and the limit all come from it.
    const teamAccounts = await runtime.db
      .selectFrom('accounts')
      .selectAll()
      .where('team_id', '=', team.id)
      .where('activation', '=', 'single')
      .orderBy('updated_at', 'desc')
      .execute();
    const accounts = new Map<string, Account>();
    // The latest per platform, as `findSocialAccount` picks it (a platform with instances may have several).
    for (const account of teamAccounts)
      if (!accounts.has(account.platform)) accounts.set(account.platform, account);
    const rows: PlatformRow[] = modules.map((module) => {
      const account = accounts.get(module.id);
      return {
        type: module.hosted.type,
        name: module.name,
        icon: platformIcon(module.id),
        state: !account
          ? 'none'
          : account.status === 'needs_reauth'
            ? 'needs_reauth'
            : module.targets.userPicks && account.external_id === null
              ? 'needs_choice'
              : 'connected',
        ...(account
          ? {
              accountName: account.display_name || account.username || '',
              accountAvatar: `${base(token)}/avatar/${module.hosted.type}`,
            }
          : {}),
        ...(account?.instance ? { server: account.instance } : {}),
        asksServer: asksServer(module, settings),
      };
    });
    const count = teamAccounts.length;
    const max = settings.maxSocialAccountsConnected;
    const model: PageModel = {
      language,
      t,
      base: base(token),
      csrf: csrfToken(link, settings),
      logoUrl: settings.logoUrl,
      userLogoUrl: settings.hideUserLogo ? undefined : settings.userLogoUrl,
      userName: settings.hideUserName ? undefined : settings.userName,
      goBack: goBackOf(settings, t),
      languageSwitcher: !settings.hideLanguageSwitcher,
      poweredBy: !settings.hidePoweredBy,
      platforms: rows,
      connectedCount: count,
      limit: max !== undefined && count >= max ? max : undefined,
    };
    const notice = noticeOf(query, settings, t);
    if (notice) model.notice = notice;

    const asked = platformOfLink(settings, query.ask);
    const chosen = platformOfLink(settings, query.choose);
    const done = platformOfLink(settings, query.connected);
    const leaving = platformOfLink(settings, query.disconnect);
    if (asked && asksServer(asked, settings) && model.limit === undefined) {
      model.notice = undefined;
      model.panel = {
        kind: 'server',
        type: asked.hosted.type,
        platformName: asked.name,
        value: (query.server ?? '').slice(0, 300),
        invalid: query.notice === 'serverInvalid',
      };
    } else if (chosen && accounts.get(chosen.id) && chosen.targets.userPicks) {
      const account = accounts.get(chosen.id)!;
      const targets = await availableTargets(runtime.db, account.grant_id);
      model.panel = {
        kind: 'picker',
        type: chosen.hosted.type,
        platformName: chosen.name,
        targets: targets.map((target) => ({
          id: target.external_id,
          name: target.display_name,
          username: target.username,
          kind: target.target_type,
          selected: target.external_id === account.external_id,
          avatar: `${base(token)}/avatar/${chosen.hosted.type}?${new URLSearchParams({ c: target.external_id })}`,
        })),
      };
    } else if (leaving && accounts.get(leaving.id)) {
      const account = accounts.get(leaving.id)!;
      model.panel = {
        kind: 'disconnect',
        type: leaving.hosted.type,
        platformName: leaving.name,
        accountName: account.display_name || account.username || leaving.name,
      };
    } else if (done && accounts.get(done.id)) {
      const account = accounts.get(done.id)!;
      model.success = {
        platformName: done.name,
        accountName: account.display_name || account.username || done.name,
        goBackUrl: withFlag(settings.redirectUrl, 'success', hostedSuccessFlag(done)),
      };
    }
    return send(reply, 200, renderPortal(model), found);
  }

  function noticeOf(query: Query, settings: PortalSettings, t: Translate): PageModel['notice'] {
    const module = platformOfLink(settings, query.type);
    const platform = module?.name ?? '';
    switch (query.notice) {
      case 'disconnected':
        return module ? { kind: 'info', text: t('notice.disconnected', { platform }) } : undefined;
      case 'staleForm':
        return { kind: 'error', text: t('notice.staleForm') };
      case 'unavailable':
        return module ? { kind: 'error', text: t('notice.unavailable', { platform }) } : undefined;
      case 'limitReached':
        return { kind: 'error', text: t('notice.limitReached') };
      default:
        return undefined;
    }
  }

  /**
   * Where a successful connect or selection leads: the success dialog when the link asks for it, else
   * straight back to the app with the success flag.
   */
  function afterSuccess(token: string, settings: PortalSettings, module: PlatformModule, language: Language) {
    return settings.showModalOnConnectSuccess
      ? pageUrl(token, language, { connected: module.hosted.type })
      : withFlag(settings.redirectUrl, 'success', hostedSuccessFlag(module));
  }

  return async (app) => {
    /**
     * A form of the page: the link must be usable (`returning`: or within a returning connect's grace) and
     * the post from this page with its CSRF token; a stale form goes back to the page with a notice.
     */
    function formPost(path: string, ...args: [FormHandler] | [{ returning: boolean }, FormHandler]) {
      const [options, handler] = args.length === 1 ? [{ returning: false }, args[0]] : args;
      app.post<{ Params: { token: string }; Body: Query }>(
        path,
        { schema: { hide: true } },
        async (request, reply) => {
          const { token } = request.params;
          const body = formOf(request.body);
          const found = await linkOr(request, reply, token, body.lang, options.returning);
          if (!found) return reply;
          const language = languageOf(request, body.lang, found.settings);
          if (!formAllowed(request, found.link, found.settings, body)) {
            return reply.redirect(pageUrl(token, language, { notice: 'staleForm' }), 303);
          }
          return handler({ request, reply, token, body, found, language });
        },
      );
    }

    app.get<{ Params: { token: string }; Querystring: Query }>(
      '/portal/:token',
      { schema: { hide: true } },
      async (request, reply) => {
        const { token } = request.params;
        // A connect started before expiry may still show its picker or its success dialog (the grace).
        const query = formOf(request.query);
        const returning = Boolean(query.choose || query.connected);
        const found = await linkOr(request, reply, token, query.lang, returning);
        if (!found) return reply;
        return renderPage(request, reply, token, found, query);
      },
    );

    formPost('/portal/:token/connect', async ({ request, reply, token, body, found, language }) => {
      const { settings, team } = found;
      const module = platformOfLink(settings, body.type);
      if (!module) return reply.redirect(pageUrl(token, language), 303);
      const existing = await findSocialAccount(runtime.db, team.id, module);
      const max = settings.maxSocialAccountsConnected;
      // Reconnecting keeps the count; a new platform needs room under the link's limit.
      if (!existing && max !== undefined && (await teamAccountCount(runtime, team.id)) >= max) {
        return reply.redirect(pageUrl(token, language, { notice: 'limitReached' }), 303);
      }
      const fields: Record<string, unknown> = { ...settings.connect };
      const typedServer = typeof body.serverUrl === 'string' ? body.serverUrl.trim().slice(0, 300) : '';
      if (asksServer(module, settings) && typedServer === '') {
        return reply.redirect(pageUrl(token, language, { ask: module.hosted.type }), 303);
      }
      if (asksServer(module, settings)) fields.serverUrl = typedServer;
      const started = await startConnect(runtime, {
        team,
        platform: module.id,
        surface: 'portal',
        returnUrl: `${runtime.config.publicUrl}${base(token)}/return?${new URLSearchParams({ lang: language })}`,
        returnsToPortico: true,
        options: optionsOf(module, fields),
        signInAgain: signInAgainOf(module, fields),
      });
      if (!started.ok) {
        request.log.info(
          { portal: { platform: module.id, team_id: team.id, error_code: started.failure.code } },
          'portal connect could not start',
        );
        if (asksServer(module, settings)) {
          return reply.redirect(
            pageUrl(token, language, {
              ask: module.hosted.type,
              server: typedServer,
              notice: 'serverInvalid',
            }),
            303,
          );
        }
        return reply.redirect(
          pageUrl(token, language, { notice: 'unavailable', type: module.hosted.type }),
          303,
        );
      }
      return reply.redirect(started.value.connectUrl, 303);
    });

    // The connect's return URL: `?success=<flag>` or `?error=<flag>` (return-location.ts), and the language.
    app.get<{ Params: { token: string }; Querystring: Query }>(
      '/portal/:token/return',
      { schema: { hide: true } },
      async (request, reply) => {
        const { token } = request.params;
        const query = formOf(request.query);
        const found = await linkOr(request, reply, token, query.lang, true);
        if (!found) return reply;
        const { settings, team } = found;
        const language = languageOf(request, query.lang, settings);
        const modules = settings.platforms
          .map((id) => findPlatform(id))
          .filter((m): m is PlatformModule => m !== undefined);
        if (query.error) {
          const owner = modules.find((m) =>
            hostedFlags(m).some((f) => f.param === 'error' && f.flag === query.error),
          );
          if (owner) return reply.redirect(withFlag(settings.redirectUrl, 'error', query.error), 303);
        }
        const module = modules.find((m) => hostedSuccessFlag(m) === query.success);
        const account = module && (await findSocialAccount(runtime.db, team.id, module));
        if (!module || !account) return reply.redirect(pageUrl(token, language), 303);
        if (module.targets.userPicks && account.account.external_id === null) {
          return reply.redirect(pageUrl(token, language, { choose: module.hosted.type }), 303);
        }
        return reply.redirect(afterSuccess(token, settings, module, language), 303);
      },
    );

    // The channel picker's form: the hosted API's set-channel.
    formPost(
      '/portal/:token/select',
      { returning: true },
      async ({ reply, token, body, found, language }) => {
        const { settings, team } = found;
        const module = platformOfLink(settings, body.type);
        const account = module && (await findSocialAccount(runtime.db, team.id, module));
        if (!module || !account || typeof body.channelId !== 'string') {
          return reply.redirect(pageUrl(token, language), 303);
        }
        const selected = await selectTarget(runtime, account.account, body.channelId.slice(0, 200));
        if (!selected.ok) {
          return reply.redirect(
            pageUrl(token, language, {
              choose: module.hosted.type,
              notice: 'unavailable',
              type: module.hosted.type,
            }),
            303,
          );
        }
        return reply.redirect(afterSuccess(token, settings, module, language), 303);
      },
    );

    // A form's address opened as a page (a bookmark, a reload after the answer): the page itself.
    app.get<{ Params: { token: string; action: string }; Querystring: Query }>(
      '/portal/:token/:action',
      { schema: { hide: true } },
      async (request, reply) => {
        const { lang } = formOf(request.query);
        const query = isLanguage(lang) ? `?lang=${lang}` : '';
        return reply.redirect(`/portal/${encodeURIComponent(request.params.token)}${query}`, 303);
      },
    );

    // An account's or a channel's picture, from Portico's origin (portal/avatars.ts); a monogram otherwise.
    app.get<{ Params: { token: string; type: string }; Querystring: Query }>(
      '/portal/:token/avatar/:type',
      { schema: { hide: true } },
      async (request, reply) => {
        const found = await findPortalLink(runtime, request.params.token);
        const usable = found.status === 'active' || (found.status === 'expired' && found.returning);
        const module = usable ? platformOfLink(found.settings, request.params.type) : undefined;
        const account =
          usable && module ? await findSocialAccount(runtime.db, found.team.id, module) : undefined;
        if (!account) return reply.code(404).header('cache-control', 'no-store').send();
        let picture = { name: account.account.display_name, url: account.account.avatar_url };
        const { c: channel } = formOf(request.query);
        if (channel !== undefined) {
          const target = (await availableTargets(runtime.db, account.grant.id)).find(
            (t) => t.external_id === channel,
          );
          if (!target) return reply.code(404).header('cache-control', 'no-store').send();
          picture = { name: target.display_name, url: target.avatar_url };
        }
        const avatar = (await fetchAvatar(runtime, picture.url)) ?? monogram(picture.name);
        return reply
          .header('content-type', avatar.type)
          .header('cache-control', 'private, max-age=3600')
          .header('content-security-policy', "default-src 'none'")
          .header('x-content-type-options', 'nosniff')
          .send(avatar.body);
      },
    );

    formPost('/portal/:token/disconnect', async ({ reply, token, body, found, language }) => {
      const { settings, team } = found;
      const module = platformOfLink(settings, body.type);
      const account = module && (await findSocialAccount(runtime.db, team.id, module));
      if (!module || !account) return reply.redirect(pageUrl(token, language), 303);
      await disconnectAccount(runtime, team.id, account.account.id);
      return reply.redirect(
        pageUrl(token, language, { notice: 'disconnected', type: module.hosted.type }),
        303,
      );
    });
  };
}
