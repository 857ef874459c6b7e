/**
 * Portico's sandbox simulator: a real HTTP stand-in for the platforms' OAuth and account APIs, written from
 * each platform's documentation (never from src/platforms/), so Portico runs and is tested with no
 * credentials and no internet. Each simulated host is the first path segment under the mount prefix.
 */
export { SANDBOX_CREDENTIALS, type SandboxClient } from './clients.ts';
export { type SandboxOptions, sandboxHostOverrides, sandboxPlugin } from './plugin.ts';
export { type RunningSandbox, startSandboxServer } from './standalone.ts';
