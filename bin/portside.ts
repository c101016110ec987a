#!/usr/bin/env node
// The one CLI: `portside controller`, `portside speaker`.
const [command] = process.argv.slice(2);
const usage = 'usage: portside <controller|speaker> [flags]';
switch (command) {
  case 'controller':
  case 'speaker':
    console.error(`portside ${command}: not built yet`);
    process.exit(2);
    break;
  default:
    console.error(usage);
    process.exit(2);
}
