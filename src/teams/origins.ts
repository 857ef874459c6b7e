/** Allowed origins of a team, and the check every return/redirect URL goes through. */
import { invalidField } from '../errors/catalog.ts';

/** Normalizes configured origins (`https://app.example.com`), refusing anything that is not one. */
export function checkOrigins(origins: string[], field = 'allowed_origins'): string[] {
  return origins.map((value, index) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw invalidField(`${field}.${index}`, 'must be an origin such as https://app.example.com');
    }
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin === 'null') {
      throw invalidField(`${field}.${index}`, 'must be an http(s) origin');
    }
    return url.origin;
  });
}

/**
 * Checks a URL the user will be sent back to: absolute http(s), no credentials, and inside the team's
 * allowed origins when it has any. Returns the normalized URL.
 */
export function checkReturnUrl(value: string, allowedOrigins: readonly string[], field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidField(field, 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw invalidField(field, 'must be an absolute http(s) URL');
  if (url.username || url.password) throw invalidField(field, 'must not contain credentials');
  if (allowedOrigins.length > 0 && !allowedOrigins.includes(url.origin)) {
    throw invalidField(field, `must be on one of the team's allowed origins (${allowedOrigins.join(', ')})`);
  }
  return url.href;
}
