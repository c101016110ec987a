// Lab topologies the speaker interop tests share: a "tor" router namespace and speaker
// node namespaces on one bridge, documentation addresses and private ASNs only.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bridge, Lab, Netns } from '../netns/index.ts';
import { startFrr } from '../routers/index.ts';
import type { FrrRouter } from '../routers/index.ts';
import type { PeerSpec } from './worker-protocol.ts';

export const LAN4 = '198.51.100.0/24';
export const LAN6 = '2001:db8:100::/64';
export const TOR = { v4: '198.51.100.1', v6: '2001:db8:100::1', asn: 64512 } as const;
export const NODE_ASN = 64600;
/** Our standard communities on every test route. */
export const COMMUNITY = '64600:100';
export const LARGE_COMMUNITY = '64600:1:2';

/** Fast timers so a lab reconnects in about a second. */
export const FAST = { connectTimeS: 1, holdTimeS: 9, keepaliveS: 3 } as const;
export const FAST_DEFAULTS = { connectTime: 1, maxBackoff: 2 } as const;

export interface NodeNs {
  ns: Netns;
  v4: string;
  v6: string;
}

export interface Topology {
  lan: Bridge;
  tor: Netns;
  nodes: NodeNs[];
}

/** `tor` at .1 and `count` nodes at .10, .11, … (IPv4 and IPv6) on one bridge. */
export async function torAndNodes(lab: Lab, count = 1, extraV4: readonly string[] = []): Promise<Topology> {
  const lan = await lab.bridge('lan');
  const tor = await lab.namespace('tor', { forwarding: true });
  await lab.link(tor, lan, { ifname: 'eth0', addrs: [`${TOR.v4}/24`, `${TOR.v6}/64`] });
  const nodes: NodeNs[] = [];
  for (let i = 0; i < count; i++) {
    const v4 = `198.51.100.${10 + i}`;
    const v6 = `2001:db8:100::${10 + i}`;
    const ns = await lab.namespace(`n${i + 1}`);
    const extra = i === 0 ? extraV4.map((a) => `${a}/24`) : [];
    await lab.link(ns, lan, { ifname: 'eth0', addrs: [`${v4}/24`, ...extra, `${v6}/64`] });
    nodes.push({ ns, v4, v6 });
  }
  return { lan, tor, nodes };
}

/** Our eBGP peers towards the tor: one IPv4 and one IPv6 session. */
export function torPeers(overrides: Partial<PeerSpec> = {}): PeerSpec[] {
  const base = { myASN: NODE_ASN, peerASN: TOR.asn, ...FAST, ...overrides };
  return [
    { name: 'tor4', peerAddress: TOR.v4, ...base },
    { name: 'tor6', peerAddress: TOR.v6, ...base },
  ];
}

export function hostRoute(prefix: string, extra: { localPref?: number } = {}) {
  return { prefix, communities: [COMMUNITY], largeCommunities: [LARGE_COMMUNITY], ...extra };
}

/**
 * Stops FRR and starts it again with the same options. The stopped daemons leave their vty
 * sockets and zserv.api behind, and startFrr takes those for "ready": remove them first.
 */
export async function restartFrr(lab: Lab, frr: FrrRouter): Promise<FrrRouter> {
  await frr.stop();
  for (const f of await readdir(frr.runDir)) {
    if (f.endsWith('.vty') || f === 'zserv.api' || f.endsWith('.pid')) await rm(join(frr.runDir, f), { force: true });
  }
  return startFrr(lab, frr.ns, frr.options);
}
