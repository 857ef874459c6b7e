/**
 * A small client for platform APIs (identity, targets), on the outbound client. Failures are classified
 * by who failed: the platform refused (4xx), garbled its answer, or was unavailable (5xx, 429, network).
 */
import { type Outbound, OutboundError } from '../outbound/client.ts';

export type PlatformFailureKind = 'refused' | 'garbled' | 'unavailable';

export class PlatformError extends Error {
  readonly kind: PlatformFailureKind;
  readonly status: number | undefined;
  /** The URL without its query string. */
  readonly url: string;
  constructor(
    kind: PlatformFailureKind,
    message: string,
    url: string,
    status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PlatformError';
    this.kind = kind;
    this.url = url;
    this.status = status;
  }
}

export interface ApiRequest {
  /** Sent as `Authorization: Bearer`. */
  bearer?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  method?: 'GET' | 'DELETE' | 'POST';
  /** Sent form-encoded (implies POST unless `method` says otherwise). */
  form?: Record<string, string | readonly string[]>;
}

export interface PlatformApi {
  json<T = unknown>(url: string, request?: ApiRequest): Promise<T>;
}

export function platformApi(outbound: Outbound): PlatformApi {
  return {
    async json<T>(url: string, request: ApiRequest = {}): Promise<T> {
      const target = new URL(url);
      for (const [k, v] of Object.entries(request.query ?? {})) target.searchParams.set(k, v);
      const safeUrl = `${target.origin}${target.pathname}`;
      const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
      if (request.bearer) headers.authorization = `Bearer ${request.bearer}`;
      let body: URLSearchParams | undefined;
      if (request.form) {
        body = new URLSearchParams();
        for (const [k, v] of Object.entries(request.form)) {
          for (const value of typeof v === 'string' ? [v] : v) body.append(k, value);
        }
        headers['content-type'] = 'application/x-www-form-urlencoded';
      }
      let response: Response;
      try {
        response = await outbound.fetch(target, {
          method: request.method ?? (body ? 'POST' : 'GET'),
          headers,
          ...(body ? { body } : {}),
        });
      } catch (error: unknown) {
        if (error instanceof OutboundError) {
          throw new PlatformError(
            'unavailable',
            `${safeUrl} did not answer (${error.kind})`,
            safeUrl,
            undefined,
            { cause: error },
          );
        }
        throw error;
      }
      if (response.status >= 500 || response.status === 429) {
        await response.body?.cancel();
        throw new PlatformError(
          'unavailable',
          `${safeUrl} answered ${response.status}`,
          safeUrl,
          response.status,
        );
      }
      const text = await response.text();
      if (!response.ok) {
        throw new PlatformError(
          'refused',
          `${safeUrl} answered ${response.status}`,
          safeUrl,
          response.status,
          {
            cause: redact(text),
          },
        );
      }
      try {
        return JSON.parse(text) as T;
      } catch (error) {
        throw new PlatformError(
          'garbled',
          `${safeUrl} answered with something that is not JSON`,
          safeUrl,
          response.status,
          {
            cause: error,
          },
        );
      }
    },
  };
}

/** Upstream bodies are kept for diagnosis, minus anything that looks like a token. */
function redact(body: string): string {
  return body
    .slice(0, 500)
    .replace(/("?(access_token|refresh_token|token)"?\s*[:=]\s*"?)[^",&\s]+/gi, '$1[redacted]');
}

/** Reads a required string field, naming it when it is missing: a platform that omits it garbled its answer. */
export function field(value: unknown, name: string, url = ''): string {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number') return String(value);
  throw new PlatformError('garbled', `the platform's answer lacks "${name}"`, url);
}
