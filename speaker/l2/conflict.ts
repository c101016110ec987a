// What a speaker does when another MAC claims an IP it announces (a gratuitous ARP or an
// unsolicited NA seen on the segment). Liveness can be asymmetric — heartbeats lost while
// ARP still crosses — so two nodes may both believe they own an IP. The rule settles it
// on the wire without a new view: the lower-ranked claimant yields, the higher reasserts.
import { rankCandidates, type OwnerCandidate } from './ownership.ts';

export const ClaimOutcome = {
  /** The claimant ranks above us: stop answering for the IP until our view changes. */
  Yield: 'yield',
  /** We rank above the claimant, or it is not a speaker at all: announce again. */
  Reassert: 'reassert',
} as const;
export type ClaimOutcome = (typeof ClaimOutcome)[keyof typeof ClaimOutcome];

export interface ClaimSeen {
  ip: string;
  /** This speaker's node name. */
  self: string;
  /** Node behind the claiming MAC (from peers' heartbeats), undefined if no speaker has it. */
  claimant: string | undefined;
  /** Every node eligible for the IP, live or not in our view: the claim proves its sender alive. */
  candidates: readonly OwnerCandidate[];
}

/**
 * Yield only to a known speaker that is a candidate and ranks above us by the same rule
 * ownership uses; a stranger (unknown MAC) never makes us yield, or anyone could
 * steal an IP with one packet.
 */
export function resolveClaim({ ip, self, claimant, candidates }: ClaimSeen): ClaimOutcome {
  if (claimant === undefined || claimant === self) return ClaimOutcome.Reassert;
  const order = rankCandidates(ip, candidates).map((c) => c.node);
  const theirs = order.indexOf(claimant);
  if (theirs < 0) return ClaimOutcome.Reassert;
  const ours = order.indexOf(self);
  return ours < 0 || theirs < ours ? ClaimOutcome.Yield : ClaimOutcome.Reassert;
}

/** Reverse lookup MAC → node from what each peer advertises in its heartbeats. */
export function nodeByMac(links: ReadonlyMap<string, readonly { mac: string }[]>, mac: string): string | undefined {
  const wanted = mac.toLowerCase();
  for (const [node, list] of links) if (list.some((l) => l.mac.toLowerCase() === wanted)) return node;
  return undefined;
}
