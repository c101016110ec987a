// Pure: the node's FRR neighbours as Portside's peers (host-frr backend). Each BGPPeer this
// node selects is matched to the FRR neighbour of the same address (or, for an unnumbered
// peer, the same interface name) in `show bgp neighbors json`; its bgpState, BFD state and
// prefix counts become the peer's BGPSessionState and metrics, as the native backend writes
// them. A BGPPeer with no such neighbour is reported as a configuration problem, not guessed.
import type { BgpPeer } from '../../lib/config/index.ts';
import { formatIp } from '../../lib/ip/index.ts';
import type { PeerSessionView } from '../status/desired.ts';

export interface FrrPeerSession extends PeerSessionView {
  /** FRR's counts for this neighbour, summed over its address families. */
  prefixesSent: number;
  established: boolean;
}

export type ParseNeighbors = { ok: true; neighbors: ReadonlyMap<string, FrrNeighborFacts> } | { ok: false; error: string };

export interface FrrNeighborFacts {
  state: string;
  lastError?: string;
  bfdState?: string;
  prefixesSent: number;
}

const STATES = new Set(['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established', 'Clearing', 'Deleted']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses `show bgp neighbors json` (already JSON.parse'd text); a shape FRR does not print is an error. */
export function parseNeighbors(text: string): ParseNeighbors {
  let json: unknown;
  try {
    json = JSON.parse(text === '' ? '{}' : text);
  } catch (err) {
    return { ok: false, error: `FRR "show bgp neighbors json": not JSON (${(err as Error).message})` };
  }
  if (!isObject(json)) return { ok: false, error: 'FRR "show bgp neighbors json": not a JSON object' };
  const out = new Map<string, FrrNeighborFacts>();
  for (const [key, value] of Object.entries(json)) {
    // FRR adds a few non-neighbour keys in some versions (e.g. "vrfName"); neighbours are objects with bgpState.
    if (!isObject(value) || value.bgpState === undefined) continue;
    if (typeof value.bgpState !== 'string' || !STATES.has(value.bgpState)) {
      return { ok: false, error: `FRR "show bgp neighbors json": neighbour ${key} has bgpState ${JSON.stringify(value.bgpState)}` };
    }
    const bfd = isObject(value.peerBfdInfo) && typeof value.peerBfdInfo.status === 'string' ? value.peerBfdInfo.status : undefined;
    const reset = typeof value.lastResetDueTo === 'string' ? value.lastResetDueTo : undefined;
    let sent = 0;
    if (isObject(value.addressFamilyInfo)) {
      for (const af of Object.values(value.addressFamilyInfo)) {
        if (isObject(af) && typeof af.sentPrefixCounter === 'number') sent += af.sentPrefixCounter;
      }
    }
    out.set(key, { state: value.bgpState, prefixesSent: sent, ...(reset ? { lastError: reset } : {}), ...(bfd ? { bfdState: bfd } : {}) });
  }
  return { ok: true, neighbors: out };
}

/** FRR's BFD status words → the BFD state names the native backend reports. */
function bfdStateName(status: string): string {
  const s = status.toLowerCase();
  return s === 'up' ? 'Up' : s === 'down' ? 'Down' : s === 'init' ? 'Init' : s === 'admindown' || s === 'admin-down' ? 'AdminDown' : status;
}

/** One view per BGPPeer of this node, matched to FRR's neighbours by address or interface. */
export function frrPeerSessions(peers: readonly BgpPeer[], neighbors: ReadonlyMap<string, FrrNeighborFacts>): FrrPeerSession[] {
  return peers.map((p) => {
    const key = p.peerAddress ? formatIp(p.peerAddress) : p.interface ?? '';
    const n = neighbors.get(key);
    if (!n) {
      return {
        name: p.name, peerAddress: key, state: 'Idle', prefixesSent: 0, established: false,
        configError: `the node's FRR has no neighbor ${key || '(no address)'} in its default VRF: add it to the FRR configuration, or select this BGPPeer for other nodes`,
      };
    }
    return {
      name: p.name, peerAddress: key, state: n.state, prefixesSent: n.prefixesSent, established: n.state === 'Established',
      ...(n.state !== 'Established' && n.lastError ? { lastError: n.lastError } : {}),
      ...(p.bfdProfile ? { bfd: { state: n.bfdState ? bfdStateName(n.bfdState) : 'NoSession' } } : {}),
    };
  });
}
