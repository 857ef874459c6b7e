/**
 * The host override map: any platform host can be pointed at a stand-in (the sandbox simulator, a test
 * double, a corporate proxy). The override's base URL replaces scheme, host and port; the original path
 * is appended to the override's own path; query and fragment are kept.
 */

/**
 * Key: a hostname (`api.x.com`) or `host:port`; value: a base URL.
 * @example { "api.x.com": "http://127.0.0.1:9001", "graph.facebook.com": "http://127.0.0.1:3000/sandbox/graph.facebook.com" }
 */
export type HostOverrides = Record<string, string>;

/** `PORTICO_HOST_OVERRIDES` is wrong; the message names the entry and what is wrong with it. */
export class HostOverridesConfigError extends Error {
  constructor(message: string) {
    super(`PORTICO_HOST_OVERRIDES ${message}`);
    this.name = 'HostOverridesConfigError';
  }
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST_KEY = new RegExp(`^${LABEL}(?:\\.${LABEL})*(?::(?<port>\\d{1,5}))?$`, 'i');
const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };
const EXAMPLE = '{"api.x.com": "http://127.0.0.1:9001"}';

/** Reads `PORTICO_HOST_OVERRIDES`: a JSON object of hostname (or host:port) to absolute http(s) base URL. */
export function parseHostOverrides(json: string): HostOverrides {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new HostOverridesConfigError(`is not valid JSON; expected an object such as ${EXAMPLE}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HostOverridesConfigError(`must be a JSON object such as ${EXAMPLE}`);
  }
  const overrides: HostOverrides = {};
  for (const [host, base] of Object.entries(parsed)) {
    const match = HOST_KEY.exec(host);
    if (!match || Number(match.groups?.port ?? 0) > 65535) {
      throw new HostOverridesConfigError(`key "${host}" is not a hostname or host:port`);
    }
    const problem = baseUrlProblem(base);
    if (problem) throw new HostOverridesConfigError(`value for "${host}" ${problem}`);
    overrides[host.toLowerCase()] = base as string;
  }
  return overrides;
}

/**
 * Points a URL at its override, if any. `host:port` keys win over bare hostname keys; hosts match
 * case-insensitively; a URL without an override comes back unchanged (as a new `URL`).
 * @example applyHostOverrides('https://api.x.com/2/oauth2/token?a=1', { 'api.x.com': 'http://127.0.0.1:3000/sandbox/api.x.com' })
 *          // -> http://127.0.0.1:3000/sandbox/api.x.com/2/oauth2/token?a=1
 */
export function applyHostOverrides(input: string | URL, overrides: HostOverrides): URL {
  const url = new URL(input);
  const base = findOverride(url, overrides);
  if (base === undefined) return url;
  const target = new URL(base);
  const basePath = target.pathname.replace(/\/+$/, '');
  const path = url.pathname.replace(/^\/+/, '');
  target.pathname = `${basePath}/${path}`;
  target.search = url.search;
  target.hash = url.hash;
  return target;
}

function findOverride(url: URL, overrides: HostOverrides): string | undefined {
  const hostname = url.hostname.toLowerCase();
  // `url.port` is empty for the scheme's default port; `api.x.com:443` still names https://api.x.com.
  const port = url.port || DEFAULT_PORTS[url.protocol];
  const candidates = port ? [`${hostname}:${port}`, hostname] : [hostname];
  for (const candidate of candidates) {
    for (const [key, base] of Object.entries(overrides)) {
      if (key.toLowerCase() === candidate) return base;
    }
  }
  return undefined;
}

function baseUrlProblem(base: unknown): string | undefined {
  if (typeof base !== 'string') return 'must be a string URL';
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an absolute http(s) URL';
  if (url.search || url.hash || base.includes('?') || base.includes('#'))
    return 'must not have a query or fragment';
  return undefined;
}
