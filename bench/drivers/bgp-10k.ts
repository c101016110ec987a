// Benchmark (not a test): 10,000 host prefixes from one speaker worker into an FRR ToR.
// Prints the time from the announce command until FRR counts all of them received
// (`pfxRcd`) and the worker's RSS then; `--frr` runs FRR→FRR on the same topology.
//   node bench/drivers/bgp-10k.ts [--frr]
// The documentation ranges hold only 512 IPv4 /32s, so the 10,000 are IPv6 /128s from
// 2001:db8:1::/64 over an IPv6 session (one MP_REACH per ~230 prefixes, as /32s pack ~800).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Lab } from '../../e2e/netns/index.ts';
import { startFrr } from '../../e2e/routers/index.ts';
import type { FrrRouter } from '../../e2e/routers/index.ts';
import { waitFor } from '../../e2e/wait.ts';
import { SpeakerWorker } from '../../e2e/bgp/harness.ts';
import { FAST_DEFAULTS, NODE_ASN, TOR, torAndNodes, torPeers } from '../../e2e/bgp/topology.ts';

const COUNT = 10_000;
const FIRST = '2001:db8:1::';

async function received(frr: FrrRouter, peer: string): Promise<number> {
  const s = await frr.vtyshJson<{ peers?: Record<string, { pfxRcd?: number }> }>('show bgp ipv6 unicast summary json');
  return s.peers?.[peer]?.pfxRcd ?? 0;
}

async function bench(lab: Lab, viaFrr: boolean): Promise<void> {
  const { tor, nodes } = await torAndNodes(lab);
  const node = nodes[0]!;
  const frr = await startFrr(lab, tor, { asn: TOR.asn, routerId: TOR.v4, neighbors: [{ address: node.v6, remoteAs: NODE_ASN }] });
  if (viaFrr) {
    const prefixes = Array.from({ length: COUNT }, (_, i) => `2001:db8:1::${i.toString(16)}/128`);
    const src = await startFrr(lab, node.ns, { asn: NODE_ASN, routerId: node.v4, neighbors: [{ address: TOR.v6, remoteAs: TOR.asn }] });
    await src.waitEstablished(TOR.v6);
    await frr.waitEstablished(node.v6);
    const file = join(lab.dir, 'networks.conf');
    await writeFile(file, ['router bgp 64600', ' address-family ipv6 unicast', ...prefixes.map((p) => `  network ${p}`), ' exit-address-family', 'exit', ''].join('\n'));
    const t0 = performance.now();
    await src.applyConfig(await import('node:fs/promises').then((fs) => fs.readFile(file, 'utf8')));
    await waitFor(async () => (await received(frr, node.v6)) >= COUNT, { timeoutMs: 120_000, intervalMs: 20, what: 'FRR holds 10k' });
    console.log(`FRR→FRR: ${COUNT} prefixes in ${((performance.now() - t0) / 1000).toFixed(2)} s (from vtysh config push, which itself is part of it)`);
    return;
  }
  const worker = await SpeakerWorker.start(lab, node.ns, { node: { name: 'n1', addresses: [node.v4, node.v6] }, defaults: FAST_DEFAULTS, peers: torPeers().slice(1) });
  await worker.waitUp('tor6');
  await frr.waitEstablished(node.v6);
  const rssBefore = worker.rssKb();
  const t0 = performance.now();
  worker.send({ op: 'bulk', peer: 'tor6', first: FIRST, count: COUNT });
  await waitFor(async () => (await received(frr, node.v6)) >= COUNT, { timeoutMs: 120_000, intervalMs: 20, what: 'FRR holds 10k' });
  const seconds = (performance.now() - t0) / 1000;
  console.log(`Portside→FRR: ${COUNT} prefixes in ${seconds.toFixed(2)} s; worker RSS ${(worker.rssKb() / 1024).toFixed(1)} MB (before ${(rssBefore / 1024).toFixed(1)} MB)`);
}

const lab = await Lab.create({ prefix: 'bench10k' });
try {
  await bench(lab, process.argv.includes('--frr'));
} finally {
  await lab.destroy();
}
