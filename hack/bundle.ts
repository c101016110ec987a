// The JavaScript the image runs: bin/portside.ts and everything it imports (the production
// packages too) bundled by esbuild into bin/portside.js plus one chunk per lazily loaded part
// (the controller, the speaker, migrate, explain, the YAML parsers), minified, ESM, no source
// maps. One module instead of ≈ 190 per program and no comments, whitespace or long names
// kept in the heap as source text: 15–17 MB less RSS per process (docs/benchmarks.md).
// The native addon's loader stays its own file, native/index.js, so it finds the addon next
// to it as in development. Types are not checked here: `tsc -p tsconfig.json` does that.
//   node hack/bundle.ts [outdir]   (default dist/)
import { rmSync } from 'node:fs';
import { join, relative } from 'node:path';
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

export async function bundleShipped(outdir: string): Promise<void> {
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
  await build({
    ...common,
    entryPoints: ['bin/portside.ts'],
    bundle: true,
    splitting: true,
    outdir: join(outdir, 'bin'),
    chunkNames: '[name]-[hash]',
    plugins: [nativeLoaderApart],
    // CommonJS packages (prom-client, pino) call require() for Node's builtins; ESM has none.
    // process.getBuiltinModule also keeps an ESM import of node:http from loading undici.
    banner: { js: 'const require=process.getBuiltinModule;' },
  });
  await build({ ...common, entryPoints: ['native/index.ts'], bundle: false, outfile: join(outdir, 'native/index.js') });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outdir = process.argv[2] ?? join(ROOT, 'dist');
  await bundleShipped(outdir);
  console.log(`bundled into ${relative(process.cwd(), outdir) || '.'}`);
}
