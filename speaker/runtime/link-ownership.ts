// Per-interface liveness over the plan: the planner ranks live candidates; here a node
// whose heartbeat (self: its responders) marks all of an IP's interfaces down is dropped,
// so the next node takes the IP at once instead of after a liveness timeout.
import { liveOnInterfaces, type LinksOf } from '../l2/link-state.ts';
import { ownedIPs, ownerOf, type AnnouncedIp } from '../l2/ownership.ts';
import { SkipReason, type L2Plan, type NodePlan, type SkippedService } from '../planner/index.ts';

/** What ownership takes for a plan entry: its candidates and interfaces (the plan's [] is "all"). */
export function announcedIp(p: L2Plan): AnnouncedIp {
  return { ip: p.ip, candidates: p.candidates, interfaces: p.interfaces.length === 0 ? 'all' : p.interfaces };
}

/**
 * The plan with L2 owners chosen among nodes that can announce on each IP's interfaces.
 * Without a mesh (`liveNodes` undefined) nothing is known about peers: the plan is kept.
 */
export function withLinkState(plan: NodePlan, self: string, liveNodes: ReadonlySet<string> | undefined, linksOf: LinksOf | undefined): NodePlan {
  if (!liveNodes || !linksOf) return plan;
  const owned = new Set(ownedIPs(self, plan.l2.map(announcedIp), liveNodes, linksOf));
  const l2 = plan.l2.map((p): L2Plan => {
    if (owned.has(p.ip)) return { ...p, owner: self };
    const up = liveOnInterfaces(self, liveNodes, announcedIp(p).interfaces, linksOf);
    return { ...p, owner: ownerOf(p.ip, p.candidates.filter((c) => c.node !== self && up.has(c.node))) };
  });
  const lost = plan.l2Owned.filter((p) => !owned.has(p.ip));
  const skipped: SkippedService[] = [
    ...plan.skipped.filter((s) => !(s.protocol === 'l2' && s.reason === SkipReason.NotOwner && s.ip !== undefined && owned.has(s.ip))),
    ...lost.flatMap((p) => p.services.map((service) => ({ service, ip: p.ip, protocol: 'l2' as const, reason: SkipReason.NotOwner }))),
  ];
  return { ...plan, l2, l2Owned: l2.filter((p) => p.owner === self), skipped };
}
