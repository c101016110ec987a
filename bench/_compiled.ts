// The programs as the image runs them, built into a temp folder next to this clone's
// node_modules and native addon: `bundled` is what the Dockerfile builds (hack/bundle.ts: one
// minified file per entry and lazy part); `tsc` is the shipped TypeScript compiled file by
// file with tsconfig.build.json (what the image ran before the bundle), kept for comparison.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleShipped } from '../hack/bundle.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export type CompiledBuild = 'bundled' | 'tsc';

/** Builds; returns the entry point and the folder (the caller removes it). */
export async function compileShipped(build: CompiledBuild = 'bundled'): Promise<{ bin: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'portside-js-'));
  if (build === 'bundled') await bundleShipped(dir);
  else execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(ROOT, 'tsconfig.build.json'), '--outDir', dir], { stdio: 'inherit' });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  mkdirSync(join(dir, 'native/build/Release'), { recursive: true });
  copyFileSync(join(ROOT, 'native/build/Release/portside_native.node'), join(dir, 'native/build/Release/portside_native.node'));
  return { bin: join(dir, 'bin/portside.js'), dir };
}
