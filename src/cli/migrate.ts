import type { Config } from '../config/config.ts';
import { withRuntime } from './open.ts';

/** Migrations run when the runtime opens; this command only reports. */
export async function migrateCommand(config: Config): Promise<number> {
  await withRuntime(config, async (runtime) => {
    console.log(`database is up to date (${runtime.storage.kind})`);
  });
  return 0;
}
