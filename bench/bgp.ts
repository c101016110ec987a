// Benchmark (not a test): 10,000 prefixes from one node into an FRR ToR, Portside and then
// FRR→FRR on the same topology, by running bench/drivers/bgp-10k.ts (its own process and lab).
//   node bench/bgp.ts
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCH = fileURLToPath(new URL('./drivers/bgp-10k.ts', import.meta.url));

function runBench(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BENCH, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`bench-10k ${args.join(' ')} exited ${code}: ${out}`))));
  });
}

export async function run(): Promise<Record<string, unknown>> {
  const ours = await runBench([]);
  const frr = await runBench(['--frr']);
  const m = /in ([\d.]+) s; worker RSS ([\d.]+) MB/.exec(ours);
  const f = /in ([\d.]+) s/.exec(frr);
  const portsideS = Number(m?.[1]);
  const frrS = Number(f?.[1]);
  const result = { prefixes: 10_000, portsideSeconds: portsideS, speakerRssMb: Number(m?.[2]), frrToFrrSeconds: frrS, ratio: Number((portsideS / frrS).toFixed(2)) };
  console.log(`${ours.trim()}\n${frr.trim()}\n${JSON.stringify(result)}`);
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
