/** The plain page a user sees after connecting when the app gave no return URL. No scripts. */
import { connectErrors } from '../errors/catalog.ts';
import type { ConnectOutcome } from './complete.ts';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

export function outcomePage(outcome: ConnectOutcome): { status: number; html: string } {
  const platform = outcome.platform?.name ?? 'the platform';
  let title: string;
  let body: string;
  if (outcome.ok) {
    const n = outcome.accounts.length;
    title = `${platform} connected`;
    body = `<p>${n} ${n === 1 ? 'account is' : 'accounts are'} now connected:</p><ul>${outcome.accounts
      .map((a) => `<li>${escapeHtml(a.display_name || a.username || a.platform_account_id)}</li>`)
      .join('')}</ul><p>You can close this window.</p>`;
  } else {
    title = `${platform} was not connected`;
    body = `<p>${escapeHtml(connectErrors[outcome.code])}</p><p class="code">Error code: <code>${escapeHtml(outcome.code)}</code></p>`;
  }
  const status = outcome.ok
    ? 200
    : outcome.code === 'invalid_state'
      ? 400
      : outcome.code === 'session_used'
        ? 409
        : 200;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem}.code{color:#57606a;font-size:.9rem}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
  return { status, html };
}
