/**
 * The one HTTP client for every call Portico makes to a platform: host overrides, a timeout per attempt,
 * and retries for idempotent requests only (network errors, timeouts, 502/503/504, 429 within a short
 * Retry-After). A stopping process aborts every call in flight (`abortAll`), so a platform that never
 * answers cannot hold the shutdown. Nothing it reports or throws contains a query string, header or body:
 * those hold tokens.
 */
import { applyHostOverrides, type HostOverrides } from './host-overrides.ts';
import { backoffMs, isIdempotent, isRetryableStatus, retryDelayMs } from './retry.ts';

/** One attempt, as reported to `onRequest` (for logs and metrics). */
export interface OutboundEvent {
  method: string;
  /** Origin and path only: query strings can hold tokens and codes. */
  url: string;
  /** Absent when no HTTP answer came. */
  status?: number;
  durationMs: number;
  /** 1 for the first try. */
  attempt: number;
  /**
   * `network`, `timeout`, `shutdown` (`abortAll`) or `aborted` (the caller's own signal) when no HTTP
   * answer came.
   */
  error?: string;
}

export interface OutboundOptions {
  /** Platform hosts pointed elsewhere (the simulator, a test double). */
  overrides?: HostOverrides;
  /** Per attempt, not per call. @default 10000 */
  timeoutMs?: number;
  /** Extra attempts for idempotent requests. @default 2 */
  retries?: number;
  /** Sent unless the request sets its own; Reddit refuses requests without a descriptive one. */
  userAgent?: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Waits between attempts; tests pass one that does not really wait. */
  sleep?: (ms: number) => Promise<void>;
  onRequest?: (event: OutboundEvent) => void;
}

export interface OutboundInit extends RequestInit {
  /**
   * Retry this request on transient failures. Defaults to true for GET, HEAD, OPTIONS, PUT, DELETE.
   * Set it on a POST only when sending it twice is harmless: never on an authorization-code exchange.
   */
  idempotent?: boolean;
  /** Overrides the client's per-attempt timeout for this call. */
  timeoutMs?: number;
}

export interface Outbound {
  /**
   * Sends through the overrides, with timeout and retries. Resolves with the last response (any status);
   * rejects with `OutboundError` when no HTTP answer came, or with the caller's abort reason.
   * Redirects are not followed unless `redirect` is set: fetch would follow them past the host overrides.
   */
  fetch(input: string | URL, init?: OutboundInit): Promise<Response>;
  /** The same host override, for URLs a browser will open (authorize pages). */
  rewrite(url: string | URL): URL;
  /**
   * For a stopping process: aborts every call in flight and fails every later one at once, with
   * `OutboundError` of kind `shutdown`. No retry follows.
   */
  abortAll(): void;
}

/**
 * A call that got no HTTP answer: the network failed, the platform stayed silent, or Portico is stopping.
 * `cause` has the detail.
 */
export class OutboundError extends Error {
  readonly kind: 'network' | 'timeout' | 'shutdown';
  /** Origin and path only. */
  readonly url: string;
  constructor(kind: 'network' | 'timeout' | 'shutdown', url: string, options?: ErrorOptions) {
    super(
      kind === 'timeout'
        ? `${url} did not answer in time`
        : kind === 'shutdown'
          ? `the call to ${url} was abandoned: Portico is stopping`
          : `${url} could not be reached`,
      options,
    );
    this.name = 'OutboundError';
    this.kind = kind;
    this.url = url;
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_RETRIES = 2;

export function createOutbound(options: OutboundOptions = {}): Outbound {
  const overrides = options.overrides ?? {};
  const send = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const retries = options.retries ?? DEFAULT_RETRIES;
  const report = options.onRequest ?? (() => {});
  const rewrite = (url: string | URL) => applyHostOverrides(url, overrides);
  // One controller per call in flight (not one shared signal every call listens to, which would collect a
  // listener per call for the life of the process).
  const inFlight = new Set<AbortController>();
  let stopped = false;
  /** Waits between attempts, but not past `abortAll`. */
  const pause = (ms: number, call: AbortController) =>
    new Promise<void>((resolve) => {
      call.signal.addEventListener('abort', () => resolve(), { once: true });
      sleep(ms).then(resolve, resolve);
    });

  return {
    rewrite,
    abortAll() {
      stopped = true;
      for (const call of inFlight) call.abort(new Error('Portico is stopping'));
    },
    async fetch(input, init = {}) {
      const { idempotent, timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS, ...requestInit } = init;
      const url = rewrite(input);
      const safeUrl = `${url.origin}${url.pathname}`;
      const method = (requestInit.method ?? 'GET').toUpperCase();
      // A stream body is consumed by the first attempt and cannot be sent again.
      const replayable = !(requestInit.body instanceof ReadableStream);
      const attempts = isIdempotent(method, idempotent) && replayable ? retries + 1 : 1;
      const headers = new Headers(requestInit.headers);
      if (options.userAgent && !headers.has('user-agent')) headers.set('user-agent', options.userAgent);
      const callerSignal = requestInit.signal ?? undefined;
      if (stopped) {
        report({ method, url: safeUrl, durationMs: 0, attempt: 1, error: 'shutdown' });
        throw new OutboundError('shutdown', safeUrl);
      }
      const call = new AbortController();
      inFlight.add(call);
      try {
        for (let attempt = 1; ; attempt++) {
          const isLast = attempt >= attempts;
          const started = performance.now();
          const elapsed = () => Math.round(performance.now() - started);
          const timeout = AbortSignal.timeout(timeoutMs);
          const signal = AbortSignal.any(
            callerSignal ? [callerSignal, timeout, call.signal] : [timeout, call.signal],
          );
          let wait: number | undefined;
          try {
            const response = await send(url, {
              ...requestInit,
              redirect: requestInit.redirect ?? 'manual',
              method,
              headers,
              signal,
            });
            report({ method, url: safeUrl, status: response.status, durationMs: elapsed(), attempt });
            if (isLast || !isRetryableStatus(response.status)) return response;
            wait = retryDelayMs(response.headers.get('retry-after'), attempt);
            if (wait === undefined) return response;
            await response.body?.cancel();
          } catch (error) {
            if (callerSignal?.aborted) {
              report({ method, url: safeUrl, durationMs: elapsed(), attempt, error: 'aborted' });
              throw callerSignal.reason;
            }
            const kind = call.signal.aborted ? 'shutdown' : timeout.aborted ? 'timeout' : 'network';
            report({ method, url: safeUrl, durationMs: elapsed(), attempt, error: kind });
            if (isLast || kind === 'shutdown') throw new OutboundError(kind, safeUrl, { cause: error });
            wait = backoffMs(attempt);
          }
          await pause(wait, call);
          callerSignal?.throwIfAborted();
          if (call.signal.aborted) {
            report({ method, url: safeUrl, durationMs: 0, attempt: attempt + 1, error: 'shutdown' });
            throw new OutboundError('shutdown', safeUrl, { cause: call.signal.reason });
          }
        }
      } finally {
        inFlight.delete(call);
      }
    },
  };
}
