/**
 * What the connect suites do with a connected account: read its grant row, ask for its credentials, call
 * the platform with its token, and make that token about to expire so the next credentials call refreshes.
 */
import assert from 'node:assert/strict';
import type { TestPortico } from './portico.ts';

/** The grant row behind an account, by platform and subject (and instance, where the platform has them). */
export function grantOf(
  portico: TestPortico,
  account: { platform: string; platform_account_id: string },
  instance?: string,
) {
  let query = portico.runtime.db
    .selectFrom('grants')
    .selectAll()
    .where('platform', '=', account.platform)
    .where('subject', '=', account.platform_account_id);
  if (instance !== undefined) query = query.where('instance', '=', instance);
  return query.executeTakeFirstOrThrow();
}

/** `GET /v1/social/accounts/:id/credentials`, as the app asks for a token. */
export function requestCredentials(portico: TestPortico, accountId: string): Promise<Response> {
  return portico.api(`/v1/social/accounts/${accountId}/credentials`);
}

/** The credentials (`data`) of an account, after checking they came with status 200. */
export async function credentialsOf(portico: TestPortico, accountId: string): Promise<any> {
  const res = await requestCredentials(portico, accountId);
  const body = (await res.json()) as any;
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.data;
}

/** A platform API call (a user-info endpoint) with an account's access token as a Bearer token. */
export function withToken(url: string, accessToken: string): Promise<Response> {
  return fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
}

/** Makes a grant's access token expire in `ms`, so the next credentials call refreshes it. */
export async function nearExpiry(portico: TestPortico, grantId: string, ms = 1000): Promise<void> {
  await portico.runtime.db
    .updateTable('grants')
    .set({ access_expires_at: new Date(Date.now() + ms) })
    .where('id', '=', grantId)
    .execute();
}
