/** The one place the OAuth redirect URI is built: `{public URL}/oauth/callback/{platform}`. */
export function callbackUrl(publicUrl: string, platformId: string): string {
  return `${publicUrl}/oauth/callback/${platformId}`;
}
