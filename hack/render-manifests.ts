// `node hack/render-manifests.ts`: writes the CRD copies under config/ and the single-file
// installs in config/manifests/ with the real kustomize (see hack/render/generated.ts; the
// first run on a machine builds it, hack/tools/build.sh). `--check`: write nothing, list
// stale files and exit 1 if there are any.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ROOT, renderGenerated, staleFiles } from './render/generated.ts';

const check = process.argv.includes('--check');
const files = await renderGenerated();
const stale = await staleFiles(ROOT, files);
if (check) {
  for (const s of stale) console.error(`${s.path}: ${s.why}`);
  if (stale.length > 0) console.error('generated manifests are stale: run `node hack/render-manifests.ts`');
  process.exit(stale.length > 0 ? 1 : 0);
}
for (const s of stale.filter((x) => x.why === 'extra')) await rm(join(ROOT, s.path));
for (const [path, text] of files) {
  await mkdir(dirname(join(ROOT, path)), { recursive: true });
  await writeFile(join(ROOT, path), text);
}
console.log(`rendered ${files.size} files (${stale.length} changed)`);
