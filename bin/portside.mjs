#!/usr/bin/env node
// The installed `portside` command: checks the Node version first (an older Node cannot even
// load bin/portside.ts), then runs it.
import console from 'node:console';
import process from 'node:process';
import { nodeTooOld, packageJson } from './node-version.mjs';

const tooOld = nodeTooOld(process.version, packageJson().engines?.node);
if (tooOld) {
  console.error(tooOld);
  process.exit(2);
}
await import('./portside.ts');
