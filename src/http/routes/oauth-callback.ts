/** `GET /oauth/callback/{platform}`: where every platform sends the user back. Public, rate limited per IP. */
import type { FastifyPluginAsync } from 'fastify';
import { type ConnectOutcome, completeConnect } from '../../connect/complete.ts';
import type { Runtime } from '../../runtime.ts';
import { sendPage } from '../html.ts';
import { outcomePage } from '../outcome-page.ts';
import { returnLocation } from '../return-location.ts';

export function oauthCallbackRoutes(runtime: Runtime): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { platform: string } }>(
      '/oauth/callback/:platform',
      { schema: { hide: true } },
      async (request, reply) => {
        const query = new URLSearchParams(request.url.split('?')[1] ?? '');
        let outcome: ConnectOutcome;
        let failedInside = false;
        try {
          outcome = await completeConnect(runtime, request.params.platform, query);
        } catch (error) {
          // A bug or an outage, not the user's doing: they still get a page, never a JSON stack.
          request.log.error({ err: error }, 'connect callback failed');
          failedInside = true;
          outcome = {
            ok: false,
            session: undefined,
            platform: undefined,
            code: 'platform_error',
            message: '',
          };
        }
        reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
        const location = returnLocation(outcome);
        if (location) return reply.redirect(location, 303);
        const page = outcomePage(outcome);
        return sendPage(reply, failedInside ? 500 : page.status, page.html);
      },
    );
  };
}
