/**
 * No log level writes a secret. At every level a whole connect runs, then the requests an attacker or a
 * broken client sends (a header too large for the HTTP parser, a header it rejects, a bad escape in the
 * path, a body that is not JSON), each carrying the API key, the state token and the code. No API key,
 * state token, authorization code, access or refresh token or client secret may appear in any line,
 * though every request and every call to the platform is logged at the levels that log them.
 */
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../src/http/logging.ts';
import { SANDBOX_CREDENTIALS } from '../../src/sandbox/index.ts';
import { createConnectLink, followCallback } from '../support/connect-flow.ts';
import { submitConsent } from '../support/consent.ts';
import { startTestPortico, type TestPortico } from '../support/portico.ts';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/** Sends raw bytes (what fetch would refuse to send) and resolves with the status line's code. */
function rawRequest(url: string, text: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(Number(port), hostname, () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk) => {
      answer += String(chunk);
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
  });
}

/**
 * The log text, with every serialized byte array (`{"type":"Buffer","data":[...]}`) decoded next to it: a
 * secret written as bytes is still written.
 */
function readable(lines: string[]): string {
  const decoded: string[] = [];
  const walk = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    if (record.type === 'Buffer' && Array.isArray(record.data)) {
      decoded.push(Buffer.from(record.data as number[]).toString('latin1'));
    }
    for (const child of Object.values(record)) walk(child);
  };
  for (const line of lines) {
    for (const part of line.split('\n').filter((l) => l.trim())) walk(JSON.parse(part));
  }
  return [...lines, ...decoded].join('\n');
}

for (const level of LEVELS) {
  describe(`secrets stay out of the logs at level ${level}`, () => {
    const lines: string[] = [];
    /** What the platform's token endpoint answered Portico: the refresh token is only ever there. */
    const tokenAnswers: string[] = [];
    const realFetch = globalThis.fetch;
    let portico: TestPortico;
    before(async () => {
      // Portico's outbound client calls the global fetch; this one keeps a copy of token responses.
      globalThis.fetch = async (input, init) => {
        const response = await realFetch(input, init);
        if (String(input).endsWith('/2/oauth2/token')) tokenAnswers.push(await response.clone().text());
        return response;
      };
      portico = await startTestPortico('pglite', { PORTICO_LOG_LEVEL: level }, { logLines: lines });
    });
    after(async () => {
      globalThis.fetch = realFetch;
      await portico.close();
    });

    test('a whole connect, a credentials call and malformed requests log no secret', async () => {
      const { api, adminKey: key } = portico;
      const link = await createConnectLink(portico, 'twitter');
      const callbackUrl = await submitConsent(link.connect_url);
      const code = new URL(callbackUrl).searchParams.get('code')!;
      await followCallback(callbackUrl);
      const polled = (await (await api(`/v1/social/connect/${link.state_token}`)).json()) as any;
      const account = polled.data.accounts[0];
      const creds = (await (await api(`/v1/social/accounts/${account.id}/credentials`)).json()) as any;
      const refreshToken = JSON.parse(tokenAnswers[0] ?? '{}').refresh_token as string;
      assert.ok(refreshToken, 'X returned a refresh token');

      // A header larger than Node's 16 KiB limit: the parser's error carries the raw request bytes.
      const oversized = await rawRequest(
        portico.url,
        `GET /v1/social/connect/${link.state_token}?code=${code} HTTP/1.1\r\nHost: localhost\r\n` +
          `Authorization: Bearer ${key}\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`,
      );
      assert.equal(oversized, 431);
      // A header name the parser rejects.
      const rejected = await rawRequest(
        portico.url,
        `GET /oauth/callback/twitter?code=${code}&state=${link.state_token} HTTP/1.1\r\nHost: localhost\r\n` +
          `x-api-key: ${key}\r\nBad Header: ${refreshToken}\r\n\r\n`,
      );
      assert.equal(rejected, 400);
      // A bad percent-escape in the path, on the API and on the callback.
      const badEscape = await api(`/v1/social/connect/${link.state_token}%zz?code=${code}`);
      assert.equal(badEscape.status, 400);
      const badCallback = await fetch(
        `${portico.url}/oauth/callback/twitter%zz?code=${code}&state=${link.state_token}`,
      );
      assert.equal(badCallback.status, 400);
      // A body that is not JSON; V8's parse error quotes the text it could not read.
      const badJson = await api('/v1/social/connect/twitter', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"return_url": "${creds.data.access_token}", "state": "${link.state_token}" ${code}`,
      });
      assert.equal(badJson.status, 400);
      await new Promise((resolve) => setTimeout(resolve, 50));

      const text = readable(lines);
      if (level === 'trace' || level === 'debug' || level === 'info') {
        assert.ok(text.includes('/oauth/callback/twitter'), 'the callback is logged');
      }
      if (level === 'trace' || level === 'debug') {
        assert.ok(text.includes('outbound request'), 'calls to the platform are logged at debug');
      }
      for (const [name, secret] of [
        ['API key', key],
        ['authorization code', code],
        ['state token', link.state_token],
        ['access token', creds.data.access_token],
        ['refresh token', refreshToken],
        ['client secret', SANDBOX_CREDENTIALS.twitter!.clientSecret],
      ] as const) {
        assert.ok(secret.length >= 16, `${name} is long enough to find`);
        assert.ok(!text.includes(secret), `no ${name} in the logs at ${level}`);
      }
      assert.ok(!text.includes('rawPacket'), 'no raw request bytes');
      if (level === 'trace') {
        assert.ok(text.includes('HPE_HEADER_OVERFLOW'), 'a logged error keeps its code');
        assert.ok(!text.includes('"code":"[redacted]"'), 'error codes are not taken for OAuth codes');
      }
    });
  });
}

describe('what an error or a message quotes is redacted', () => {
  const code = 'AUTHCODE1234567890abcdef';
  const state = 'cst_STATE1234567890abcdef';
  const key = `pk_test_${'K'.repeat(40)}`;

  test('a router error quoting a callback URL keeps its code but not the URL secrets', () => {
    const lines: string[] = [];
    const logger = createLogger('trace', { write: (line: string) => lines.push(line) });
    const error = Object.assign(
      new URIError(`'/oauth/callback/twitter%zz?code=${code}&state=${state}' is not a valid url component`),
      { code: 'FST_ERR_BAD_URL', rawPacket: Buffer.from(`GET / HTTP/1.1\r\nx-api-key: ${key}\r\n`) },
    );
    logger.error({ err: error }, 'request errored');
    logger.info(`Route GET:/v1/social/connect/${state}?code=${code}&access_token=${key} not found`);
    const text = readable(lines);
    assert.match(text, /"code":"FST_ERR_BAD_URL"/);
    assert.match(text, /code=\[redacted\]&state=\[redacted\]/);
    for (const secret of [code, state, key, 'rawPacket']) assert.ok(!text.includes(secret), secret);
  });
});
