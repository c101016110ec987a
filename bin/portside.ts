#!/usr/bin/env node
// The one CLI: `portside controller`, `portside speaker`.
const [command, ...args] = process.argv.slice(2);
const usage = 'usage: portside <controller|speaker> [flags]';

async function main(): Promise<number> {
  switch (command) {
    case 'controller': {
      const { runController } = await import('../operator/main.ts');
      return runController(args, process.env);
    }
    case 'speaker': {
      const { runSpeaker } = await import('../speaker/main.ts');
      return runSpeaker(args, process.env);
    }
    default:
      console.error(usage);
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
