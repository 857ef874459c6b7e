/**
 * The browser for the browser tests, in this order: `CHROMIUM_PATH` when set; else a Chromium or Chrome on
 * `PATH` or in the usual places (Debian's `/usr/bin/chromium` among them); else the headless Chromium that
 * the npm package `@sparticuz/chromium` ships for Linux x64 (unpacked into the temp folder on first use).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface FoundChromium {
  executablePath: string;
  /** Launch arguments for playwright-core's `chromium.launch({ args })`. */
  args: string[];
  /** Where it came from, for the test output. */
  source: string;
}

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];
const USUAL_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/opt/google/chrome/chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];
// Headless, as root, and quiet: this machine's network is closed, and a browser that phones home at start
// gets its connections refused, many at a time.
const SYSTEM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<FoundChromium> {
  if (env.CHROMIUM_PATH)
    return { executablePath: env.CHROMIUM_PATH, args: SYSTEM_ARGS, source: 'CHROMIUM_PATH' };
  const system = systemChromium(env.PATH ?? '');
  if (system) return { executablePath: system, args: SYSTEM_ARGS, source: 'installed on this machine' };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      'no Chromium or Chrome found: install one or set CHROMIUM_PATH (@sparticuz/chromium is Linux x64 only)',
    );
  }
  const { default: packaged } = await import('@sparticuz/chromium');
  return {
    executablePath: await packaged.executablePath(),
    args: [...packaged.args, '--disable-background-networking', '--disable-component-update'],
    source: 'npm @sparticuz/chromium',
  };
}

/** The first executable Chromium or Chrome on `path` (a PATH value), then in `usual` places. */
export function systemChromium(path: string, usual: readonly string[] = USUAL_PATHS): string | undefined {
  const onPath = path
    .split(delimiter)
    .filter(Boolean)
    .flatMap((dir) => NAMES.map((name) => join(dir, name)));
  return [...onPath, ...usual].find(isExecutableFile);
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
