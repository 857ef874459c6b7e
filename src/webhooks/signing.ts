/**
 * Signing a delivery. Every delivery carries the Standard Webhooks headers (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature`, made by that spec's reference library); hosted-style ones also
 * carry the hosted product's `x-signature`: lower-case hex HMAC-SHA256 of the raw body, keyed with the
 * secret string as it was shown, which that product's SDK checks with `webhooks.constructEvent`.
 * Portico-style ones also carry the headless product's `x-smartlyq-signature`: `t=<unix seconds>,v1=<hex
 * HMAC-SHA256 of "<t>.<body>">`, so an app that verifies that product's deliveries verifies these.
 * While a rotated-out secret still signs, both secrets sign: two signatures in `webhook-signature` and two
 * `v1=` in `x-smartlyq-signature`; as `x-signature` holds one, the old secret's is there and the new one's
 * in `x-signature-next`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { PayloadStyle } from '../storage/schema.ts';

/** A new signing secret: `whsec_` and 32 random bytes in base64, the Standard Webhooks format. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export interface SigningSecrets {
  current: string;
  /** The secret before the last rotation, while it still signs. */
  previous?: string | undefined;
}

export function signatureHeaders(
  style: PayloadStyle,
  messageId: string,
  body: string,
  secrets: SigningSecrets,
  /** Real time: receivers compare the timestamp with their own clocks. */
  at: Date,
): Record<string, string> {
  const keys = secrets.previous ? [secrets.previous, secrets.current] : [secrets.current];
  const headers: Record<string, string> = {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': keys.map((key) => new Webhook(key).sign(messageId, at, body)).join(' '),
  };
  if (style === 'hosted') {
    headers['x-signature'] = hmacHex(keys[0]!, body);
    if (secrets.previous) headers['x-signature-next'] = hmacHex(secrets.current, body);
  } else {
    const t = headers['webhook-timestamp'];
    headers['x-smartlyq-signature'] = [
      `t=${t}`,
      ...keys.map((key) => `v1=${hmacHex(key, `${t}.${body}`)}`),
    ].join(',');
  }
  return headers;
}

function hmacHex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}
