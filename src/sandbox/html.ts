/**
 * The simulator's HTML: a consent page that works without JavaScript (a form a script or a browser test can
 * fill in) and the error page platforms show before they trust a redirect_uri. Everything echoed is escaped.
 */
import type { FastifyReply } from 'fastify';
import type { SimUser } from './users.ts';

export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/**
 * Fits a 390 px phone: the card keeps a margin on every side, the user picker and long client ids wrap
 * inside it instead of widening the page.
 */
const STYLE = `*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1d2330;margin:0;padding:1rem}
main{max-width:32rem;margin:2rem auto;background:#fff;border-radius:8px;padding:1.5rem clamp(1rem,5vw,2rem);box-shadow:0 1px 4px #0002;overflow-wrap:anywhere}
h1{font-size:1.3rem}.badge{display:inline-block;font-size:.75rem;background:#ffe8a3;border-radius:4px;padding:.1rem .4rem}
fieldset{border:1px solid #d0d4dc;border-radius:6px;margin:1rem 0;min-width:0}input+label{margin-left:.3rem}
.row{margin:.35rem 0}select{font-size:1rem;padding:.25rem;max-width:100%}#user{display:block;width:100%;margin-top:.3rem}
.granted .mark{display:inline-block;width:1.1rem;text-align:center;color:#1a7f37;font-weight:700}
.note{color:#5b6372;font-size:.85rem}
button{font-size:1rem;padding:.5rem 1.2rem;margin:.25rem .5rem .25rem 0;border-radius:6px;border:1px solid #8a93a6;cursor:pointer}
#approve{background:#1d6ef2;color:#fff;border-color:#1d6ef2}`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>
${body}
</main></body>
</html>`;
}

/**
 * Consent and error pages are never framed, cached, sniffed as another type or given a referrer (their
 * URLs carry state and client ids), like the real ones.
 */
export function sendHtml(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    )
    .send(html);
}

export interface ConsentPageInput {
  platformName: string;
  clientId: string;
  /** The form posts back here (the authorize path itself). */
  action: string;
  pendingId: string;
  users: SimUser[];
  scopes: string[];
  /** Requested scopes the platform grants whatever the user does: shown as granted, not as a choice. */
  alwaysGranted?: readonly string[];
  notes?: string[];
}

export function consentPage(input: ConsentPageInput): string {
  const users = input.users
    .map((u) => {
      const handle = u.username ? ` (@${u.username})` : '';
      return `<option value="${escapeHtml(u.id)}">${escapeHtml(`${u.name}${handle} — ${u.id}`)}</option>`;
    })
    .join('');
  const fixed = new Set(input.alwaysGranted ?? []);
  const granted = input.scopes
    .filter((scope) => fixed.has(scope))
    .map(
      (scope) =>
        `<div class="row granted"><span class="mark" aria-hidden="true">✓</span> ` +
        `<span class="scope">${escapeHtml(scope)}</span> <span class="note">(always granted)</span></div>`,
    );
  const choices = input.scopes
    .filter((scope) => !fixed.has(scope))
    .map(
      (scope, i) =>
        `<div class="row"><input type="checkbox" id="scope-${i}" name="scope" value="${escapeHtml(scope)}" checked>` +
        `<label for="scope-${i}">${escapeHtml(scope)}</label></div>`,
    );
  const scopes = [...granted, ...choices].join('\n');
  const notes = (input.notes ?? []).map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('\n');
  return layout(
    `${input.platformName} (sandbox): authorize ${input.clientId}`,
    `<p><span class="badge">Portico sandbox</span> Simulated ${escapeHtml(input.platformName)}</p>
<h1>Authorize <span id="client-id">${escapeHtml(input.clientId)}</span> to use your ${escapeHtml(input.platformName)} account?</h1>
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="pending" value="${escapeHtml(input.pendingId)}">
<div class="row"><label for="user">Signed in as</label>
<select id="user" name="user">${users}</select></div>
<fieldset><legend>Permissions requested</legend>
${scopes || '<p class="note">No permissions requested.</p>'}
</fieldset>
${notes}
<button type="submit" id="approve" name="decision" value="approve">Authorize app</button>
<button type="submit" id="deny" name="decision" value="deny">Cancel</button>
</form>`,
  );
}

export function errorPage(platformName: string, title: string, message: string): string {
  return layout(
    `${platformName} (sandbox): ${title}`,
    `<p><span class="badge">Portico sandbox</span> Simulated ${escapeHtml(platformName)}</p>
<h1 id="error-title">${escapeHtml(title)}</h1>
<p id="error-message">${escapeHtml(message)}</p>`,
  );
}
