// Benchmark (not a test): link down → FRR's kernel ECMP route loses the next hop, with BFD
// between FRR bfdd and Portside at 300 ms × 3 and 100 ms × 3. Three speaker nodes on a
// switch; each trial sets one node's switch port down, polls the ToR's kernel route, then
// brings the port back and waits for the 3-way route again. BENCH_BFD_TRIALS (default 20).
//   node bench/bfd.ts
import { envWholeNumber, numberOrExit } from '../lib/cli/numbers.ts';
import { fileURLToPath } from 'node:url';
import { Lab } from '../e2e/netns/index.ts';
import { resilienceLab, startSpeaker, torPeer, VIP_PREFIX } from '../e2e/resilience/lab.ts';

const TRIALS = numberOrExit(envWholeNumber(process.env, 'BENCH_BFD_TRIALS', 20, { min: 1 }), 'bench bfd');
const PROFILES = [300, 100].map((ms) => ({ receiveIntervalMs: ms, transmitIntervalMs: ms, detectMultiplier: 3 }));

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

async function trials(profile: (typeof PROFILES)[number]): Promise<Record<string, number>> {
  const lab = await Lab.create({ prefix: 'benchbfd' });
  try {
    const r = await resilienceLab(lab, { nodes: 3, bfd: profile });
    const peer = torPeer({ bfd: { name: 'fast', ...profile } });
    await Promise.all(r.nodes.map((n) => startSpeaker(r, n, peer)));
    const all = r.nodes.map((n) => n.v4);
    await r.frr.waitKernelRoute(VIP_PREFIX, all);
    for (const n of r.nodes) await r.frr.waitBfd(n.v4, 'up');
    const ms: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const node = r.nodes[i % r.nodes.length]!;
      const t0 = performance.now();
      await node.link.setDown();
      await r.frr.waitKernelRoute(VIP_PREFIX, all.filter((a) => a !== node.v4), { timeoutMs: 10_000, intervalMs: 2 });
      ms.push(performance.now() - t0);
      await node.link.setUp();
      await r.frr.waitKernelRoute(VIP_PREFIX, all, { timeoutMs: 30_000 });
      await r.frr.waitBfd(node.v4, 'up');
    }
    const sorted = [...ms].sort((a, b) => a - b);
    const round = (x: number) => Math.round(x);
    return { trials: ms.length, minMs: round(sorted[0] ?? NaN), p50Ms: round(quantile(sorted, 0.5)), p90Ms: round(quantile(sorted, 0.9)), p99Ms: round(quantile(sorted, 0.99)), maxMs: round(sorted.at(-1) ?? NaN) };
  } finally {
    await lab.destroy();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const p of PROFILES) {
    const key = `bfd${p.transmitIntervalMs}x${p.detectMultiplier}`;
    out[key] = await trials(p);
    console.log(`${key}: link down → next hop gone ${JSON.stringify(out[key])}`);
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.getuid?.() !== 0) {
    console.error('bench/bfd.ts needs root (network namespaces)');
    process.exit(1);
  }
  await run();
}
