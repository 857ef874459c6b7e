/**
 * `node scripts/hosted-sdk-demo.ts`: issue 11's "done when", against a running Portico in sandbox mode
 * (`npm start`). An app written for the hosted product, using only its SDK (`bundlesocial`) with the base
 * URL changed, connects X, connects Facebook and selects a Page, connects LinkedIn and selects an
 * organization, reads the team with its accounts, and disconnects X. Then it shows that the selected Page
 * and organization are usable accounts on `/v1` (their credentials, by the same ids).
 *
 * The user's part, clicking "Allow" on each platform's consent page, is played by plain HTTP against the
 * sandbox simulator's page (its first user), as a person in a browser would.
 *
 * Environment: `PORTICO_URL` (default http://127.0.0.1:3000) and `PORTICO_API_KEY` (an admin or
 * `social:write` key, e.g. the one `portico` printed on its first start).
 */
import { Bundlesocial } from 'bundlesocial';
import { submitConsent } from '../test/support/consent.ts';

type Type = 'TWITTER' | 'FACEBOOK' | 'LINKEDIN';

export interface DemoResult {
  teamId: string;
  flags: Record<Type, string>;
  pageAccountId: string;
  organizationAccountId: string;
  teamAccountsBeforeDisconnect: string[];
  teamAccountsAfterDisconnect: string[];
  usableOnV1: string[];
}

export async function runDemo(
  base: string,
  apiKey: string,
  log: (line: string) => void = () => {},
): Promise<DemoResult> {
  // The SDK's type asks for every config field; at run time it fills in all but BASE itself.
  const sdk = new Bundlesocial(apiKey, { BASE: base } as ConstructorParameters<typeof Bundlesocial>[1]);
  const { items } = await sdk.team.teamGetList({ limit: 1 });
  const teamId = items[0]?.id;
  if (!teamId) throw new Error('the organization has no team');
  log(`team ${teamId}`);

  const flags = {} as Record<Type, string>;
  async function connect(type: Type) {
    const { url } = await sdk.socialAccount.socialAccountConnect({
      requestBody: { type, teamId: teamId!, redirectUrl: 'https://app.example/connected' },
    });
    // The user allows access on the platform's page; the platform sends them to Portico's callback,
    // which sends them on to redirectUrl with the flags.
    const callback = await submitConsent(url);
    const answer = await fetch(callback, { redirect: 'manual' });
    const back = new URL(answer.headers.get('location') ?? '', base);
    flags[type] = back.search;
    log(`${type}: back at ${back.href}`);
    if (!back.searchParams.get('success')) throw new Error(`connecting ${type} failed: ${back.search}`);
    return sdk.socialAccount.socialAccountGetByType({ type, teamId: teamId! });
  }

  const x = await connect('TWITTER');
  log(`X: @${x.username}, selected at once: ${x.externalId}`);

  const facebook = await connect('FACEBOOK');
  const page = facebook.channels?.[0];
  if (!page) throw new Error('the Facebook user has no Page');
  await sdk.socialAccount.socialAccountSetChannel({
    requestBody: { type: 'FACEBOOK', teamId, channelId: page.id },
  });
  log(`Facebook: selected the Page "${page.name}" of ${facebook.channels?.length} channels`);

  const linkedin = await connect('LINKEDIN');
  const organization = linkedin.channels?.find((c) => c.id.startsWith('urn:li:organization:'));
  if (!organization) throw new Error('the LinkedIn user administers no organization');
  await sdk.socialAccount.socialAccountSetChannel({
    requestBody: { type: 'LINKEDIN', teamId, channelId: organization.id },
  });
  log(`LinkedIn: selected the organization "${organization.name}"`);

  const before = await sdk.team.teamGetTeam({ id: teamId });
  const teamAccountsBeforeDisconnect = before.socialAccounts.map((a) => `${a.type}:${a.externalId}`);
  log(`the team's social accounts: ${teamAccountsBeforeDisconnect.join(', ')}`);

  await sdk.socialAccount.socialAccountDisconnect({ requestBody: { type: 'TWITTER', teamId } });
  const after = await sdk.team.teamGetTeam({ id: teamId });
  const teamAccountsAfterDisconnect = after.socialAccounts.map((a) => `${a.type}:${a.externalId}`);
  log(`after disconnecting X: ${teamAccountsAfterDisconnect.join(', ')}`);

  // The same accounts on the headless API: a token for each selected channel, by the same id.
  const usableOnV1: string[] = [];
  for (const account of [facebook, linkedin]) {
    const res = await fetch(`${base}/v1/social/accounts/${account.id}/credentials?team_id=${teamId}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    if (res.status !== 200) throw new Error(`${account.type} is not usable on /v1: ${res.status}`);
    usableOnV1.push(account.id);
    log(`/v1: ${account.type} account ${account.id} hands out a token`);
  }
  return {
    teamId,
    flags,
    pageAccountId: facebook.id,
    organizationAccountId: linkedin.id,
    teamAccountsBeforeDisconnect,
    teamAccountsAfterDisconnect,
    usableOnV1,
  };
}

if (import.meta.main) {
  const key = process.env.PORTICO_API_KEY;
  if (!key) {
    console.error('Set PORTICO_API_KEY to an API key of the running Portico.');
    process.exit(2);
  }
  await runDemo(process.env.PORTICO_URL ?? 'http://127.0.0.1:3000', key, (line) => console.log(line));
}
