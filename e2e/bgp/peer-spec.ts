// A BGPPeer in a compact test form (seconds, optional fields) for the unit tests of the
// speaker's BGP internals (peer-config.test.ts, peers.loopback.test.ts). Behaviour tests
// configure `portside speaker` through the API instead (e2e/speaker/lab-cluster.ts).
import type { BgpPeer } from '../../lib/config/types.ts';
import { type IpAddress, mustParseIp } from '../../lib/ip/index.ts';

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
  /** BFDProfile; unset fields take the CRD defaults (300 ms × 3). */
  bfd?: { name: string; receiveIntervalMs?: number; transmitIntervalMs?: number; detectMultiplier?: number; echoMode?: boolean; passiveMode?: boolean };
}

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
