/**
 * Encryption contexts for stored tokens: the associated data that binds each ciphertext to its row's
 * natural key, so a token copied to another row fails to decrypt. Single-host platforms keep the contexts
 * they have always had (no re-encryption on upgrade); an instance joins the platform as `platform@instance`.
 */
import type { KeyRing } from '../crypto/keyring.ts';
import type { Grant, TargetRow } from '../storage/schema.ts';

const scoped = (platform: string, instance: string) => (instance ? `${platform}@${instance}` : platform);

export const grantTokenContext = (
  g: Pick<Grant, 'team_id' | 'platform' | 'instance' | 'subject'>,
  kind: 'access' | 'refresh',
) => `grant:${g.team_id}:${scoped(g.platform, g.instance)}:${g.subject}:${kind}`;

export const targetTokenContext = (t: Pick<TargetRow, 'team_id' | 'platform' | 'instance' | 'external_id'>) =>
  `account:${t.team_id}:${scoped(t.platform, t.instance)}:${t.external_id}`;

export function grantTokens(keyring: KeyRing, grant: Grant): { accessToken: string; refreshToken?: string } {
  const accessToken = keyring.decrypt(grant.access_token_enc, grantTokenContext(grant, 'access'));
  if (!grant.refresh_token_enc) return { accessToken };
  return {
    accessToken,
    refreshToken: keyring.decrypt(grant.refresh_token_enc, grantTokenContext(grant, 'refresh')),
  };
}
