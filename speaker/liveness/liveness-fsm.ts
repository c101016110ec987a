// Pure liveness of watched peers: (state, heartbeat | tick, now) → (state, transitions).
// A peer is dead after `timeoutMs` without a valid heartbeat; a peer never heard of
// becomes alive on its first valid heartbeat, a dead one only after `riseCount` in a row
// (flap damping). Replays are refused by incarnation, sequence number and timestamp window.
// A peer says when it is still starting (not ready: no candidate for its IPs yet) and when it
// leaves (SIGTERM): a leaving peer is dead at once, without waiting for the timeout.
import type { Heartbeat, HeartbeatLink } from './heartbeat.ts';

export interface LivenessConfig {
  timeoutMs: number;
  riseCount: number;
  /** Heartbeats whose sentAt differs from our clock by more are refused (replay window). */
  maxClockSkewMs: number;
}

// 300 ms: a failover (detect + gratuitous ARP + the client's next try) stays under 0.5 s
// at p99; with heartbeats every 75 ms, four in a row must be lost for a false death.
export const DEFAULT_LIVENESS: LivenessConfig = { timeoutMs: 300, riseCount: 3, maxClockSkewMs: 5_000 };

/** Heartbeat interval that goes with DEFAULT_LIVENESS: a quarter of the timeout. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 75;

export type PeerStatus = 'unknown' | 'alive' | 'dead';

export interface PeerLiveness {
  readonly status: PeerStatus;
  readonly incarnation?: string;
  readonly seq: number;
  /** sentAt of the newest accepted heartbeat (sender's clock). */
  readonly sentAt: number;
  /** When we accepted it (our clock). */
  readonly heardAt: number;
  /** Valid heartbeats in a row, each within timeoutMs of the one before. */
  readonly streak: number;
  readonly links: readonly HeartbeatLink[];
  /** IPs its newest complete claims set says it answers (undefined: an older speaker that does not say). */
  readonly claims?: readonly string[];
  /** The version of `claims` when it came in parts (its parts seen again change nothing). */
  readonly claimsVersion?: string;
  /** A claims set arriving in parts, not complete yet. */
  readonly claimParts?: ClaimParts;
  /** False while its heartbeats say it is starting (it answers nothing yet; older speakers never say). */
  readonly ready: boolean;
  /** Its last heartbeat said it is leaving: dead, and not a peer lost to a partition. */
  readonly left?: boolean;
}

export interface ClaimParts {
  readonly version: string;
  readonly count: number;
  readonly parts: ReadonlyMap<number, readonly string[]>;
  /** Every IP of every part heard since the last complete set, whatever its version: claimed until a complete set says otherwise. */
  readonly seen: ReadonlySet<string>;
}

export type LivenessState = ReadonlyMap<string, PeerLiveness>;

export interface Transition {
  node: string;
  to: 'alive' | 'dead';
  /** A death the peer announced (a leaving heartbeat), not a timeout. */
  left?: boolean;
}

export type HeartbeatRejection = 'unknown-node' | 'stale-timestamp' | 'replayed' | 'old-incarnation';

export interface Step {
  state: LivenessState;
  transitions: Transition[];
  rejected?: HeartbeatRejection;
}

const fresh: PeerLiveness = { status: 'unknown', seq: -1, sentAt: -Infinity, heardAt: -Infinity, streak: 0, links: [], ready: false };

/** Watches exactly `nodes`: new ones start unknown, others keep their state, the rest are forgotten. */
export function watchPeers(state: LivenessState, nodes: Iterable<string>): LivenessState {
  const next = new Map<string, PeerLiveness>();
  for (const node of nodes) next.set(node, state.get(node) ?? fresh);
  return next;
}

function check(peer: PeerLiveness, hb: Heartbeat, now: number, cfg: LivenessConfig): HeartbeatRejection | undefined {
  if (Math.abs(now - hb.sentAt) > cfg.maxClockSkewMs) return 'stale-timestamp';
  if (peer.incarnation === undefined) return undefined;
  if (hb.incarnation === peer.incarnation) return hb.seq > peer.seq ? undefined : 'replayed';
  // A restart brings a new incarnation; an old one replayed within the window is older.
  return hb.sentAt > peer.sentAt ? undefined : 'old-incarnation';
}

export function onHeartbeat(state: LivenessState, hb: Heartbeat, now: number, cfg: LivenessConfig = DEFAULT_LIVENESS): Step {
  const peer = state.get(hb.node);
  if (!peer) return { state, transitions: [], rejected: 'unknown-node' };
  const rejected = check(peer, hb, now, cfg);
  if (rejected) return { state, transitions: [], rejected };
  const next = new Map(state);
  const known = { incarnation: hb.incarnation, seq: hb.seq, sentAt: hb.sentAt, heardAt: now, links: hb.links };
  if (hb.phase === 'leaving') {
    // It stopped answering before it said so: dead now, claiming nothing.
    next.set(hb.node, { ...known, status: peer.status === 'unknown' ? 'unknown' : 'dead', streak: 0, claims: [], ready: false, left: true });
    return { state: next, transitions: peer.status === 'alive' ? [{ node: hb.node, to: 'dead', left: true }] : [] };
  }
  const streak = now - peer.heardAt <= cfg.timeoutMs && !peer.left ? peer.streak + 1 : 1;
  const rises = peer.status === 'unknown' || (peer.status === 'dead' && streak >= cfg.riseCount);
  const status: PeerStatus = rises ? 'alive' : peer.status;
  next.set(hb.node, { ...known, status, streak, ready: hb.phase !== 'starting', ...nextClaims(hb.incarnation === peer.incarnation ? peer : fresh, hb) });
  return { state: next, transitions: status !== peer.status ? [{ node: hb.node, to: 'alive' }] : [] };
}

/**
 * The claims a peer's state holds after this heartbeat. A whole set replaces what was known.
 * A part is kept until every part of its version arrived (then the set replaces what was
 * known); meanwhile the IPs of every part seen count as claimed on top of the last whole
 * set, so an IP is never taken from a peer on the word of a set we only half know.
 */
function nextClaims(peer: PeerLiveness, hb: Heartbeat): Pick<PeerLiveness, 'claims' | 'claimsVersion' | 'claimParts'> {
  if (!hb.claims) return {};
  const part = hb.claimsPart;
  if (!part) return { claims: hb.claims };
  const known = { ...(peer.claims ? { claims: peer.claims } : {}), ...(peer.claimsVersion ? { claimsVersion: peer.claimsVersion } : {}) };
  if (part.version === peer.claimsVersion) return { ...known, ...(peer.claimParts ? { claimParts: peer.claimParts } : {}) };
  const before = peer.claimParts;
  const parts = new Map(before?.version === part.version && before.count === part.count ? before.parts : []);
  parts.set(part.index, hb.claims);
  if (parts.size === part.count) {
    const whole = [...parts].sort(([a], [b]) => a - b).flatMap(([, ips]) => ips);
    return { claims: whole, claimsVersion: part.version };
  }
  const seen = new Set([...(before?.seen ?? []), ...hb.claims]);
  return { ...known, claimParts: { version: part.version, count: part.count, parts, seen } };
}

/** What a peer answers as far as we know: its last whole claims set and every part heard since. */
export function claimsOf(peer: PeerLiveness): readonly string[] | undefined {
  if (!peer.claimParts) return peer.claims;
  return [...new Set([...(peer.claims ?? []), ...peer.claimParts.seen])].sort();
}

/** Marks alive peers silent for longer than timeoutMs dead. */
export function onTick(state: LivenessState, now: number, cfg: LivenessConfig = DEFAULT_LIVENESS): Step {
  let next: Map<string, PeerLiveness> | undefined;
  const transitions: Transition[] = [];
  for (const [node, peer] of state) {
    if (peer.status !== 'alive' || now - peer.heardAt <= cfg.timeoutMs) continue;
    next ??= new Map(state);
    next.set(node, { ...peer, status: 'dead', streak: 0 });
    transitions.push({ node, to: 'dead' });
  }
  return { state: next ?? state, transitions };
}

export function liveNodes(state: LivenessState): Set<string> {
  return new Set([...state].filter(([, p]) => p.status === 'alive').map(([node]) => node));
}

/** Alive peers that say they are ready: the ones IPs may be handed to. */
export function readyNodes(state: LivenessState): Set<string> {
  return new Set([...state].filter(([, p]) => p.status === 'alive' && p.ready).map(([node]) => node));
}

/** Peers whose last word was that they are leaving. */
export function leftNodes(state: LivenessState): Set<string> {
  return new Set([...state].filter(([, p]) => p.left === true).map(([node]) => node));
}

/**
 * Peers whose claims count: an alive one until the liveness check declares it dead, and a
 * dead one heard within the timeout (rising again: its claims are fresh and authenticated);
 * not a silent dead one, nor one that left. An alive peer past its deadline by the clock is
 * still heard: when our own process stalls, its heartbeats wait unread in the socket, and
 * only the check (run after the loop has read them) may say it fell silent. Taking its IPs
 * on the clock alone, before reading, would answer them beside it.
 */
export function heardPeers(state: LivenessState, now: number, cfg: LivenessConfig = DEFAULT_LIVENESS): Set<string> {
  return new Set([...state].filter(([, p]) => !p.left && (p.status === 'alive' || (p.status === 'dead' && now - p.heardAt <= cfg.timeoutMs))).map(([node]) => node));
}

/**
 * Heard peers of which we know only parts of a claims set, never a whole one (a new
 * incarnation, or us just started, heard mid-burst): they may answer IPs we have not seen
 * listed yet, so nothing new may be taken while they are here.
 */
export function partlyKnownPeers(state: LivenessState, now: number, cfg: LivenessConfig = DEFAULT_LIVENESS): Set<string> {
  return new Set([...heardPeers(state, now, cfg)].filter((node) => {
    const peer = state.get(node);
    return peer?.claims === undefined && peer?.claimParts !== undefined;
  }));
}

/** The claims of the peers heard within the timeout: node → IPs it answers. */
export function freshClaims(state: LivenessState, now: number, cfg: LivenessConfig = DEFAULT_LIVENESS): Map<string, ReadonlySet<string>> {
  const out = new Map<string, ReadonlySet<string>>();
  for (const node of heardPeers(state, now, cfg)) {
    const peer = state.get(node);
    out.set(node, new Set(peer ? (claimsOf(peer) ?? []) : []));
  }
  return out;
}

/** When the next alive peer would time out, for a precise timer (undefined: none alive). */
export function nextDeadline(state: LivenessState, cfg: LivenessConfig = DEFAULT_LIVENESS): number | undefined {
  let soonest: number | undefined;
  for (const peer of state.values()) {
    if (peer.status !== 'alive') continue;
    const at = peer.heardAt + cfg.timeoutMs + 1;
    soonest = soonest === undefined ? at : Math.min(soonest, at);
  }
  return soonest;
}
