/**
 * The two ways the bench drives a target: autocannon for single requests, and a timed loop of concurrent
 * workers for multi-step flows (a whole connect is several requests across Portico and the simulator).
 * A run that sees a single non-2xx answer or failed iteration throws: a benchmark of error responses
 * measures nothing.
 */
import autocannon from 'autocannon';

export interface Measurement {
  /** Mean completed requests (or flows) per second over the run. */
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  count: number;
}

export interface RequestLoad {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  seconds: number;
}

export async function loadRequests(load: RequestLoad): Promise<Measurement> {
  const result = await autocannon({
    url: load.url,
    method: load.method ?? 'GET',
    connections: load.connections,
    duration: load.seconds,
    ...(load.headers ? { headers: load.headers } : {}),
    ...(load.body !== undefined ? { body: load.body } : {}),
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) {
    throw new Error(
      `${load.method ?? 'GET'} ${load.url}: ${failed} of ${result.requests.total} requests failed ` +
        `(non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`,
    );
  }
  return {
    perSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    count: result.requests.total,
  };
}

/** The p-th percentile of sorted values (0 for none). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Runs `flow` back to back in `concurrency` workers for `seconds`, timing each completed flow. */
export async function loadFlows(
  flow: () => Promise<void>,
  options: { concurrency: number; seconds: number },
): Promise<Measurement> {
  const durations: number[] = [];
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const begin = performance.now();
      await flow();
      durations.push(performance.now() - begin);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsedSeconds = (performance.now() - started) / 1000;
  durations.sort((a, b) => a - b);
  return {
    perSecond: durations.length / elapsedSeconds,
    p50Ms: percentile(durations, 50),
    p99Ms: percentile(durations, 99),
    count: durations.length,
  };
}
