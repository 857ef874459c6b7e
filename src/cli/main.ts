/** `portico <command>`: serve, migrate, keys, teams. */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, loadDotEnv } from '../config/config.ts';
import { keysCommand, teamsCommand } from './admin.ts';
import { migrateCommand } from './migrate.ts';
import { serveCommand } from './serve.ts';
import { workerCommand } from './worker.ts';

const USAGE = `Usage: portico <command> [options]

Commands:
  serve [--sandbox | --live]     Run the API, OAuth callbacks and background work
  worker                         Run only the background work (for separate worker processes)
  migrate                        Apply database migrations and exit
  keys create --name N --scopes a,b [--team T]    Create an API key (printed once)
  keys list                      List API keys
  keys revoke <id>               Revoke an API key at once
  teams create --name N          Create a team
  teams list                     List teams

Configuration comes from the environment (and .env); see README.md.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 1;
  }
  loadDotEnv();
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      sandbox: { type: 'boolean' },
      live: { type: 'boolean' },
      name: { type: 'string' },
      scopes: { type: 'string' },
      team: { type: 'string' },
    },
  });
  const env = { ...process.env };
  if (values.sandbox) env.PORTICO_MODE = 'sandbox';
  if (values.live) env.PORTICO_MODE = 'live';
  const config = loadConfig(env);
  switch (command) {
    case 'serve':
      return serveCommand(config);
    case 'worker':
      return workerCommand(config);
    case 'migrate':
      return migrateCommand(config);
    case 'keys':
      return keysCommand(config, positionals, values);
    case 'teams':
      return teamsCommand(config, positionals, values);
    default:
      console.error(`portico: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined && code !== -1) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError || (error instanceof Error && error.name.endsWith('ConfigError'))) {
      console.error(`portico: configuration error: ${error.message}`);
      process.exitCode = 78; // EX_CONFIG
      return;
    }
    if (error instanceof TypeError && 'code' in error && error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      console.error(`portico: ${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    console.error('portico:', error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
