/**
 * What every connect end-to-end suite needs: a real Portico (with its simulator) on one backend, and a
 * stand-in for the app's own site to return to. Started before the suite's tests, stopped after.
 */
import { after, before } from 'node:test';
import { addSandboxUser } from './consent.ts';
import { startTestPortico, type TestPortico } from './portico.ts';
import { type ReturnServer, startReturnServer } from './return-server.ts';
import type { Backend } from './storage.ts';

export interface ConnectFixture {
  readonly portico: TestPortico;
  readonly app: ReturnServer;
  /** The simulator's base URL: a platform URL is `${sandbox}/${host}${path}`. */
  readonly sandbox: string;
  /** Adds a simulated user of `platform` with the given scenario. */
  user(platform: string, name: string, scenario?: Record<string, unknown>): Promise<{ id: string }>;
}

export function connectFixture(
  backend: Backend,
  env: Record<string, string> = {},
  options: Parameters<typeof startTestPortico>[2] = {},
): ConnectFixture {
  let portico: TestPortico | undefined;
  let app: ReturnServer | undefined;
  before(async () => {
    portico = await startTestPortico(backend, env, options);
    app = await startReturnServer();
  });
  after(async () => {
    await app?.close();
    await portico?.close();
  });
  return {
    get portico() {
      if (!portico) throw new Error('the fixture starts before the tests');
      return portico;
    },
    get app() {
      if (!app) throw new Error('the fixture starts before the tests');
      return app;
    },
    get sandbox() {
      return `${this.portico.url}/sandbox`;
    },
    user(platform, name, scenario) {
      return addSandboxUser(this.sandbox, {
        platform,
        name,
        username: name.toLowerCase(),
        ...(scenario ? { scenario } : {}),
      });
    },
  };
}
