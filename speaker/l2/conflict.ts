// Which of the IPs our view says we own we may answer right now, given what the peers we
// hear say they answer. Views can disagree for a moment (a partition heals, heartbeats
// were lost, a peer is rising again), and two speakers answering one IP is the one thing
// layer 2 must never show. Claims come only from authenticated heartbeats (the liveness
// mesh): a MAC in an ARP or NDP frame proves nothing, so no frame ever makes us yield.
import { rankCandidates, type OwnerCandidate } from './ownership.ts';

/** Node → the IPs its newest authenticated heartbeat says it answers; peers heard within the timeout only. */
export type PeerClaims = ReadonlyMap<string, ReadonlySet<string>>;

export interface SettleInput {
  self: string;
  /** The IPs our view (live set, ranking, links) makes us owner of. */
  owned: readonly string[];
  /** The IPs we answer now. */
  answering: ReadonlySet<string>;
  claims: PeerClaims;
  candidatesOf: (ip: string) => readonly OwnerCandidate[];
}

export interface Settled {
  /** Owned IPs to answer. */
  answer: string[];
  /** Answered IPs a higher-ranked peer also answers: we stop, it keeps them. */
  yielded: { ip: string; to: string }[];
  /** Newly owned IPs a peer still answers: taken once it lets go (its next heartbeat). */
  waiting: { ip: string; on: string[] }[];
}

/**
 * The handover rule. An IP nobody else claims is answered. An IP we already answer is kept
 * unless a claimant ranks above us (then we yield: the claimant keeps it, and it did not
 * yield to us because it ranks higher). An IP we do not answer yet is never taken while a
 * peer still claims it, whatever the ranks: the peer stops first and says so in its next
 * heartbeat (sent at once on a change), so there is no instant with two answers.
 */
export function settleClaims({ self, owned, answering, claims, candidatesOf }: SettleInput): Settled {
  const out: Settled = { answer: [], yielded: [], waiting: [] };
  for (const ip of owned) {
    const claimants = [...claims].filter(([node, ips]) => node !== self && ips.has(ip)).map(([node]) => node);
    if (claimants.length === 0) {
      out.answer.push(ip);
      continue;
    }
    if (!answering.has(ip)) {
      out.waiting.push({ ip, on: claimants });
      continue;
    }
    const above = claimants.find((node) => outranks(ip, node, self, candidatesOf(ip)));
    if (above === undefined) out.answer.push(ip);
    else out.yielded.push({ ip, to: above });
  }
  return out;
}

/**
 * Whether `a` ranks above `b` for the IP, by the ownership rank. A node missing from our
 * candidate list (the views differ) ranks by hash at weight 0, the same on both sides.
 */
export function outranks(ip: string, a: string, b: string, candidates: readonly OwnerCandidate[]): boolean {
  const order = rankCandidates(ip, [...candidates, { node: a, weight: 0 }, { node: b, weight: 0 }]).map((c) => c.node);
  return order.indexOf(a) < order.indexOf(b);
}
