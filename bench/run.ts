// `make bench`: runs every bench/*.ts benchmark (this file aside) in turn, each in its own
// Node process, and prints what each printed plus a one-line summary. Not a test: nothing
// here passes or fails on a figure. `node bench/run.ts controller` runs only matching ones.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

const dir = new URL('.', import.meta.url).pathname;
const filters = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts') && !f.startsWith('_'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

function runOne(file: string): Promise<{ code: number | null; seconds: number }> {
  const began = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(dir, file)], { stdio: 'inherit' });
    child.once('exit', (code) => resolve({ code, seconds: (performance.now() - began) / 1000 }));
    child.once('error', () => resolve({ code: null, seconds: (performance.now() - began) / 1000 }));
  });
}

const results: string[] = [];
let failed = 0;
for (const file of benches) {
  console.log(`\n=== bench ${basename(file, '.ts')} ===`);
  const { code, seconds } = await runOne(file);
  if (code !== 0) failed++;
  results.push(`${basename(file, '.ts')}: ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${seconds.toFixed(1)} s`);
}
console.log(`\n=== summary (node ${process.version}) ===\n${results.join('\n') || 'no benchmarks matched'}`);
process.exit(failed > 0 ? 1 : 0);
