// The programs as the image runs them, built into a temp folder next to this clone's
// node_modules and native addon: `bundled` is what the Dockerfile builds (hack/bundle.ts: one
// minified file per entry and lazy part); `tsc` is the shipped TypeScript compiled file by
// file with tsconfig.build.json (what the image ran before the bundle), kept for comparison.
// `checkout` builds another clone or worktree the same way, with its own hack/bundle.ts
// (BENCH_BASELINE in the controller benchmarks: two builds measured on one control plane).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleShipped } from '../hack/bundle.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export type CompiledBuild = 'bundled' | 'tsc';

/**
 * Builds; returns the entry point, the folder (the caller removes it) and the arguments after
 * Node's flags that start `portside controller` as the image's Deployment does: from the
 * startup snapshot when the build made one (hack/bundle.ts), else from the entry point.
 */
export async function compileShipped(build: CompiledBuild = 'bundled', checkout: string = ROOT): Promise<{ bin: string; dir: string; controller: string[] }> {
  const root = resolve(checkout);
  const dir = mkdtempSync(join(tmpdir(), 'portside-js-'));
  if (build === 'bundled' && root === resolve(ROOT)) await bundleShipped(dir);
  else if (build === 'bundled') execFileSync(process.execPath, [join(root, 'hack/bundle.ts'), dir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  else execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(root, 'tsconfig.build.json'), '--outDir', dir], { stdio: 'inherit' });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
  mkdirSync(join(dir, 'native/build/Release'), { recursive: true });
  copyFileSync(join(root, 'native/build/Release/portside_native.node'), join(dir, 'native/build/Release/portside_native.node'));
  const bin = join(dir, 'bin/portside.js');
  const blob = join(dir, 'controller.blob');
  return { bin, dir, controller: existsSync(blob) ? ['--snapshot-blob', blob, 'controller'] : [bin, 'controller'] };
}
