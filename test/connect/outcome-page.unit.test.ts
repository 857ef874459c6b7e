import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import type { ConnectOutcome } from '../../src/connect/complete.ts';
import { type ConnectErrorCode, connectErrors } from '../../src/errors/catalog.ts';
import { PAGE_CSP } from '../../src/http/html.ts';
import { outcomePage } from '../../src/http/outcome-page.ts';

const platform = { id: 'twitter', name: 'X' } as NonNullable<ConnectOutcome['platform']>;

function failed(code: ConnectErrorCode): ConnectOutcome {
  return { ok: false, session: undefined, platform, code, message: connectErrors[code] };
}

/** The page's words without markup and without the small print meant for support. */
function spoken(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<p class="small">[\s\S]*?<\/p>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');
}

describe('the page after a connect, without a return URL', () => {
  for (const code of Object.keys(connectErrors) as ConnectErrorCode[]) {
    test(`${code}: says what happened and what to do next, in words for the person`, () => {
      const { html } = outcomePage(failed(code));
      const words = spoken(html);
      assert.match(words, /Your X account was not connected/);
      assert.match(words, /\bapp\b/, 'it points the person back to the app');
      assert.doesNotMatch(
        words,
        /forged|mistyped|instance|timeout|5xx|rate limit|callback|state|session|OAuth|Portico|the user/i,
      );
      assert.ok(!words.includes(connectErrors[code]), 'not the developers’ message');
      assert.match(
        html,
        new RegExp(`<p class="small">[^<]*<code>${code}</code></p>`),
        'the code in small print',
      );
    });
  }

  test('a connected account is named, escaped, with what to do next', () => {
    const outcome = {
      ok: true,
      session: {},
      platform,
      accounts: [{ display_name: '<b>Ada</b>', username: 'ada', platform_account_id: '1' }],
    } as unknown as ConnectOutcome;
    const { status, html } = outcomePage(outcome);
    assert.equal(status, 200);
    assert.match(spoken(html), /Your X account is connected/);
    assert.match(html, /&lt;b&gt;Ada&lt;\/b&gt;/);
    assert.match(spoken(html), /close this window and go back to the app/);
  });

  test('without a known platform the page still reads well', () => {
    const { html } = outcomePage({ ...failed('invalid_state'), platform: undefined } as ConnectOutcome);
    assert.match(spoken(html), /Your account was not connected/);
    assert.doesNotMatch(html, /\{platform\}|undefined/);
  });

  test('its one stylesheet is the one the Content-Security-Policy allows', () => {
    const { html } = outcomePage(failed('access_denied'));
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    const hash = createHash('sha256').update(style).digest('base64');
    assert.ok(PAGE_CSP.includes(`'sha256-${hash}'`));
    assert.doesNotMatch(PAGE_CSP, /unsafe-inline|script-src/);
    assert.doesNotMatch(html, /<script|style="/i);
  });
});
