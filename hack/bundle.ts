// The JavaScript the image runs: bin/portside.ts and everything it imports (the production
// packages too) bundled by esbuild into bin/portside.js plus one chunk per lazily loaded part
// (the controller, the speaker, migrate, explain, the YAML parsers), minified, ESM, no source
// maps. One module instead of ≈ 190 per program and no comments, whitespace or long names
// kept in the heap as source text: 15–17 MB less RSS per process (docs/benchmarks.md).
// The native addon's loader stays its own file, native/index.js, so it finds the addon next
// to it as in development. The controller also gets a V8 startup snapshot, controller.blob:
// bin/controller-snapshot.ts and everything it imports bundled as one CommonJS script (what
// `node --build-snapshot` takes) and evaluated by this Node, which must be the one that runs
// it (the Dockerfile's build and final stages share their Node). The licences of the
// packages inside go to THIRD-PARTY-LICENSES.txt (the image ships no node_modules to carry
// them). Types are not checked here: `tsc -p tsconfig.json` does that.
//   node hack/bundle.ts [outdir]   (default dist/)
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The native addon's loader is not bundled: every chunk imports native/index.js from beside bin/. */
const nativeLoaderApart: Plugin = {
  name: 'native-loader-apart',
  setup(b) {
    b.onResolve({ filter: /\/native\/index\.ts$/ }, () => ({ path: '../native/index.js', external: true }));
  },
};

/**
 * Builtins a startup snapshot cannot hold once loaded (node:tls's and node:http's native
 * state): in the snapshot's bundle each is a module of getters, one per export, that loads the
 * builtin at the first read. A package that requires one at its top level (prom-client's
 * Pushgateway) gets the getters; code that reads one at a module's top level still loads it,
 * and `node --build-snapshot` then fails: lib/node/builtins.ts is how the programs take them.
 */
const SNAPSHOT_LAZY = ['http', 'https', 'tls', 'child_process'];
const lazyBuiltins: Plugin = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^(node:)?(${SNAPSHOT_LAZY.join('|')})$`);
    b.onResolve({ filter }, (a) => ({ path: a.path.replace(/^node:/, ''), namespace: 'lazy-builtin' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (a) => {
      const name = `node:${a.path}`;
      const keys = Object.keys(process.getBuiltinModule(name) as object);
      return {
        loader: 'js',
        contents: `let m;\nfor (const k of ${JSON.stringify(keys)}) Object.defineProperty(module.exports, k, ` +
          `{ enumerable: true, get: () => (m ??= process.getBuiltinModule(${JSON.stringify(name)}))[k] });\n`,
      };
    });
  },
};

export async function bundleShipped(outdirGiven: string): Promise<void> {
  // From the working directory, for esbuild (which works from ROOT) and Node alike.
  const outdir = resolve(outdirGiven);
  rmSync(outdir, { recursive: true, force: true });
  const common = {
    platform: 'node',
    format: 'esm',
    target: 'node22.18',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    absWorkingDir: ROOT,
  } as const;
  const { metafile } = await build({
    ...common,
    metafile: true,
    entryPoints: ['bin/portside.ts'],
    bundle: true,
    splitting: true,
    outdir: join(outdir, 'bin'),
    chunkNames: '[name]-[hash]',
    plugins: [nativeLoaderApart],
    // CommonJS packages (prom-client, pino) call require() for Node's builtins; ESM has none.
    // The builtin's own object, as lib/node/builtins.ts takes it, leaves Node's undici unloaded.
    banner: { js: 'const require=process.getBuiltinModule;' },
  });
  await build({ ...common, entryPoints: ['native/index.ts'], bundle: false, outfile: join(outdir, 'native/index.js') });
  writeFileSync(join(outdir, 'THIRD-PARTY-LICENSES.txt'), licences(Object.keys(metafile.inputs)));
  await controllerSnapshot(outdir, common);
}

/** outdir/controller.blob: the controller's modules evaluated (bin/controller-snapshot.ts). */
async function controllerSnapshot(outdir: string, common: Parameters<typeof build>[0]): Promise<void> {
  const script = resolve(outdir, 'controller-snapshot.cjs');
  await build({ ...common, format: 'cjs', entryPoints: ['bin/controller-snapshot.ts'], bundle: true, outfile: script, plugins: [nativeLoaderApart, lazyBuiltins] });
  // As the image runs it (NODE_ENV=production: a package that reads it at its top level reads
  // it now). Node warns that a few builtins (worker_threads, module, perf_hooks: pino's and
  // prom-client's) are "not yet fully verified" in snapshots: e2e/controller/snapshot.apiserver.test.ts
  // runs the result against a real API server, its metrics and logs included.
  try {
    execFileSync(process.execPath, ['--snapshot-blob', resolve(outdir, 'controller.blob'), '--build-snapshot', script], {
      cwd: outdir, env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'inherit', 'pipe'],
    });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`node --build-snapshot of the controller failed: ${stderr || (err as Error).message}`, { cause: err });
  } finally {
    rmSync(script, { force: true });
  }
}

/** Name, version, licence and licence text of every package a bundled input comes from. */
function licences(inputs: readonly string[]): string {
  const dirs = new Set(inputs.flatMap((i) => /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(i)?.[1] ?? []));
  return [...dirs].sort().map((dir) => {
    const pkg = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as { name: string; version: string; license?: string };
    const file = readdirSync(join(ROOT, dir)).find((f) => /^licen[cs]e/i.test(f));
    if (!file) throw new Error(`${pkg.name}: no licence file to ship with the bundle`);
    return `${pkg.name} ${pkg.version} (${pkg.license ?? 'see below'})\n\n${readFileSync(join(ROOT, dir, file), 'utf8').trim()}\n`;
  }).join(`\n${'-'.repeat(78)}\n\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outdir = process.argv[2] ?? join(ROOT, 'dist');
  await bundleShipped(outdir);
  console.log(`bundled into ${relative(process.cwd(), outdir) || '.'}`);
}
