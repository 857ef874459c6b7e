/**
 * The Graph API side of the Facebook simulation: token endpoint dispatch, /me, /me/permissions,
 * /me/accounts (Pages with page tokens, cursor paging), Page nodes and /debug_token.
 * Docs: https://developers.facebook.com/docs/graph-api/reference/user/accounts/
 *       https://developers.facebook.com/docs/graph-api/reference/user/permissions/
 *       https://developers.facebook.com/docs/graph-api/results (cursor paging, paging.next)
 *       https://developers.facebook.com/docs/graph-api/reference/debug_token
 *       https://developers.facebook.com/docs/graph-api/guides/error-handling
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { singleValues } from '../oauth.ts';
import type { Sandbox, TokenCheck } from '../sandbox.ts';
import type { SimTarget } from '../users.ts';
import { GRAPH_VERSION, graphErrorBody, TOKEN_FAILURES } from './meta-graph.ts';

/** Used in paging URLs when the request named no version. */
const DEFAULT_VERSION = 'v22.0';
/** /me/accounts page size: default 25, at most 100. */
const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 100;
/** Fields /me/accounts returns when `fields` is not given. */
const DEFAULT_ACCOUNT_FIELDS = ['access_token', 'category', 'name', 'id', 'tasks'];
/** What a Page admin may do: everything. */
const ADMIN_TASKS = ['ADVERTISE', 'ANALYZE', 'CREATE_CONTENT', 'MESSAGING', 'MODERATE', 'MANAGE'];
const USER_FIELDS = new Set(['id', 'name', 'picture', 'email', 'first_name', 'last_name', 'short_name']);
const PAGE_FIELDS = new Set([
  'id',
  'name',
  'username',
  'picture',
  'access_token',
  'tasks',
  'category',
  'link',
]);
/** Granted permissions whose effect is limited to the Pages the user has (debug_token granular_scopes). */
const PAGE_SCOPED = /^(pages_|read_insights|instagram_)/;

/** Graph errors (meta-graph.ts); code 190 also names the token in `WWW-Authenticate`. */
export function graphError(
  reply: FastifyReply,
  status: number,
  message: string,
  code: number,
  options: { subcode?: number; type?: string } = {},
) {
  if (code === 190)
    reply.header('www-authenticate', `OAuth "Facebook Platform" "invalid_token" "${message}"`);
  return reply.code(status).send(graphErrorBody(message, code, options));
}

type Handler = (sandbox: Sandbox, params: Record<string, string>, reply: FastifyReply) => Promise<unknown>;

interface GraphCall {
  sandbox: Sandbox;
  request: FastifyRequest;
  reply: FastifyReply;
  params: Record<string, string>;
  version: string;
  tokenValue: string;
  auth: Extract<TokenCheck, { ok: true }>;
}

export function registerGraph(
  app: FastifyInstance,
  sandbox: Sandbox,
  tokens: { exchangeCode: Handler; exchangeLongLived: Handler },
): void {
  app.route({
    method: ['GET', 'POST', 'DELETE'],
    url: '/graph.facebook.com/*',
    handler: async (request, reply) => {
      const segments = ((request.params as { '*'?: string })['*'] ?? '').split('/').filter(Boolean);
      const version =
        segments[0] && GRAPH_VERSION.test(segments[0]) ? (segments.shift() as string) : DEFAULT_VERSION;
      const params = {
        ...singleValues(request.query),
        ...(request.method === 'POST' ? singleValues(request.body) : {}),
      };
      const path = segments.join('/');

      if (path === 'oauth/access_token' && request.method !== 'DELETE') {
        if (params.grant_type === 'fb_exchange_token')
          return tokens.exchangeLongLived(sandbox, params, reply);
        if (params.grant_type === undefined || params.grant_type === 'authorization_code') {
          return tokens.exchangeCode(sandbox, params, reply);
        }
        return graphError(reply, 400, `Unsupported grant_type: ${params.grant_type}`, 100);
      }
      if (path === 'debug_token' && request.method === 'GET') return debugToken(sandbox, params, reply);

      // Everything else is read with a user or Page access token: query parameter or Authorization header.
      const tokenValue = params.access_token ?? headerToken(request);
      const auth = sandbox.checkAccessToken('facebook', tokenValue);
      if (!auth.ok) return tokenError(reply, auth.reason);
      const call: GraphCall = {
        sandbox,
        request,
        reply,
        params,
        version,
        tokenValue: tokenValue ?? '',
        auth,
      };

      const [node, edge, extra] = segments;
      if (node === 'me' && edge === undefined && request.method === 'GET') return readNode(call, 'me');
      if (node === 'me' && edge === 'permissions') return permissions(call, extra);
      if (node === 'me' && edge === 'accounts' && extra === undefined && request.method === 'GET')
        return accounts(call);
      if (node && edge === undefined && request.method === 'GET') return readNode(call, node);
      return graphError(reply, 400, `Unknown path components: /${path}`, 2500);
    },
  });
}

/** `Authorization: Bearer <token>` or Graph's older `Authorization: OAuth <token>`. */
function headerToken(request: FastifyRequest): string | undefined {
  const match = /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

function tokenError(reply: FastifyReply, reason: keyof typeof TOKEN_FAILURES) {
  const failure = TOKEN_FAILURES[reason];
  return graphError(reply, 400, failure.message, failure.code, { subcode: failure.subcode });
}

/** Top-level names of a `fields` list; `picture.type(large)` and `picture{url}` count as `picture`. */
export function fieldNames(fields: string | undefined): string[] {
  if (!fields) return [];
  const names: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of fields) {
    if (char === '{' || char === '(') depth++;
    if (char === '}' || char === ')') depth--;
    if (char === ',' && depth === 0) {
      names.push(current);
      current = '';
    } else current += char;
  }
  names.push(current);
  return names.map((f) => /^[a-z_]+/i.exec(f.trim())?.[0] ?? '').filter(Boolean);
}

function granted(call: GraphCall, permission: string): boolean {
  const { grant } = call.auth;
  return (
    call.sandbox.store.permissionsOf('facebook', grant.clientId, grant.userId).get(permission) === 'granted'
  );
}

function picture(url: string) {
  return { data: { height: 50, is_silhouette: false, url, width: 50 } };
}

/** Graph's answer to a field or edge the node type does not have. */
function nonexistingField(reply: FastifyReply, field: string, nodeType: 'User' | 'Page') {
  return graphError(
    reply,
    400,
    `(#100) Tried accessing nonexisting field (${field}) on node type (${nodeType})`,
    100,
  );
}

/** GET /me, /{user-id} or /{page-id}. A Page token's "me" is its Page. */
function readNode(call: GraphCall, id: string) {
  const { auth, reply } = call;
  const pageId = id === 'me' ? auth.token.pageId : id;
  if (pageId === undefined || (id !== 'me' && id === auth.user.id && auth.token.kind === 'user')) {
    const fields = fieldNames(call.params.fields);
    const wanted = fields.length > 0 ? fields : ['id', 'name'];
    const unknown = wanted.find((f) => !USER_FIELDS.has(f));
    if (unknown) return nonexistingField(reply, unknown, 'User');
    const { user } = auth;
    const [first, ...rest] = user.name.split(' ');
    const values: Record<string, unknown> = {
      id: user.id,
      name: user.name,
      picture: picture(user.pictureUrl),
      first_name: first,
      last_name: rest.join(' '),
      short_name: first,
      // Without the email permission the field is silently left out.
      ...(granted(call, 'email') ? { email: user.email } : {}),
    };
    return Object.fromEntries(wanted.filter((f) => f in values).map((f) => [f, values[f]]));
  }
  const page = visiblePage(call, pageId);
  if (!page) {
    return graphError(
      reply,
      400,
      `Unsupported get request. Object with ID '${pageId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      100,
      { subcode: 33, type: 'GraphMethodException' },
    );
  }
  const fields = fieldNames(call.params.fields);
  const unknown = fields.find((f) => !PAGE_FIELDS.has(f));
  if (unknown) return nonexistingField(reply, unknown, 'Page');
  return pageJson(call, page, fields.length > 0 ? fields : ['name', 'id']);
}

/** A Page this token may see: its own Page (Page token) or one the user manages (needs pages_show_list). */
function visiblePage(call: GraphCall, pageId: string): SimTarget | undefined {
  const { auth } = call;
  if (auth.token.kind === 'page' && auth.token.pageId !== pageId) return undefined;
  if (auth.token.kind === 'user' && !granted(call, 'pages_show_list')) return undefined;
  return auth.user.targets.find((t) => t.id === pageId);
}

function pageJson(call: GraphCall, page: SimTarget, fields: string[]) {
  const values: Record<string, unknown> = {
    id: page.id,
    name: page.name,
    category: 'Community',
    link: `https://www.facebook.com/${page.handle ?? page.id}`,
    picture: picture(
      page.pictureUrl ?? `https://sandbox.portico.invalid/avatars/facebook/page-${page.id}.png`,
    ),
    tasks: ADMIN_TASKS,
    ...(page.handle ? { username: page.handle } : {}),
    // Page tokens come only from a user token (Graph answers a Page token without one).
    ...(call.auth.token.kind === 'user' ? { access_token: pageToken(call, page.id) } : {}),
  };
  return Object.fromEntries(fields.filter((f) => f in values).map((f) => [f, values[f]]));
}

/**
 * One Page token per user token and Page. Obtained with a long-lived user token it never expires;
 * otherwise it lives as long as the user token ("Long-lived Page access token" in get-long-lived doc).
 */
function pageToken(call: GraphCall, pageId: string): string {
  const { sandbox, auth } = call;
  const key = auth.token.longLived ? `${auth.grant.id}:${pageId}:long` : `${auth.token.value}:${pageId}`;
  const existing = sandbox.store.derivedTokens.get(key);
  if (existing) return existing;
  const expiresAt = auth.token.longLived ? null : auth.token.expiresAt;
  const token = sandbox.store.addAccessToken(auth.grant, expiresAt, sandbox.now(), { kind: 'page', pageId });
  sandbox.store.derivedTokens.set(key, token.value);
  return token.value;
}

/** GET /me/permissions; DELETE /me/permissions (de-authorize the app) or /me/permissions/{permission}. */
function permissions(call: GraphCall, permission: string | undefined) {
  const { sandbox, auth, reply, request } = call;
  if (auth.token.kind !== 'user') {
    return nonexistingField(reply, 'permissions', 'Page');
  }
  const record = sandbox.store.permissionsOf('facebook', auth.grant.clientId, auth.grant.userId);
  if (request.method === 'GET' && permission === undefined) {
    return { data: [...record].map(([name, status]) => ({ permission: name, status })) };
  }
  if (request.method !== 'DELETE') return graphError(reply, 400, 'Unsupported request method', 100);
  if (permission === undefined) {
    for (const grant of sandbox.store.grantsOf('facebook', auth.grant.clientId, auth.grant.userId)) {
      sandbox.store.revokeGrant(grant.id);
    }
    record.clear();
  } else {
    record.set(permission, 'declined');
  }
  return { success: true };
}

function cursor(pageId: string): string {
  return Buffer.from(pageId).toString('base64url');
}

/** GET /me/accounts: the Pages the user manages, each with a Page token, paged by cursors. */
function accounts(call: GraphCall) {
  const { auth, params, reply } = call;
  if (auth.token.kind !== 'user') {
    return nonexistingField(reply, 'accounts', 'Page');
  }
  // Without pages_show_list the edge lists nothing (?: observed behaviour, not an error).
  const pages = granted(call, 'pages_show_list') ? auth.user.targets : [];
  const fields = fieldNames(params.fields);
  const unknown = fields.find((f) => !PAGE_FIELDS.has(f));
  if (unknown) return nonexistingField(reply, unknown, 'Page');
  const limit = Math.min(Math.max(Number.parseInt(params.limit ?? '', 10) || DEFAULT_LIMIT, 1), MAX_LIMIT);
  let start = 0;
  if (params.after !== undefined || params.before !== undefined) {
    const given = params.after ?? params.before ?? '';
    const index = pages.findIndex((p) => cursor(p.id) === given);
    if (index < 0)
      return graphError(reply, 400, '(#100) The parameter after/before is not a valid cursor', 100);
    start = params.after !== undefined ? index + 1 : Math.max(index - limit, 0);
  }
  const slice = pages.slice(start, start + limit);
  const data = slice.map((p) => pageJson(call, p, fields.length > 0 ? fields : DEFAULT_ACCOUNT_FIELDS));
  if (slice.length === 0) return { data };
  const first = slice[0] as SimTarget;
  const last = slice[slice.length - 1] as SimTarget;
  // paging.next / previous point at the real graph.facebook.com; clients rewrite hosts as for every call.
  const link = (key: 'after' | 'before', value: string) => {
    const query = new URLSearchParams({ access_token: call.tokenValue });
    if (params.fields) query.set('fields', params.fields);
    query.set('limit', String(limit));
    query.set(key, value);
    return `https://graph.facebook.com/${call.version}/me/accounts?${query.toString()}`;
  };
  return {
    data,
    paging: {
      cursors: { before: cursor(first.id), after: cursor(last.id) },
      ...(start > 0 ? { previous: link('before', cursor(first.id)) } : {}),
      ...(start + limit < pages.length ? { next: link('after', cursor(last.id)) } : {}),
    },
  };
}

/** GET /debug_token?input_token=...&access_token={app-id}|{app-secret}. */
function debugToken(sandbox: Sandbox, params: Record<string, string>, reply: FastifyReply) {
  const [appId, appSecret] = (params.access_token ?? '').split('|');
  const client = sandbox.client('facebook', appId);
  if (!client || appSecret !== client.clientSecret) {
    return graphError(reply, 400, 'Invalid OAuth access token - Cannot parse access token', 190);
  }
  if (!params.input_token) return graphError(reply, 400, 'The parameter input_token is required', 100);
  const checked = sandbox.checkAccessToken('facebook', params.input_token);
  if (!checked.ok || checked.grant.clientId !== client.clientId) {
    return {
      data: {
        app_id: client.clientId,
        is_valid: false,
        scopes: [],
        error: {
          code: 190,
          message: `Error validating access token (${checked.ok ? 'other app' : checked.reason}).`,
        },
      },
    };
  }
  const { token, grant, user } = checked;
  const record = sandbox.store.permissionsOf('facebook', grant.clientId, grant.userId);
  const scopes = [...record].filter(([, s]) => s === 'granted').map(([p]) => p);
  const seconds = (ms: number) => Math.floor(ms / 1000);
  const pageIds = user.targets.map((t) => t.id);
  return {
    data: {
      app_id: client.clientId,
      type: token.kind === 'page' ? 'PAGE' : 'USER',
      application: 'Portico sandbox app',
      data_access_expires_at: seconds(sandbox.now()) + 90 * 24 * 3600,
      expires_at: token.expiresAt === null ? 0 : seconds(token.expiresAt),
      is_valid: true,
      issued_at: seconds(token.issuedAt),
      scopes,
      granular_scopes: scopes.map((scope) =>
        PAGE_SCOPED.test(scope) ? { scope, target_ids: pageIds } : { scope },
      ),
      user_id: user.id,
      ...(token.pageId ? { profile_id: token.pageId } : {}),
    },
  };
}
