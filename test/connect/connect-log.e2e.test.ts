/** Every connect attempt leaves one info line saying how it ended, and nothing secret. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connectFixture } from '../support/connect-fixture.ts';
import { connectThroughSandbox } from '../support/connect-flow.ts';

describe('connect outcomes in the log', () => {
  const logLines: string[] = [];
  const fx = connectFixture('pglite', { PORTICO_LOG_LEVEL: 'info' }, { logLines });

  /** The connect lines written since `from`. */
  const connectLines = (from: number) =>
    logLines
      .slice(from)
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.connect);

  const secretsOf = (callbackUrl: string) => {
    const query = new URL(callbackUrl).searchParams;
    return [query.get('code'), query.get('state')].filter((s): s is string => Boolean(s));
  };

  test('a connect that succeeds logs platform, team and the number of accounts', async () => {
    const from = logLines.length;
    const flow = await connectThroughSandbox(fx.portico, 'twitter');
    const lines = connectLines(from);
    assert.equal(lines.length, 1);
    assert.equal(lines[0].level, 30);
    assert.equal(lines[0].msg, 'connect succeeded');
    assert.deepEqual(
      { ...lines[0].connect, session_id: typeof lines[0].connect.session_id },
      {
        platform: 'twitter',
        team_id: fx.portico.teamId,
        session_id: 'string',
        outcome: 'connected',
        accounts: 1,
      },
    );
    for (const secret of [...secretsOf(flow.callbackUrl), flow.link.state_token]) {
      assert.ok(!logLines.slice(from).join('').includes(secret), 'no code or state in the log');
    }
  });

  test('a connect the user declines logs its error code at info', async () => {
    const from = logLines.length;
    const flow = await connectThroughSandbox(fx.portico, 'twitter', {
      decision: 'deny',
      body: { return_url: `${fx.app.url}/back` },
    });
    assert.equal(flow.location?.searchParams.get('error'), 'access_denied');
    const lines = connectLines(from);
    assert.equal(lines.length, 1);
    assert.equal(lines[0].level, 30);
    assert.equal(lines[0].msg, 'connect failed');
    assert.deepEqual(
      { ...lines[0].connect, session_id: typeof lines[0].connect.session_id },
      {
        platform: 'twitter',
        team_id: fx.portico.teamId,
        session_id: 'string',
        outcome: 'failed',
        error_code: 'access_denied',
      },
    );
    for (const secret of [...secretsOf(flow.callbackUrl), flow.link.state_token]) {
      assert.ok(!logLines.slice(from).join('').includes(secret));
    }
  });

  test('a callback matching no session logs invalid_state, without the state it carried', async () => {
    const from = logLines.length;
    const res = await fetch(
      `${fx.portico.url}/oauth/callback/twitter?state=cst_made_up_state_value&code=made-up-code`,
    );
    assert.equal(res.status, 400);
    const lines = connectLines(from);
    assert.equal(lines.length, 1);
    assert.deepEqual(lines[0].connect, {
      platform: 'twitter',
      team_id: null,
      session_id: null,
      outcome: 'failed',
      error_code: 'invalid_state',
    });
    const written = logLines.slice(from).join('');
    assert.ok(!written.includes('made_up_state_value') && !written.includes('made-up-code'));
  });
});
