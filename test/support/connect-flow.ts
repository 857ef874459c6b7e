/**
 * Drives one headless connect the way an app and its user would: ask Portico for a link, open it, answer
 * the simulator's consent form, and follow the platform's redirect back to Portico's callback.
 */
import assert from 'node:assert/strict';
import { submitConsent } from './consent.ts';
import type { TestPortico } from './portico.ts';

export interface ConnectLink {
  platform: string;
  connect_url: string;
  expires_at: string;
  state_token: string;
}

export async function createConnectLink(
  portico: TestPortico,
  platform: string,
  body: Record<string, unknown> = {},
): Promise<ConnectLink> {
  const res = await portico.api(`/v1/social/connect/${platform}`, { method: 'POST', json: body });
  const json = (await res.json()) as any;
  assert.equal(res.status, 201, JSON.stringify(json));
  return json.data;
}

export interface CallbackResult {
  link: ConnectLink;
  /** The platform's redirect to Portico's callback, with code (or error) and state. */
  callbackUrl: string;
  /** Portico's answer to the callback. */
  response: Response;
  /** Where Portico sent the user next, when it redirected. */
  location: URL | undefined;
}

export async function followCallback(
  callbackUrl: string,
): Promise<{ response: Response; location: URL | undefined }> {
  const response = await fetch(callbackUrl, { redirect: 'manual' });
  const header = response.headers.get('location');
  return { response, location: header ? new URL(header) : undefined };
}

export async function connectThroughSandbox(
  portico: TestPortico,
  platform: string,
  options: {
    body?: Record<string, unknown>;
    user?: string;
    uncheck?: string[];
    decision?: 'approve' | 'deny';
  } = {},
): Promise<CallbackResult> {
  const link = await createConnectLink(portico, platform, options.body);
  const callbackUrl = await submitConsent(link.connect_url, {
    ...(options.user ? { user: options.user } : {}),
    ...(options.uncheck ? { uncheck: options.uncheck } : {}),
    ...(options.decision ? { decision: options.decision } : {}),
  });
  assert.ok(
    callbackUrl.startsWith(`${portico.url}/oauth/callback/`),
    `the platform sends the user back to Portico: ${callbackUrl}`,
  );
  return { link, callbackUrl, ...(await followCallback(callbackUrl)) };
}

/** A connect through the simulator that must succeed: its first account. */
export async function connectAccount(
  portico: TestPortico,
  platform: string,
  options: Parameters<typeof connectThroughSandbox>[2] = {},
): Promise<any> {
  const flow = await connectThroughSandbox(portico, platform, options);
  const polled = await pollConnect(portico, flow.link.state_token);
  assert.equal(polled.status, 'connected', JSON.stringify(polled.error));
  return polled.accounts[0];
}

/** A connect that failed with `code`: the app got `error=code` back and polling says the same. Its error. */
export async function connectFailure(portico: TestPortico, flow: CallbackResult, code: string): Promise<any> {
  assert.equal(flow.location?.searchParams.get('error'), code);
  const polled = await pollConnect(portico, flow.link.state_token);
  assert.equal(polled.status, 'failed');
  assert.equal(polled.error.code, code);
  return polled.error;
}

export async function pollConnect(portico: TestPortico, stateToken: string): Promise<any> {
  const res = await portico.api(`/v1/social/connect/${stateToken}`);
  assert.equal(res.status, 200);
  return ((await res.json()) as any).data;
}
