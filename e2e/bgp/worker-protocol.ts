// The JSON a test hands the speaker worker (config file, command lines) and the event lines
// it prints; shared by speaker-worker.ts and the test-side harness.
import type { BgpPeer } from '../../lib/config/types.ts';
import { type IpAddress, mustParseCidr, mustParseIp } from '../../lib/ip/index.ts';
import { parseCommunity, parseLargeCommunity } from '../../speaker/bgp/attributes/communities.ts';
import type { NodeIdentity, SpeakerDefaults } from '../../speaker/bgp/peer-config.ts';
import type { AnnouncedRoute } from '../../speaker/bgp/route.ts';

export interface PeerSpec {
  name: string;
  myASN: number;
  peerASN?: number;
  dynamicASN?: 'internal' | 'external';
  peerAddress: string;
  peerPort?: number;
  sourceAddress?: string;
  password?: string;
  holdTimeS?: number;
  keepaliveS?: number;
  connectTimeS?: number;
  ebgpMultiHop?: boolean;
  dualStack?: boolean;
  gracefulRestart?: boolean;
  /** BFDProfile; needs WorkerConfig.bfd. Unset fields take the CRD defaults (300 ms × 3). */
  bfd?: { name: string; receiveIntervalMs?: number; transmitIntervalMs?: number; detectMultiplier?: number; echoMode?: boolean; passiveMode?: boolean };
}

export interface RouteSpec {
  prefix: string;
  communities?: string[];
  largeCommunities?: string[];
  localPref?: number;
}

export interface WorkerConfig {
  node: NodeIdentity;
  /** Passive listener port; omitted = no listener. */
  listenPort?: number;
  defaults?: SpeakerDefaults;
  peers: PeerSpec[];
  routes?: Record<string, RouteSpec[]>;
  /** Run a BfdManager (port 3784) for peers with `bfd`. */
  bfd?: boolean;
  /** SIGTERM: a number runs gracefulShutdown(ms); default stop(). (Graceful restart is `portside speaker`'s.) */
  onSigterm?: number;
}

export type WorkerCommand =
  | { op: 'routes'; peer: string; routes: RouteSpec[] }
  | { op: 'peers'; peers: PeerSpec[] }
  | { op: 'status' };

export type WorkerEvent =
  | { ev: 'ready'; pid: number }
  | { ev: 'up'; peer: string; peerAs: number; at: number }
  | { ev: 'down'; peer: string; reason: string; at: number }
  | { ev: 'connectFailed'; peer: string; outcome: string; hint: string; at: number }
  | { ev: 'notification'; peer: string; direction: 'sent' | 'received'; code: number; subcode: number; at: number }
  | { ev: 'status'; sessions: unknown[] }
  | { ev: 'bfd'; peer: string; from: string; to: string; diag: number; at: number }
  | { ev: 'stopped'; how: string; at: number };

function ip(text: string | undefined): IpAddress | undefined {
  return text === undefined ? undefined : mustParseIp(text);
}

export function toBgpPeer(p: PeerSpec): BgpPeer {
  return {
    name: p.name,
    myASN: p.myASN,
    peerASN: p.peerASN,
    dynamicASN: p.dynamicASN,
    localASN: undefined,
    peerAddress: ip(p.peerAddress),
    interface: undefined,
    sourceAddress: ip(p.sourceAddress),
    peerPort: p.peerPort ?? 179,
    holdTimeMs: (p.holdTimeS ?? 90) * 1000,
    keepaliveTimeMs: (p.keepaliveS ?? 30) * 1000,
    connectTimeMs: p.connectTimeS === undefined ? undefined : p.connectTimeS * 1000,
    routerID: undefined,
    nodeSelectors: [],
    password: p.password,
    bfdProfile: p.bfd
      ? { receiveIntervalMs: 300, transmitIntervalMs: 300, detectMultiplier: 3, echoIntervalMs: 50, echoMode: false, passiveMode: false, minimumTtl: 254, ...p.bfd }
      : undefined,
    enableGracefulRestart: p.gracefulRestart ?? false,
    ebgpMultiHop: p.ebgpMultiHop ?? false,
    vrf: '',
    disableMP: false,
    dualStackAddressFamily: p.dualStack ?? false,
  };
}

export function toRoute(r: RouteSpec): AnnouncedRoute {
  return {
    prefix: mustParseCidr(r.prefix),
    ...(r.communities ? { communities: r.communities.map(parseCommunity) } : {}),
    ...(r.largeCommunities ? { largeCommunities: r.largeCommunities.map(parseLargeCommunity) } : {}),
    ...(r.localPref !== undefined ? { localPref: r.localPref } : {}),
  };
}
