/**
 * Answers the sandbox simulator's consent page with plain HTTP, the way a person clicking through it would:
 * open the authorize URL (following redirects to it), read the form, pick a user, untick scopes, approve
 * or deny, and hand back the platform's redirect to the app without following it.
 */

export interface ConsentOptions {
  /** Simulated user id to sign in as; the page's default (first) user when not given. */
  user?: string;
  /** Scope checkbox values to untick. */
  uncheck?: string[];
  decision?: 'approve' | 'deny';
}

const MAX_REDIRECTS = 5;

function unescapeHtml(value: string): string {
  return value
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return match?.[1] === undefined ? undefined : unescapeHtml(match[1]);
}

function pageText(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A redirect that carries the platform's answer (code or error) back to the app. */
function isAnswer(location: string): boolean {
  const params = new URL(location).searchParams;
  return params.has('code') || params.has('error');
}

/**
 * GETs `authorizeUrl` (following redirects until the consent page, e.g. from a Portico connect link),
 * submits the form and returns the `Location` of the platform's redirect back to the app's redirect_uri.
 * Throws with the page's text when no such redirect comes.
 */
export async function submitConsent(authorizeUrl: string, opts: ConsentOptions = {}): Promise<string> {
  let url = authorizeUrl;
  let response = await fetch(url, { redirect: 'manual' });
  for (let hops = 0; response.status >= 300 && response.status < 400; hops++) {
    const location = response.headers.get('location');
    if (!location) throw new Error(`${url} answered ${response.status} without a Location`);
    const next = new URL(location, url).toString();
    if (isAnswer(next)) return next;
    if (hops >= MAX_REDIRECTS) throw new Error(`too many redirects from ${authorizeUrl}`);
    url = next;
    response = await fetch(url, { redirect: 'manual' });
  }
  const html = await response.text();
  const form = /<form\b[^>]*>/.exec(html);
  if (response.status !== 200 || !form) {
    throw new Error(`no consent form at ${url} (status ${response.status}): ${pageText(html)}`);
  }

  const body = new URLSearchParams();
  for (const input of html.match(/<input\b[^>]*>/g) ?? []) {
    const name = attribute(input, 'name');
    const value = attribute(input, 'value') ?? '';
    const type = attribute(input, 'type') ?? 'text';
    if (!name) continue;
    if (type === 'checkbox') {
      if (/\schecked\b/.test(input) && !(opts.uncheck ?? []).includes(value)) body.append(name, value);
    } else body.append(name, value);
  }
  const select = /<select\b[^>]*name="user"[^>]*>([\s\S]*?)<\/select>/.exec(html);
  const users = [...(select?.[1] ?? '').matchAll(/<option\b[^>]*value="([^"]*)"/g)].map((m) =>
    unescapeHtml(m[1] ?? ''),
  );
  const user = opts.user ?? users[0];
  if (opts.user && !users.includes(opts.user)) {
    throw new Error(`user '${opts.user}' is not offered on the consent page (offered: ${users.join(', ')})`);
  }
  if (user !== undefined) body.append('user', user);
  body.append('decision', opts.decision ?? 'approve');

  const action = new URL(attribute(form[0], 'action') || url, url);
  const answer = await fetch(action, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const location = answer.headers.get('location');
  if (answer.status < 300 || answer.status >= 400 || !location) {
    throw new Error(
      `the consent form did not redirect (status ${answer.status}): ${pageText(await answer.text())}`,
    );
  }
  return new URL(location, action).toString();
}

export interface SandboxUserInput {
  platform: string;
  id?: string;
  name: string;
  username?: string;
  email?: string;
  scenario?: {
    targets?: 'default' | 'none';
    accessTtlSeconds?: number;
    refreshRotates?: boolean;
    refreshRevoked?: boolean;
    tokenEndpoint?: 'ok' | '500' | '429' | 'hang';
  };
}

/** Adds a simulated user through the control API (`sandboxUrl` includes the /sandbox prefix). */
export async function addSandboxUser(
  sandboxUrl: string,
  user: SandboxUserInput,
): Promise<{ id: string } & Record<string, unknown>> {
  const response = await fetch(`${sandboxUrl}/_control/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(user),
  });
  const json = (await response.json()) as { id: string } & Record<string, unknown>;
  if (response.status !== 201)
    throw new Error(`adding a sandbox user failed (${response.status}): ${JSON.stringify(json)}`);
  return json;
}

/** Changes a simulated user's scenario through the control API, e.g. `{ tokenEndpoint: 'ok' }` after a 500. */
export async function setSandboxScenario(
  sandboxUrl: string,
  userId: string,
  scenario: NonNullable<SandboxUserInput['scenario']>,
): Promise<void> {
  const response = await fetch(`${sandboxUrl}/_control/users/${userId}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ scenario }),
  });
  const json = await response.json();
  if (response.status !== 200)
    throw new Error(`changing a sandbox scenario failed (${response.status}): ${JSON.stringify(json)}`);
}
