// Per-interface liveness, pure: a speaker's heartbeat lists the interfaces it announces on
// and marks the ones that are down. A live node whose announcing interface is down is no
// candidate for the IPs announced there, so its peers take them over at once (no timeout).
import type { HeartbeatLink } from '../liveness/heartbeat.ts';

/** Interfaces an IP is announced on: names from its L2Advertisement, or every usable one. */
export type AnnounceInterfaces = readonly string[] | 'all';

/**
 * Whether a node whose heartbeat says `links` can announce on `interfaces`. A node that
 * says nothing about them (an older speaker, or no responder yet) keeps liveness-only
 * behaviour; one that lists them all as down cannot.
 */
export function canAnnounceOn(links: readonly HeartbeatLink[] | undefined, interfaces: AnnounceInterfaces | undefined): boolean {
  if (!links || links.length === 0) return true;
  const relevant = interfaces === undefined || interfaces === 'all' || interfaces.length === 0 ? links : links.filter((l) => interfaces.includes(l.name));
  return relevant.length === 0 || relevant.some((l) => l.up !== false);
}

/** Links a node reports, by node: peers from their heartbeats (LivenessMesh.peerLinks), self from its responder. */
export type LinksOf = (node: string) => readonly HeartbeatLink[] | undefined;

/** Nodes of `live` (plus self) that can announce on `interfaces`. */
export function liveOnInterfaces(self: string, live: ReadonlySet<string>, interfaces: AnnounceInterfaces | undefined, linksOf: LinksOf): Set<string> {
  const out = new Set<string>();
  for (const node of [self, ...live]) if (canAnnounceOn(linksOf(node), interfaces)) out.add(node);
  return out;
}
