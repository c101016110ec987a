// The programs as the image runs them, built into a temp folder next to this clone's
// node_modules and native addon: `bundled` is what the Dockerfile builds (hack/bundle.ts: one
// minified file per entry and lazy part); `tsc` is the shipped TypeScript compiled file by
// file with tsconfig.build.json (what the image ran before the bundle), kept for comparison.
// `checkout` builds another clone or worktree the same way, with its own hack/bundle.ts
// (BENCH_BASELINE in the controller benchmarks: two builds measured on one control plane).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleShipped } from '../hack/bundle.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export type CompiledBuild = 'bundled' | 'tsc';

/** Builds; returns the entry point and the folder (the caller removes it). */
export async function compileShipped(build: CompiledBuild = 'bundled', checkout: string = ROOT): Promise<{ bin: string; dir: string }> {
  const root = resolve(checkout);
  const dir = mkdtempSync(join(tmpdir(), 'portside-js-'));
  if (build === 'bundled' && root === resolve(ROOT)) await bundleShipped(dir);
  else if (build === 'bundled') execFileSync(process.execPath, [join(root, 'hack/bundle.ts'), dir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  else execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(root, 'tsconfig.build.json'), '--outDir', dir], { stdio: 'inherit' });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
  mkdirSync(join(dir, 'native/build/Release'), { recursive: true });
  copyFileSync(join(root, 'native/build/Release/portside_native.node'), join(dir, 'native/build/Release/portside_native.node'));
  return { bin: join(dir, 'bin/portside.js'), dir };
}
