#!/usr/bin/env node
// The one CLI: `portside controller`, `portside speaker`, `portside migrate`, and `portside
// explain` / `portside status` (also `kubectl portside …` through bin/kubectl-portside).
import { readFileSync } from 'node:fs';
import { commandHelp, USAGE, wantsHelp } from '../lib/cli/help.ts';

const [command, ...args] = process.argv.slice(2);

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
  return `portside ${pkg.version ?? 'unknown'} (node ${process.version})`;
}

async function main(): Promise<number> {
  if ((command === 'controller' || command === 'speaker' || command === 'migrate') && wantsHelp(args)) {
    console.log(commandHelp(command));
    return 0;
  }
  switch (command) {
    case '--help':
    case '-h':
    case 'help':
      console.log(USAGE);
      return 0;
    case '--version':
    case 'version':
      console.log(version());
      return 0;
    case 'controller': {
      const { runController } = await import('../operator/main.ts');
      return runController(args, process.env);
    }
    case 'speaker': {
      const { runSpeaker } = await import('../speaker/main.ts');
      return runSpeaker(args, process.env);
    }
    case 'migrate': {
      const { runMigrate } = await import('../lib/migrate/main.ts');
      return runMigrate(args);
    }
    case 'explain':
    case 'status': {
      const { runExplain } = await import('../explain/main.ts');
      return runExplain(command, args, process.env);
    }
    default:
      console.error(command === undefined ? USAGE : `portside: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`portside ${command}:`, err); // with the stack and the chain of causes
    process.exit(1);
  },
);
