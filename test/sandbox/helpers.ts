/** Shared bits of the sandbox tests: a standalone simulator on a frozen clock, PKCE pairs, form posts. */
import { createHash, randomBytes } from 'node:crypto';
import { after, before, beforeEach } from 'node:test';
import type { SandboxClient } from '../../src/sandbox/index.ts';
import { startSandboxServer } from '../../src/sandbox/index.ts';

export interface TestSandbox {
  url: string;
  overrides: Record<string, string>;
  /** The simulator's clock: move it with `advance`, never sleep. */
  advance(seconds: number): void;
  now(): number;
  /** `${url}/${host}${path}`: a real platform URL as the override map rewrites it. */
  at(host: string, path: string): string;
  close(): Promise<void>;
}

export async function startTestSandbox(
  options: { clients?: SandboxClient[]; hangMs?: number } = {},
): Promise<TestSandbox> {
  let time = Date.parse('2025-06-01T12:00:00Z');
  const server = await startSandboxServer({ ...options, now: () => time });
  return {
    url: server.url,
    overrides: server.overrides,
    advance: (seconds) => {
      time += seconds * 1000;
    },
    now: () => time,
    at: (host, path) => `${server.url}/${host}${path}`,
    close: server.close,
  };
}

/**
 * The sandbox of a `describe`: started before its tests, reset before each one, closed after them all.
 * Read its fields inside tests and hooks, once it has started.
 */
export function useTestSandbox(options: Parameters<typeof startTestSandbox>[0] = {}): TestSandbox {
  const sb = {} as TestSandbox;
  before(async () => {
    Object.assign(sb, await startTestSandbox(options));
  });
  after(() => sb.close());
  beforeEach(() => fetch(`${sb.url}/_control/reset`, { method: 'POST' }));
  return sb;
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
}

/** Parsed JSON as the assertions read it: the shapes are what the tests check. */
export type Json = any;

export async function json(response: Response): Promise<Json> {
  return response.json();
}

/** The query parameters of a redirect back to the app. */
export function params(location: string): URLSearchParams {
  return new URL(location).searchParams;
}

export const REDIRECT_URI = 'https://app.example/callback';
