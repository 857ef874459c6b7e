/** The outbound client against a real HTTP server on 127.0.0.1: overrides, retries, timeouts, what it reports. */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  createOutbound,
  OutboundError,
  type OutboundEvent,
  type OutboundOptions,
} from '../../src/outbound/client.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
let handler: Handler;
let seen: Seen[];

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      handler(req, res, seen.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
  handler = (_req, res) => res.end('ok');
});

/** Answers with `statuses` in turn (the last one repeats), with optional headers per answer. */
function answer(...statuses: Array<number | [number, Record<string, string>]>): Handler {
  return (_req, res, hit) => {
    const next = statuses[Math.min(hit, statuses.length) - 1]!;
    const [status, headers] = typeof next === 'number' ? [next, {}] : next;
    res.writeHead(status, headers).end(`answer ${hit}`);
  };
}

/** A client whose waits are recorded instead of slept, and whose reports are collected. */
function client(options: OutboundOptions = {}) {
  const waits: number[] = [];
  const events: OutboundEvent[] = [];
  const outbound = createOutbound({
    sleep: async (ms) => {
      waits.push(ms);
    },
    onRequest: (event) => events.push(event),
    ...options,
  });
  return { outbound, waits, events };
}

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('host overrides', () => {
  test('a platform URL is sent to the overriding server, under its base path, with the query', async () => {
    const { outbound } = client({ overrides: { 'api.x.com': `${base}/sandbox/api.x.com` } });
    const response = await outbound.fetch('https://api.x.com/2/users/me?user.fields=id');
    assert.equal(await response.text(), 'ok');
    assert.equal(seen[0]!.url, '/sandbox/api.x.com/2/users/me?user.fields=id');
  });

  test('rewrite gives the same URL for a browser to open', () => {
    const { outbound } = client({ overrides: { 'x.com': `${base}/sandbox/x.com` } });
    assert.equal(
      outbound.rewrite('https://x.com/i/oauth2/authorize?state=s').href,
      `${base}/sandbox/x.com/i/oauth2/authorize?state=s`,
    );
    assert.equal(outbound.rewrite('https://example.org/a').href, 'https://example.org/a');
  });
});

describe('retries', () => {
  test('a GET that meets 503 is retried and its success returned', async () => {
    handler = answer(503, 503, 200);
    const { outbound, waits, events } = client();
    const response = await outbound.fetch(`${base}/me`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'answer 3');
    assert.equal(seen.length, 3);
    assert.equal(waits.length, 2);
    assert.ok(waits[1]! >= waits[0]! / 2, 'backoff grows (allowing for jitter)');
    assert.deepEqual(
      events.map((e) => [e.attempt, e.status]),
      [
        [1, 503],
        [2, 503],
        [3, 200],
      ],
    );
  });

  test('502 and 504 are retried too', async () => {
    handler = answer(502, 504, 200);
    const { outbound } = client();
    assert.equal((await outbound.fetch(`${base}/me`)).status, 200);
    assert.equal(seen.length, 3);
  });

  test('after the last retry the last response is returned, body readable', async () => {
    handler = answer(503);
    const { outbound, waits } = client({ retries: 3 });
    const response = await outbound.fetch(`${base}/me`);
    assert.equal(response.status, 503);
    assert.equal(await response.text(), 'answer 4');
    assert.equal(seen.length, 4);
    assert.equal(waits.length, 3);
  });

  test('a 500 or 4xx is an answer, not retried', async () => {
    for (const status of [500, 400, 401, 404]) {
      seen = [];
      handler = answer(status, 200);
      const { outbound } = client();
      assert.equal((await outbound.fetch(`${base}/me`)).status, status);
      assert.equal(seen.length, 1, String(status));
    }
  });

  test('a POST is never retried, on 503 or on a network error', async () => {
    handler = answer(503, 200);
    const { outbound, waits } = client();
    const response = await outbound.fetch(`${base}/oauth2/token`, { method: 'POST', body: 'code=abc' });
    assert.equal(response.status, 503);
    assert.equal(seen.length, 1);
    assert.deepEqual(waits, []);

    const refused = client({ retries: 5 });
    const error = await rejection(
      refused.outbound.fetch(`http://127.0.0.1:${await closedPort()}/oauth2/token`, {
        method: 'POST',
        body: 'code=abc',
      }),
    );
    assert.ok(error instanceof OutboundError);
    assert.equal(refused.events.length, 1);
  });

  test('a POST marked idempotent is retried', async () => {
    handler = answer(503, 200);
    const { outbound } = client();
    const response = await outbound.fetch(`${base}/revoke`, {
      method: 'POST',
      body: 'token=t',
      idempotent: true,
    });
    assert.equal(response.status, 200);
    assert.equal(seen.length, 2);
    assert.equal(seen[1]!.body, 'token=t', 'the body is sent again');
  });

  test('a GET marked not idempotent is not retried', async () => {
    handler = answer(503, 200);
    const { outbound } = client();
    assert.equal((await outbound.fetch(`${base}/me`, { idempotent: false })).status, 503);
    assert.equal(seen.length, 1);
  });

  test('retries: 0 sends once', async () => {
    handler = answer(503, 200);
    const { outbound } = client({ retries: 0 });
    assert.equal((await outbound.fetch(`${base}/me`)).status, 503);
    assert.equal(seen.length, 1);
  });

  test('a network error on a GET is retried', async () => {
    handler = (req, res, hit) => {
      if (hit === 1) req.socket.destroy();
      else res.end('ok');
    };
    const { outbound, waits } = client();
    assert.equal(await (await outbound.fetch(`${base}/me`)).text(), 'ok');
    assert.equal(seen.length, 2);
    assert.equal(waits.length, 1);
  });
});

describe('Retry-After', () => {
  test('a 429 with Retry-After in seconds waits that long, then retries', async () => {
    handler = answer([429, { 'retry-after': '2' }], 200);
    const { outbound, waits } = client();
    assert.equal((await outbound.fetch(`${base}/me`)).status, 200);
    assert.deepEqual(waits, [2000]);
  });

  test('a 503 with Retry-After as an HTTP date waits until then', async () => {
    handler = answer([503, { 'retry-after': new Date(Date.now() + 3000).toUTCString() }], 200);
    const { outbound, waits } = client();
    assert.equal((await outbound.fetch(`${base}/me`)).status, 200);
    assert.equal(waits.length, 1);
    assert.ok(waits[0]! > 1000 && waits[0]! <= 3000, String(waits[0]));
  });

  test('a Retry-After beyond the cap returns the 429 to the caller at once', async () => {
    handler = answer([429, { 'retry-after': '3600' }], 200);
    const { outbound, waits } = client();
    const response = await outbound.fetch(`${base}/me`);
    assert.equal(response.status, 429);
    assert.equal(response.headers.get('retry-after'), '3600');
    assert.equal(await response.text(), 'answer 1');
    assert.deepEqual(waits, []);
    assert.equal(seen.length, 1);
  });

  test('a 429 without Retry-After backs off and retries', async () => {
    handler = answer(429, 200);
    const { outbound, waits } = client();
    assert.equal((await outbound.fetch(`${base}/me`)).status, 200);
    assert.equal(waits.length, 1);
  });
});

describe('failures without an answer', () => {
  test('a server that does not answer in time gives kind "timeout", after retrying a GET', async () => {
    handler = () => {}; // never answers
    const { outbound, events } = client({ timeoutMs: 100, retries: 1 });
    const error = await rejection(outbound.fetch(`${base}/slow?access_token=secret`));
    assert.ok(error instanceof OutboundError);
    assert.equal(error.kind, 'timeout');
    assert.equal(error.url, `${base}/slow`);
    assert.ok(error.cause, 'the underlying error is kept');
    assert.equal(seen.length, 2);
    assert.deepEqual(
      events.map((e) => e.error),
      ['timeout', 'timeout'],
    );
  });

  test('the per-call timeout overrides the client default', async () => {
    handler = () => {};
    const { outbound } = client({ timeoutMs: 60_000, retries: 0 });
    const started = Date.now();
    const error = await rejection(outbound.fetch(`${base}/slow`, { timeoutMs: 50 }));
    assert.ok(error instanceof OutboundError && error.kind === 'timeout');
    assert.ok(Date.now() - started < 5000);
  });

  test('a refused connection gives kind "network" with the cause kept', async () => {
    const { outbound, events, waits } = client();
    const url = `http://127.0.0.1:${await closedPort()}/me`;
    const error = await rejection(outbound.fetch(`${url}?code=secret`));
    assert.ok(error instanceof OutboundError);
    assert.equal(error.kind, 'network');
    assert.equal(error.url, url);
    assert.ok(error.cause instanceof Error);
    assert.equal(events.length, 3, 'a GET is tried 1 + 2 times');
    assert.equal(waits.length, 2);
  });

  test("the caller's own abort is passed through, not retried and not an OutboundError", async () => {
    handler = () => {};
    const { outbound, events } = client({ timeoutMs: 60_000 });
    const controller = new AbortController();
    const pending = rejection(outbound.fetch(`${base}/slow`, { signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('user went away')), 20);
    const error = await pending;
    assert.ok(!(error instanceof OutboundError));
    assert.equal((error as Error).message, 'user went away');
    assert.equal(events.length, 1);
    assert.equal(events[0]!.error, 'aborted');
  });
});

describe('a stopping process', () => {
  const arrived = async (count: number) => {
    while (seen.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
  };

  test('abortAll ends a call to a server that never answers at once, as kind "shutdown", without a retry', async () => {
    handler = () => {}; // never answers
    const { outbound, events } = client({ timeoutMs: 60_000, retries: 2 });
    const pending = rejection(outbound.fetch(`${base}/hangs`));
    await arrived(1);
    outbound.abortAll();
    const error = await pending;
    assert.ok(error instanceof OutboundError);
    assert.equal(error.kind, 'shutdown');
    assert.deepEqual(
      events.map((e) => e.error),
      ['shutdown'],
    );
    assert.equal(seen.length, 1, 'a GET is not retried after abortAll');
  });

  test('abortAll cuts the wait before a retry short', async () => {
    handler = answer(503);
    const waits: number[] = [];
    const outbound = createOutbound({
      retries: 2,
      // a wait that would outlast the test unless abortAll ends it
      sleep: (ms) => {
        waits.push(ms);
        return new Promise(() => {});
      },
    });
    const pending = rejection(outbound.fetch(`${base}/busy`));
    while (waits.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    outbound.abortAll();
    const error = await pending;
    assert.ok(error instanceof OutboundError && error.kind === 'shutdown');
    assert.equal(seen.length, 1);
  });

  test('after abortAll a new call fails at once without being sent', async () => {
    const { outbound } = client();
    outbound.abortAll();
    const error = await rejection(outbound.fetch(`${base}/late`));
    assert.ok(error instanceof OutboundError && error.kind === 'shutdown');
    assert.equal(seen.length, 0);
  });
});

describe('what is sent and what is reported', () => {
  test('the configured user-agent is sent; a request may set its own', async () => {
    const { outbound } = client({ userAgent: 'Portico/test' });
    await outbound.fetch(`${base}/a`);
    await outbound.fetch(`${base}/b`, { headers: { 'User-Agent': 'web:portico:1.0 (by /u/someone)' } });
    assert.equal(seen[0]!.headers['user-agent'], 'Portico/test');
    assert.equal(seen[1]!.headers['user-agent'], 'web:portico:1.0 (by /u/someone)');
  });

  test('redirects are returned, not followed past the overrides', async () => {
    handler = (_req, res) => res.writeHead(302, { location: 'https://api.x.com/elsewhere' }).end();
    const { outbound } = client();
    const response = await outbound.fetch(`${base}/moved`);
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), 'https://api.x.com/elsewhere');
    assert.equal(seen.length, 1);
  });

  test('onRequest and errors never carry the query string, Authorization header or body', async () => {
    handler = answer(503, 200);
    const { outbound, events } = client({ overrides: { 'api.x.com': base } });
    await outbound.fetch('https://api.x.com/2/users/me?access_token=QUERY-SECRET#frag', {
      headers: { authorization: 'Bearer HEADER-SECRET' },
    });
    await outbound.fetch('https://api.x.com/2/oauth2/token?code=QUERY-SECRET', {
      method: 'POST',
      body: 'code=BODY-SECRET',
    });
    const refused = await rejection(
      client().outbound.fetch(`http://127.0.0.1:${await closedPort()}/t?token=QUERY-SECRET`, {
        method: 'POST',
        headers: { authorization: 'Bearer HEADER-SECRET' },
        body: 'BODY-SECRET',
      }),
    );
    assert.equal(seen[0]!.headers.authorization, 'Bearer HEADER-SECRET', 'the header was sent');
    assert.deepEqual(
      events.map((e) => [e.method, e.url, e.status, e.attempt]),
      [
        ['GET', `${base}/2/users/me`, 503, 1],
        ['GET', `${base}/2/users/me`, 200, 2],
        ['POST', `${base}/2/oauth2/token`, 200, 1],
      ],
    );
    for (const e of events) assert.equal(typeof e.durationMs, 'number');
    const reported = JSON.stringify(events) + String(refused) + JSON.stringify(refused);
    for (const secret of ['QUERY-SECRET', 'HEADER-SECRET', 'BODY-SECRET', '?', '#frag']) {
      assert.ok(!reported.includes(secret), `reported text contains ${secret}`);
    }
  });
});
