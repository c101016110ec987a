// The port the speaker drives BGP through: the native backend (BgpAnnouncer: Portside's own
// sessions), frr (FrrAnnouncer: a sidecar FRR whose whole configuration Portside renders) or
// host-frr (HostFrrAnnouncer: the node's own FRR announces, Portside feeds it the prefixes).
// All take the planner's routes per peer and report sessions the same way, so
// ServiceBGPStatus, BGPSessionState and ConfigurationState read the same in each.
import type { BgpPeer, ConfigWarning } from '../../lib/config/index.ts';
import type { PeerSessionView } from '../status/desired.ts';
import type { BgpApply } from './bgp-announcer.ts';

export interface BgpBackend {
  readonly kind: 'native' | 'frr' | 'host-frr';
  /** Seconds a graceful-restart peer keeps our routes (native); 0 where it means nothing. */
  readonly restartTime: number;
  /** The BGPPeers of the last apply(). */
  readonly configuredPeers: readonly BgpPeer[];
  start(): Promise<void>;
  apply(want: BgpApply): void;
  sessions(): PeerSessionView[];
  /** Peers that hold our routes through a speaker restart (the restart marker names them). */
  restartablePeers(): string[];
  /** Per restartable peer with BFD Up: when its router would find our BFD session down after our last packet (ms; the restart marker keeps it). */
  bfdDownAfter?(): Record<string, number>;
  /** A session or its BFD changed state: BGPSessionState is rewritten. */
  onSessionChange(listener: () => void): void;
  onSessionUp(listener: () => void): void;
  /** What keeps the backend itself from working as configured, for ConfigurationState. */
  problem(): string | undefined;
  /** API fields this backend cannot honour on this node, each naming kind, object and field (ConfigurationState warnings). */
  unhonoured?(): readonly ConfigWarning[];
  /** SIGTERM; returns the peers that keep our routes after the exit. */
  shutdown(graceMs: number, opts?: { restart?: boolean }): Promise<string[]>;
}
