/**
 * What the webhook suites share: a receiver on 127.0.0.1 that records every delivery (raw body and
 * headers) and can be told how to answer, stopped and started again on the same port; and short ways to
 * make endpoints and wait for deliveries. Waits are bounded polls of what has arrived, never timings.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { after, before } from 'node:test';
import { testClock } from '../accounts/support.ts';
import { type ConnectFixture, connectFixture } from '../support/connect-fixture.ts';
import type { Backend } from '../support/storage.ts';

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  json: any;
}

export type Answer = { status: number; headers?: Record<string, string | undefined>; delayMs?: number };

export interface Receiver {
  url: string;
  received: Received[];
  /** How the next requests are answered (default 204). */
  answer: (request: Received) => Answer;
  /** Stops listening (connections refused) until `start`. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  let port = 0;
  let server: Server | undefined;
  const receiver: Receiver = {
    url: '',
    received,
    answer: () => ({ status: 204 }),
    async start() {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const headers = Object.fromEntries(
            Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
          );
          const hit: Received = {
            path: req.url ?? '/',
            headers,
            body,
            json: body ? JSON.parse(body) : undefined,
          };
          received.push(hit);
          const answer = receiver.answer(hit);
          const reply = () => {
            if (res.destroyed) return;
            res
              .writeHead(answer.status, answer.headers as Record<string, string>)
              .end('answer from the receiver');
          };
          if (answer.delayMs) setTimeout(reply, answer.delayMs).unref();
          else reply();
        });
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
      receiver.url = `http://127.0.0.1:${port}`;
    },
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    close() {
      return receiver.stop();
    },
  };
  await receiver.start();
  return receiver;
}

export async function api(
  fx: ConnectFixture,
  path: string,
  init: Parameters<ConnectFixture['portico']['api']>[1] = {},
) {
  const res = await fx.portico.api(path, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Creates an endpoint and returns it with its secret. */
export async function createEndpoint(fx: ConnectFixture, body: Record<string, unknown>) {
  const created = await api(fx, '/v1/webhooks', { method: 'POST', json: body });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.data as { id: string; secret: string; [key: string]: unknown };
}

/** Waits (bounded) until `check` holds for what the receiver has, and returns that. */
export async function until<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  limitMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`waited ${limitMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Deliveries to `path` of the given event types, in arrival order. */
export function deliveriesTo(receiver: Receiver, path: string, types?: string[]): Received[] {
  return receiver.received.filter((r) => r.path === path && (!types || types.includes(r.json?.type)));
}

/** Verifies a delivery with the Standard Webhooks reference library (throws when it does not verify). */
export function verifyStandard(secret: string, hit: Received): unknown {
  return new Webhook(secret).verify(hit.body, {
    'webhook-id': hit.headers['webhook-id']!,
    'webhook-timestamp': hit.headers['webhook-timestamp']!,
    'webhook-signature': hit.headers['webhook-signature']!,
  });
}

/**
 * The headless product's check, as its docs describe it: `x-smartlyq-signature: t=<unix>,v1=<hex>`, the hex
 * HMAC-SHA256 of `<t>.<body>` with the secret; any `v1` may match.
 */
export function verifyHeadless(secret: string, hit: Received): boolean {
  const parts = (hit.headers['x-smartlyq-signature'] ?? '').split(',').map((p) => p.split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  const expected = createHmac('sha256', secret).update(`${t}.${hit.body}`).digest('hex');
  return t !== undefined && parts.some(([k, v]) => k === 'v1' && v === expected);
}

/**
 * A suite's Portico (webhooks to loopback allowed, a 20 ms poll, the given schedule settings) on a clock the
 * tests move, and a receiver; both started before the suite's tests and stopped after.
 */
export function webhookFixture(backend: Backend, env: Record<string, string>) {
  const clock = testClock();
  const fx = connectFixture(
    backend,
    { PORTICO_WEBHOOKS_ALLOW_PRIVATE: 'true', PORTICO_WEBHOOKS_POLL_MS: '20', ...env },
    { now: clock.now },
  );
  let receiver: Receiver | undefined;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver?.close());
  return {
    clock,
    fx,
    get receiver(): Receiver {
      if (!receiver) throw new Error('the fixture starts before the tests');
      return receiver;
    },
  };
}
