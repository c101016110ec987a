// Pure: FRR's neighbours as Portside's peers (host-frr and frr backends). Each BGPPeer this
// node selects is matched to the FRR neighbour of the same address (or, for an unnumbered
// peer, the same interface name) in `show bgp [vrf all] neighbors json`; its bgpState, BFD
// state and prefix counts become the peer's BGPSessionState and metrics, as the native
// backend writes them. A BGPPeer with no such neighbour is reported, not guessed.
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
  /** As FRR's configuration has them (host-frr compares them with the BGPPeer's). */
  localAs?: number;
  remoteAs?: number;
  configuredHoldMs?: number;
  configuredKeepaliveMs?: number;
}

const STATES = new Set(['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established', 'Clearing', 'Deleted']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(text: string, command: string): { ok: true; json: Record<string, unknown> } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text === '' ? '{}' : text);
  } catch (err) {
    return { ok: false, error: `FRR "${command}": not JSON (${(err as Error).message})` };
  }
  return isObject(json) ? { ok: true, json } : { ok: false, error: `FRR "${command}": not a JSON object` };
}

/** The neighbours of one BGP instance (FRR adds a few non-neighbour keys, e.g. "vrfName"; neighbours are objects with bgpState). */
function neighborsOf(json: Record<string, unknown>, command: string): ParseNeighbors {
  const out = new Map<string, FrrNeighborFacts>();
  for (const [key, value] of Object.entries(json)) {
    if (!isObject(value) || value.bgpState === undefined) continue;
    if (typeof value.bgpState !== 'string' || !STATES.has(value.bgpState)) {
      return { ok: false, error: `FRR "${command}": neighbour ${key} has bgpState ${JSON.stringify(value.bgpState)}` };
    }
    const bfd = isObject(value.peerBfdInfo) && typeof value.peerBfdInfo.status === 'string' ? value.peerBfdInfo.status : undefined;
    const reset = typeof value.lastResetDueTo === 'string' ? value.lastResetDueTo : undefined;
    let sent = 0;
    if (isObject(value.addressFamilyInfo)) {
      for (const af of Object.values(value.addressFamilyInfo)) {
        if (isObject(af) && typeof af.sentPrefixCounter === 'number') sent += af.sentPrefixCounter;
      }
    }
    const facts: FrrNeighborFacts = { state: value.bgpState, prefixesSent: sent, ...(reset ? { lastError: reset } : {}), ...(bfd ? { bfdState: bfd } : {}) };
    const configured = [['localAs', 'localAs'], ['remoteAs', 'remoteAs'], ['configuredHoldMs', 'bgpTimerConfiguredHoldTimeMsecs'], ['configuredKeepaliveMs', 'bgpTimerConfiguredKeepAliveIntervalMsecs']] as const;
    for (const [field, frrKey] of configured) {
      const n = value[frrKey];
      if (typeof n === 'number') facts[field] = n;
    }
    out.set(key, facts);
  }
  return { ok: true, neighbors: out };
}

/** Parses `show bgp neighbors json` (the default VRF); a shape FRR does not print is an error. */
export function parseNeighbors(text: string): ParseNeighbors {
  const parsed = parseJson(text, 'show bgp neighbors json');
  return parsed.ok ? neighborsOf(parsed.json, 'show bgp neighbors json') : parsed;
}

export type ParseVrfNeighbors = { ok: true; vrfs: ReadonlyMap<string, ReadonlyMap<string, FrrNeighborFacts>> } | { ok: false; error: string };

/** Parses `show bgp vrf all neighbors json`: { "default": {…neighbours}, "red": {…} }. */
export function parseVrfNeighbors(text: string): ParseVrfNeighbors {
  const command = 'show bgp vrf all neighbors json';
  const parsed = parseJson(text, command);
  if (!parsed.ok) return parsed;
  const vrfs = new Map<string, ReadonlyMap<string, FrrNeighborFacts>>();
  for (const [vrf, value] of Object.entries(parsed.json)) {
    if (!isObject(value)) return { ok: false, error: `FRR "${command}": VRF ${vrf} is not a JSON object` };
    const n = neighborsOf(value, command);
    if (!n.ok) return n;
    vrfs.set(vrf, n.neighbors);
  }
  return { ok: true, vrfs };
}

/** FRR's BFD status words → the BFD state names the native backend reports. */
function bfdStateName(status: string): string {
  const s = status.toLowerCase();
  return s === 'up' ? 'Up' : s === 'down' ? 'Down' : s === 'init' ? 'Init' : s === 'admindown' || s === 'admin-down' ? 'AdminDown' : status;
}

/** How a BGPPeer is found among FRR's neighbours, and what it is when it is not there. */
export interface NeighborLookup {
  find(peer: BgpPeer, key: string): FrrNeighborFacts | undefined;
  missing(peer: BgpPeer, key: string): Pick<PeerSessionView, 'configError' | 'lastError'>;
}

/** The node's own FRR (host-frr): the default VRF's neighbours; one that is missing is the operator's to add. */
export function hostNeighbors(neighbors: ReadonlyMap<string, FrrNeighborFacts>): NeighborLookup {
  return {
    find: (_peer, key) => neighbors.get(key),
    missing: (_peer, key) => ({
      configError: `the node's FRR has no neighbor ${key || '(no address)'} in its default VRF: add it to the FRR configuration, or select this BGPPeer for other nodes`,
    }),
  };
}

/** One view per BGPPeer of this node, matched to FRR's neighbours by address or interface. */
export function frrPeerSessions(peers: readonly BgpPeer[], lookup: NeighborLookup): FrrPeerSession[] {
  return peers.map((p) => {
    const key = p.peerAddress ? formatIp(p.peerAddress) : p.interface ?? '';
    const n = lookup.find(p, key);
    if (!n) return { name: p.name, peerAddress: key, state: 'Idle', prefixesSent: 0, established: false, ...lookup.missing(p, key) };
    return {
      name: p.name, peerAddress: key, state: n.state, prefixesSent: n.prefixesSent, established: n.state === 'Established',
      ...(n.state !== 'Established' && n.lastError ? { lastError: n.lastError } : {}),
      ...(p.bfdProfile ? { bfd: { state: n.bfdState ? bfdStateName(n.bfdState) : 'NoSession' } } : {}),
    };
  });
}
