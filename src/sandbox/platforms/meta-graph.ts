/**
 * What Facebook and Threads share as Meta Graph APIs: the error body, the words for a bad access token and
 * the bodies of the 500/429 scenarios. Each platform sends them its own way (facebook-graph.ts adds a
 * WWW-Authenticate header to code 190; Threads does not).
 * Docs: https://developers.facebook.com/docs/graph-api/guides/error-handling
 */
import { randomBytes } from 'node:crypto';
import type { TokenCheck } from '../sandbox.ts';

/** Any Graph version in the path (/v22.0/dialog/oauth, /v1.0/me). */
export const GRAPH_VERSION = /^v\d+\.\d+$/;

export interface GraphFailure {
  message: string;
  code: number;
  subcode?: number;
}

/** `{"error":{"message","type":"OAuthException","code","error_subcode"?,"fbtrace_id"}}`. */
export function graphErrorBody(message: string, code: number, options: { subcode?: number; type?: string }) {
  return {
    error: {
      message,
      type: options.type ?? 'OAuthException',
      code,
      ...(options.subcode !== undefined ? { error_subcode: options.subcode } : {}),
      fbtrace_id: randomBytes(9).toString('base64url'),
    },
  };
}

/** A missing or unusable access token, in Graph's words (codes 2500 and 190 with their subcodes). */
export const TOKEN_FAILURES: Record<Extract<TokenCheck, { ok: false }>['reason'], GraphFailure> = {
  missing: {
    message: 'An active access token must be used to query information about the current user.',
    code: 2500,
  },
  invalid: { message: 'Invalid OAuth access token - Cannot parse access token', code: 190 },
  expired: { message: 'Error validating access token: Session has expired.', code: 190, subcode: 463 },
  revoked: {
    message: 'Error validating access token: The user has not authorized application.',
    code: 190,
    subcode: 458,
  },
};

/** Graph's bodies for the 500 and 429 scenarios (codes 2 and 4). */
export const GRAPH_SCENARIO_BODIES = {
  serverError: {
    error: {
      message: 'An unexpected error has occurred. Please retry your request later.',
      type: 'OAuthException',
      is_transient: true,
      code: 2,
    },
  },
  rateLimited: {
    error: { message: '(#4) Application request limit reached', type: 'OAuthException', code: 4 },
  },
};
