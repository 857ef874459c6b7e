/**
 * The authorize endpoint every platform shares in shape: GET validates the request and shows the consent
 * page (or an error page, before the redirect_uri is trusted); POST from that page approves or denies and
 * redirects back to the app in the platform's own success or denial shape.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { consentPage, errorPage, sendHtml } from './html.ts';
import { allValues, redirectWith, singleValues } from './oauth.ts';
import type { SandboxPlatform } from './platform.ts';
import type { Sandbox } from './sandbox.ts';
import type { PendingAuthorization } from './store.ts';
import type { SimUser } from './users.ts';

/** How long a consent page stays answerable: long enough for a person clicking through it. */
const PENDING_TTL_MS = 30 * 60 * 1000;

export type AuthorizeRequest = Omit<PendingAuthorization, 'id' | 'expiresAt' | 'platform'>;

export type AuthorizeCheck =
  | { kind: 'ok'; request: AuthorizeRequest }
  /** Shown as an HTML page with status 400: the platform does not redirect to an untrusted redirect_uri. */
  | { kind: 'page'; title: string; message: string }
  /** An error redirect (RFC 6749 §4.1.2.1), once client and redirect_uri are known to be good. */
  | { kind: 'redirect'; location: string };

/** The `redirect` check: `error`, `error_description` and `state` back to the request's redirect_uri. */
export function redirectError(q: Record<string, string>, error: string, description: string): AuthorizeCheck {
  const location = redirectWith(q.redirect_uri as string, {
    error,
    error_description: description,
    state: q.state,
  });
  return { kind: 'redirect', location };
}

export interface AuthorizeFlow {
  platform: SandboxPlatform;
  codeTtlSeconds: number;
  check(query: Record<string, string>, request: FastifyRequest): AuthorizeCheck;
  /** Where approval sends the browser, carrying `code`. */
  approved(pending: PendingAuthorization, code: string): string;
  /** Where "Cancel" sends the browser. */
  denied(pending: PendingAuthorization): string;
  /** Scopes the platform grants whenever they are requested: shown as granted, never as a choice. */
  alwaysGranted?: readonly string[];
  /** Extra lines shown under the permissions (platform consent quirks). */
  notes?(pending: PendingAuthorization): string[];
  /** The scopes actually granted from the ticked ones (default: exactly the ticked ones). */
  decide?(pending: PendingAuthorization, user: SimUser, ticked: string[]): string[];
}

export function registerAuthorize(
  app: FastifyInstance,
  sandbox: Sandbox,
  paths: readonly string[],
  flow: AuthorizeFlow,
): void {
  const name = flow.platform.name;
  const showError = (reply: FastifyReply, title: string, message: string) =>
    sendHtml(reply, 400, errorPage(name, title, message));

  for (const path of paths) {
    app.get(path, async (request, reply) => {
      const checked = flow.check(singleValues(request.query), request);
      if (checked.kind === 'page') return showError(reply, checked.title, checked.message);
      if (checked.kind === 'redirect') return reply.redirect(checked.location, 302);
      const pending = sandbox.store.addPending({
        ...checked.request,
        platform: flow.platform.id,
        expiresAt: sandbox.now() + PENDING_TTL_MS,
      });
      const html = consentPage({
        platformName: name,
        clientId: pending.clientId,
        action: request.url.split('?')[0] ?? request.url,
        pendingId: pending.id,
        users: sandbox.usersOf(flow.platform.id),
        scopes: pending.scopes,
        alwaysGranted: flow.alwaysGranted,
        notes: flow.notes?.(pending),
      });
      return sendHtml(reply, 200, html);
    });

    app.post(path, async (request, reply) => {
      const form = singleValues(request.body);
      const pending = form.pending ? sandbox.store.takePending(form.pending, sandbox.now()) : undefined;
      if (!pending || pending.platform !== flow.platform.id) {
        return showError(
          reply,
          'This request is no longer valid',
          'The authorization request expired or was already answered. Start again from the app.',
        );
      }
      if (form.decision === 'deny') return reply.redirect(flow.denied(pending), 302);
      if (form.decision !== 'approve')
        return showError(reply, 'Bad request', "decision must be 'approve' or 'deny'");
      const user = form.user ? sandbox.user(form.user) : undefined;
      if (!user || user.platform !== flow.platform.id) {
        return showError(reply, 'Unknown user', `There is no simulated ${name} user '${form.user ?? ''}'.`);
      }
      const fixed = (flow.alwaysGranted ?? []).filter((s) => pending.scopes.includes(s));
      const chosen = allValues(request.body, 'scope').filter((s) => pending.scopes.includes(s));
      const ticked = [...new Set([...fixed, ...chosen])];
      const scopes = flow.decide ? flow.decide(pending, user, ticked) : ticked;
      const code = sandbox.store.addCode({
        platform: flow.platform.id,
        clientId: pending.clientId,
        redirectUri: pending.redirectUri,
        userId: user.id,
        scopes,
        codeChallenge: pending.codeChallenge,
        codeChallengeMethod: pending.codeChallengeMethod,
        expiresAt: sandbox.now() + flow.codeTtlSeconds * 1000,
      });
      return reply.redirect(flow.approved(pending, code.value), 302);
    });
  }
}
