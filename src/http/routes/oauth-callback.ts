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
        // One line per connect attempt, whatever its outcome: what an operator needs to answer "why did my
        // user's connect fail?". Never the state, the code or a token.
        request.log.info(
          {
            connect: {
              platform: outcome.platform?.id ?? request.params.platform.slice(0, 40),
              team_id: outcome.session?.team_id ?? null,
              session_id: outcome.session?.id ?? null,
              ...(outcome.ok
                ? { outcome: 'connected', accounts: outcome.accounts.length }
                : { outcome: 'failed', error_code: outcome.code }),
            },
          },
          outcome.ok ? 'connect succeeded' : 'connect failed',
        );
        reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
        const location = returnLocation(outcome);
        if (location) return reply.redirect(location, 303);
        const page = outcomePage(outcome);
        return sendPage(reply, failedInside ? 500 : page.status, page.html);
      },
    );
  };
}
