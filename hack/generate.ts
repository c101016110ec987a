// `make generate`: writes the CRD YAML, TypeScript types and zod schemas from crds/source.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderAll } from './generate/render.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = await renderAll();

// Drop CRD files of kinds that no longer exist.
for (const name of await readdir(join(root, 'crds'))) {
  if (name.endsWith('.yaml') && !files.has(`crds/${name}`)) await rm(join(root, 'crds', name));
}
for (const [path, text] of files) {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), text);
}
console.log(`generated ${files.size} files`);
