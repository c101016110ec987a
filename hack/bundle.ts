// The JavaScript the image runs: bin/portside.ts and everything it imports (the production
// packages too) bundled by esbuild into bin/portside.js plus one chunk per lazily loaded part
// (the controller, the speaker, migrate, explain, the YAML parsers), minified, ESM, no source
// maps. One module instead of ≈ 190 per program and no comments, whitespace or long names
// kept in the heap as source text: 15–17 MB less RSS per process (docs/benchmarks.md).
// The native addon's loader stays its own file, native/index.js, so it finds the addon next
// to it as in development. The licences of the packages inside go to THIRD-PARTY-LICENSES.txt
// (the image ships no node_modules to carry them). Types are not checked here: `tsc -p
// tsconfig.json` does that.
//   node hack/bundle.ts [outdir]   (default dist/)
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    // The builtin's own object, as lib/node/http.ts takes it, leaves Node's undici unloaded.
    banner: { js: 'const require=process.getBuiltinModule;' },
  });
  await build({ ...common, entryPoints: ['native/index.ts'], bundle: false, outfile: join(outdir, 'native/index.js') });
  writeFileSync(join(outdir, 'THIRD-PARTY-LICENSES.txt'), licences(Object.keys(metafile.inputs)));
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
