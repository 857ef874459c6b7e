/** `GET /`: a small page saying what this is and where to go, for whoever opens Portico's address; its icon. */
import type { FastifyPluginAsync } from 'fastify';
import type { Runtime } from '../../runtime.ts';
import { FAVICON_SVG } from '../brand.ts';
import { DOCS_PREFIX } from '../docs.ts';
import { escapeHtml, page, sendPage } from '../html.ts';

export interface HomeOptions {
  /** Where the sandbox simulator is mounted, in sandbox mode. */
  simulatorPrefix?: string | undefined;
}

export function homePage(runtime: Runtime, options: HomeOptions = {}): string {
  const sandbox =
    runtime.config.mode === 'sandbox' && options.simulatorPrefix
      ? `<h2>Sandbox mode</h2>
<p>Every platform is played by Portico’s built-in simulator: connect links open its consent pages, and
every call to a platform goes to it. Nothing here reaches a real platform, and no real account can connect.
Its simulated users, and failures you can ask it for, are described in <code>docs/sandbox.md</code>; it
lists its users at <a href="${escapeHtml(options.simulatorPrefix)}/_control/users?platform=twitter">${escapeHtml(options.simulatorPrefix)}/_control/users</a>.</p>`
      : '';
  return page(
    'Portico',
    `<p>A self-hosted gateway that connects your users’ social accounts, so your app can publish to them.
This address serves its API (for apps, with an API key) and the pages people see while connecting.</p>
<ul>
<li><a href="${DOCS_PREFIX}">API reference</a>: every endpoint, and a way to try them</li>
<li><a href="/openapi.json">OpenAPI document</a> (<code>/openapi.json</code>)</li>
<li><a href="/healthz">Health</a> and <a href="/readyz">readiness</a></li>
</ul>
${sandbox}
<p class="small">Mode: ${escapeHtml(runtime.config.mode)}. If you came here from a link in an app, go back to the app.</p>`,
  );
}

export function homeRoutes(runtime: Runtime, options: HomeOptions = {}): FastifyPluginAsync {
  return async (app) => {
    const html = homePage(runtime, options);
    app.get('/', { schema: { hide: true } }, async (_request, reply) => sendPage(reply, 200, html));
    app.get('/favicon.svg', { schema: { hide: true } }, async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=86400').type('image/svg+xml').send(FAVICON_SVG),
    );
  };
}
