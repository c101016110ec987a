// The programs as the image runs them: the shipped TypeScript compiled with
// tsconfig.build.json (as the Dockerfile does) into a temp folder, next to this clone's
// node_modules and native addon.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Compiles; returns the entry point and the folder (the caller removes it). */
export function compileShipped(): { bin: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'portside-js-'));
  execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(ROOT, 'tsconfig.build.json'), '--outDir', dir], { stdio: 'inherit' });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  mkdirSync(join(dir, 'native/build/Release'), { recursive: true });
  copyFileSync(join(ROOT, 'native/build/Release/portside_native.node'), join(dir, 'native/build/Release/portside_native.node'));
  return { bin: join(dir, 'bin/portside.js'), dir };
}

