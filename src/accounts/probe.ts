/**
 * A live check that a grant's token still works at its platform: the module's own probe, else its
 * identity call. A failure is a value saying who failed. `timeoutMs` bounds the whole probe (every attempt
 * and retry): a platform that never answers is reported as unavailable, not waited for.
 */
import { grantContext } from '../connect/platform-context.ts';
import { failure, type OAuthFailure, type Result, success } from '../oauth/result.ts';
import type { Outbound } from '../outbound/client.ts';
import { PlatformError, platformApi } from '../platforms/api.ts';
import type { PlatformContext } from '../platforms/types.ts';
import type { Runtime } from '../runtime.ts';
import type { Grant } from '../storage/schema.ts';
import { grantTokens } from './tokens.ts';

export async function probeGrant(
  runtime: Runtime,
  grant: Grant,
  options: { timeoutMs?: number } = {},
): Promise<Result<void, OAuthFailure>> {
  const found = await grantContext(runtime, grant);
  if (!found) return failure({ kind: 'refused', message: 'No OAuth app is configured to probe with' });
  const { module } = found;
  const { timeoutMs } = options;
  const deadline = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
  const ctx = deadline ? boundedContext(found.ctx, deadline, timeoutMs!) : found.ctx;
  const { accessToken } = grantTokens(runtime.keyring, grant);
  try {
    if (module.probe) await module.probe(ctx, accessToken);
    else await module.identity(ctx, { accessToken, scopes: grant.scopes });
    return success(undefined);
  } catch (error) {
    if (error instanceof PlatformError) {
      return failure({ kind: error.kind, status: error.status, message: error.message });
    }
    if (deadline?.aborted) {
      return failure({ kind: 'unavailable', message: `The platform did not answer within ${timeoutMs} ms` });
    }
    throw error;
  }
}

/** The same context, every call of which ends when `deadline` does. */
function boundedContext(ctx: PlatformContext, deadline: AbortSignal, timeoutMs: number): PlatformContext {
  const outbound: Outbound = {
    rewrite: (url) => ctx.outbound.rewrite(url),
    abortAll: () => ctx.outbound.abortAll(),
    fetch: (input, init = {}) =>
      ctx.outbound.fetch(input, {
        ...init,
        timeoutMs: Math.min(init.timeoutMs ?? timeoutMs, timeoutMs),
        signal: init.signal ? AbortSignal.any([init.signal, deadline]) : deadline,
      }),
  };
  return { ...ctx, outbound, api: platformApi(outbound) };
}
