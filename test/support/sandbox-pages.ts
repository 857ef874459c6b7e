/**
 * One page of each kind the simulator serves, per platform: a consent page for a valid authorize request
 * (as each platform's docs describe it) and the error page for an unknown client.
 */
import { SANDBOX_CREDENTIALS } from '../../src/sandbox/index.ts';
import { pkcePair } from '../sandbox/helpers.ts';

export interface SandboxPage {
  name: string;
  url: string;
  status: number;
}

/** `at(host, path)` gives a real platform URL as the simulator serves it. */
export function sandboxPages(at: (host: string, path: string) => string, redirectUri: string): SandboxPage[] {
  const { challenge } = pkcePair();
  const query = (values: Record<string, string>) => new URLSearchParams(values).toString();
  const x = at('x.com', '/i/oauth2/authorize');
  const facebook = at('www.facebook.com', '/v26.0/dialog/oauth');
  const linkedin = at('www.linkedin.com', '/oauth/v2/authorization');
  return [
    {
      name: 'X consent',
      status: 200,
      url: `${x}?${query({
        response_type: 'code',
        client_id: SANDBOX_CREDENTIALS.twitter!.clientId,
        redirect_uri: redirectUri,
        scope: 'tweet.read tweet.write users.read offline.access',
        state: 's',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      })}`,
    },
    {
      name: 'Facebook consent',
      status: 200,
      url: `${facebook}?${query({
        client_id: SANDBOX_CREDENTIALS.facebook!.clientId,
        redirect_uri: redirectUri,
        state: 's',
        scope: 'pages_show_list,pages_manage_posts,pages_read_engagement,business_management',
      })}`,
    },
    {
      name: 'LinkedIn consent',
      status: 200,
      url: `${linkedin}?${query({
        response_type: 'code',
        client_id: SANDBOX_CREDENTIALS.linkedin!.clientId,
        redirect_uri: redirectUri,
        state: 's',
        scope: 'openid profile email w_member_social rw_organization_admin w_organization_social',
      })}`,
    },
    { name: 'X error page', status: 400, url: `${x}?client_id=unknown` },
    { name: 'Facebook error page', status: 400, url: `${facebook}?client_id=unknown` },
    { name: 'LinkedIn error page', status: 400, url: `${linkedin}?client_id=unknown` },
  ];
}
