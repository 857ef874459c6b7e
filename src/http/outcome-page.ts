/**
 * The page a person sees after connecting when the app gave no return URL. It speaks to them: what
 * happened, what to do next, and the code their app's support will ask for, in small print. The catalog's
 * messages (`connectErrors`) stay as they are: they are for developers reading the poll endpoint.
 */
import type { ConnectOutcome } from '../connect/complete.ts';
import type { ConnectErrorCode } from '../errors/catalog.ts';
import { escapeHtml, page } from './html.ts';

interface Wording {
  /** What happened, to the person. `{platform}` is the platform's name. */
  what: string;
  /** What they can do about it. */
  next: string;
}

const TRY_AGAIN = 'Go back to the app and start connecting again.';

/** One entry per connect outcome code: a new code does not compile until it has words for people. */
export const outcomeWording: Record<ConnectErrorCode, Wording> = {
  access_denied: {
    what: 'You chose not to give access on {platform}, so nothing was connected.',
    next: 'If you did not mean to, go back to the app and start connecting again.',
  },
  not_enough_permissions: {
    what: 'Some of the permissions the app asked for were turned off, and it needs all of them to post for you.',
    next: 'Go back to the app and connect again, leaving every permission on.',
  },
  no_targets: {
    what: 'Your {platform} account has nothing the app can post to, such as a Page, an organization or a channel you manage.',
    next: 'Set one up on {platform} or ask to be made an admin of one, then go back to the app and connect again.',
  },
  invalid_state: {
    what: 'This link does not belong to a connection started from the app. It may have been cut short when copied.',
    next: TRY_AGAIN,
  },
  session_used: {
    what: 'This link has been used already, and each link works only once.',
    next: 'Check in the app whether your account is connected; if it is not, start connecting again from there.',
  },
  session_expired: {
    what: 'This link has expired: links work for 15 minutes.',
    next: TRY_AGAIN,
  },
  platform_error: {
    what: 'Something went wrong while connecting your {platform} account.',
    next: 'Go back to the app and try again. If it keeps happening, tell the app’s support the code below.',
  },
  platform_unavailable: {
    what: '{platform} did not respond in time.',
    next: 'Wait a few minutes, then go back to the app and try again.',
  },
  account_mismatch: {
    what: 'You signed in to {platform} with a different account from the one being reconnected, so nothing was changed.',
    next: 'Sign in to {platform} with the right account, then go back to the app and try again.',
  },
};

export function outcomePage(outcome: ConnectOutcome): { status: number; html: string } {
  const platform = outcome.platform?.name;
  const words = (text: string) => escapeHtml(text.replaceAll('{platform}', platform ?? 'the platform'));
  if (outcome.ok) {
    const names = outcome.accounts
      .map((a) => `<li>${escapeHtml(a.display_name || a.username || a.platform_account_id)}</li>`)
      .join('');
    const title = platform ? `Your ${platform} account is connected` : 'Your account is connected';
    const body = `<p>The app can now use ${outcome.accounts.length === 1 ? 'this account' : 'these accounts'}:</p>
<ul>${names}</ul>
<p>You can close this window and go back to the app.</p>`;
    return { status: 200, html: page(title, body) };
  }
  const wording = outcomeWording[outcome.code];
  const title = platform ? `Your ${platform} account was not connected` : 'Your account was not connected';
  const body = `<p>${words(wording.what)}</p>
<p>${words(wording.next)}</p>
<p class="small">Technical details for the app’s support: <code>${escapeHtml(outcome.code)}</code></p>`;
  const status = outcome.code === 'invalid_state' ? 400 : outcome.code === 'session_used' ? 409 : 200;
  return { status, html: page(title, body) };
}
