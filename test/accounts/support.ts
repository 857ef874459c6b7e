/** What the account lifecycle suites share: a clock the tests move, and short ways to call the API. */
import assert from 'node:assert/strict';
import type { ConnectFixture } from '../support/connect-fixture.ts';
import { connectThroughSandbox, pollConnect } from '../support/connect-flow.ts';

/** Portico's and the simulator's clock: frozen, moved by the tests, never slept on. */
export function testClock(start = '2026-03-01T12:00:00.000Z') {
  let now = new Date(start);
  return {
    now: () => now,
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  };
}

export const DAY = 86_400_000;

export async function call(
  fx: ConnectFixture,
  path: string,
  init: Parameters<ConnectFixture['portico']['api']>[1] = {},
): Promise<{ status: number; body: any }> {
  const res = await fx.portico.api(path, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Connects through the simulator and returns the accounts the connect made. */
export async function connectAccounts(
  fx: ConnectFixture,
  platform: string,
  user: string,
  body: Record<string, unknown> = {},
): Promise<any[]> {
  const { link } = await connectThroughSandbox(fx.portico, platform, { user, body });
  const polled = await pollConnect(fx.portico, link.state_token);
  assert.equal(polled.status, 'connected', JSON.stringify(polled));
  return polled.accounts;
}

export async function eventsOf(fx: ConnectFixture, accountId: string, type?: string) {
  const rows = await fx.portico.runtime.db
    .selectFrom('events')
    .selectAll()
    .orderBy('id')
    .execute();
  return rows.filter(
    (e) => (e.payload as any).account?.id === accountId && (type === undefined || e.type === type),
  );
}
