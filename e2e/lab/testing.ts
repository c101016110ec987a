// Test helpers for the lab e2e files: bring the lab up once per file (or skip loudly),
// and small polls over its router and status objects.
import type { TestContext } from 'node:test';
import { requireCommands, requireRoot } from '../netns/index.ts';
import { waitFor } from '../wait.ts';
import { controlPlaneSkipped } from './builder.ts';
import type { LabBgpBackend } from './backends.ts';
import { startPortsideLab, type PortsideLab } from './lab.ts';
import { NODES } from './plan.ts';

export const LAB_COMMANDS = ['nft', 'vtysh', '/usr/lib/frr/zebra', '/usr/lib/frr/bgpd', '/usr/lib/frr/bfdd'] as const;

/** The lab for this test (destroyed after it), or undefined when skipped. */
export async function labOrSkip(t: TestContext, bgpBackend: LabBgpBackend = 'native'): Promise<PortsideLab | undefined> {
  if (!requireRoot(t) || !requireCommands(t, LAB_COMMANDS)) return undefined;
  const began = Date.now();
  try {
    // Another lab e2e file may hold the lab (it owns 198.51.100.1): wait for it.
    const lab = await startPortsideLab({ kind: 'test', waitLockMs: 240_000, bgpBackend, say: (l) => t.diagnostic(l.trim()) });
    t.after(() => lab.destroy());
    t.diagnostic(`lab up in ${Date.now() - began} ms`);
    return lab;
  } catch (err) {
    if (controlPlaneSkipped(t, err)) return undefined;
    throw err;
  }
}

export const nodeIp = (name: string): string => NODES.find((n) => n.name === name)?.v4 ?? `no node ${name}`;
export const nodeName = (ip: string): string => NODES.find((n) => n.v4 === ip)?.name ?? ip;

/** Waits until FRR's kernel route for `ip`/32 goes via exactly these nodes. */
export function waitRouteVia(lab: PortsideLab, ip: string, nodes: readonly string[], timeoutMs = 20_000): Promise<string[]> {
  return lab.net.frr.waitKernelRoute(`${ip}/32`, nodes.map(nodeIp), { timeoutMs });
}

/** Every speaker's BGP session with the ToR is Established. */
export function waitSessions(lab: PortsideLab, timeoutMs = 30_000): Promise<true> {
  return waitFor(async () => {
    const peers = await lab.net.frr.bgpNeighbors();
    return NODES.every((n) => peers[n.v4]?.bgpState === 'Established') || undefined;
  }, { timeoutMs, what: 'every speaker Established with the ToR' });
}
