// Pure: a resolved BGPPeer plus this node's identity → what one BgpSession runs with, and a
// key of everything that needs a new session when it changes.
import { formatIp, parseIp } from '../../lib/ip/index.ts';
import type { BgpPeer } from '../../lib/config/types.ts';
import { defaultSessionConfig } from './fsm-types.ts';
import type { SessionConfig } from './fsm-types.ts';
import { parseBgpId } from './open.ts';

export interface NodeIdentity {
  name: string;
  /** Default BGP identifier; else the first IPv4 address in `addresses`. */
  routerId?: string;
  addresses: readonly string[];
}

export interface SpeakerDefaults {
  /** Seconds; used when BGPPeer.connectTime is unset. Default 5. */
  connectTime?: number;
  /** Seconds; cap of the reconnect backoff. Default 120. */
  maxBackoff?: number;
  /** Seconds; advertised graceful-restart time. Default 120. */
  restartTime?: number;
}

export interface PeerSessionPlan {
  name: string;
  peerAddress: string;
  peerPort: number;
  sourceAddress?: string;
  password?: string;
  ebgpMultiHop: boolean;
  config: SessionConfig;
  /** Equal keys: the running session can stay. */
  key: string;
}

/** Seconds; the graceful-restart time we advertise when SpeakerDefaults.restartTime is unset. */
export const DEFAULT_RESTART_TIME = 120;

export type PlanResult = { ok: true; plan: PeerSessionPlan } | { ok: false; reason: string };

const isV4 = (a: string) => parseIp(a)?.family === 4;

export function defaultRouterId(node: NodeIdentity): string | undefined {
  return node.routerId ?? node.addresses.find(isV4);
}

export function planPeerSession(peer: BgpPeer, node: NodeIdentity, defaults: SpeakerDefaults = {}): PlanResult {
  if (!peer.peerAddress) return { ok: false, reason: 'no peerAddress (interface/unnumbered peering is not supported yet)' };
  const peerAddress = formatIp(peer.peerAddress);
  const routerId = peer.routerID ? formatIp(peer.routerID) : defaultRouterId(node);
  if (!routerId || !isV4(routerId)) return { ok: false, reason: 'no router ID: set routerID on the BGPPeer or give the node an IPv4 address' };
  const family = peer.peerAddress.family;
  const holdTime = Math.round(peer.holdTimeMs / 1000);
  const config: SessionConfig = {
    ...defaultSessionConfig,
    localAs: peer.localASN ?? peer.myASN,
    routerId: parseBgpId(routerId),
    peerAs: peer.peerASN ?? peer.dynamicASN ?? 'external',
    holdTime,
    connectTime: peer.connectTimeMs !== undefined ? Math.max(1, Math.round(peer.connectTimeMs / 1000)) : (defaults.connectTime ?? defaultSessionConfig.connectTime),
    maxBackoff: defaults.maxBackoff ?? defaultSessionConfig.maxBackoff,
    families: peer.dualStackAddressFamily ? [4, 6] : [family],
  };
  if (holdTime > 0 && peer.keepaliveTimeMs > 0) config.keepaliveTime = Math.round(peer.keepaliveTimeMs / 1000);
  if (peer.enableGracefulRestart) config.gracefulRestart = { restartTime: defaults.restartTime ?? DEFAULT_RESTART_TIME, forwarding: true };
  const plan: Omit<PeerSessionPlan, 'key'> = {
    name: peer.name,
    peerAddress,
    peerPort: peer.peerPort,
    ...(peer.sourceAddress ? { sourceAddress: formatIp(peer.sourceAddress) } : {}),
    ...(peer.password ? { password: peer.password } : {}),
    ebgpMultiHop: peer.ebgpMultiHop,
    config,
  };
  return { ok: true, plan: { ...plan, key: JSON.stringify(plan) } };
}
