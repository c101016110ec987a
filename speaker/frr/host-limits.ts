// Pure: the BGPAdvertisement fields the host-frr backend cannot honour on this node, as
// warnings naming the object and the field (ConfigurationState), never silently ignored.
// FRR's `network` line goes to every neighbour its own policy allows, with one set of
// attributes; connected mode leaves the attributes to the operator's redistribute policy;
// Portside only ever adds whole Service IPs (/32, /128) to the node's FRR.
import type { BgpAdvert, BgpPeer, ConfigWarning } from '../../lib/config/index.ts';
import { formatIp } from '../../lib/ip/index.ts';
import type { AnnouncedRoute } from '../bgp/index.ts';
import type { HostFrrMode } from './host-plan.ts';
import type { Afi } from './running-config.ts';
import type { FrrNeighborFacts } from './sessions.ts';

export interface HostFrrLimitsInput {
  /** The BGPAdvertisements whose nodeSelectors select this node. */
  adverts: readonly BgpAdvert[];
  /** The BGPPeers selected for this node (names). */
  peers: readonly string[];
  /** What the planner gave each peer. */
  routes: ReadonlyMap<string, readonly AnnouncedRoute[]>;
  modes: Record<Afi, HostFrrMode>;
}

const BACKEND = '--bgp-backend host-frr';

export function hostFrrUnhonoured({ adverts, peers, routes, modes }: HostFrrLimitsInput): ConfigWarning[] {
  const out: ConfigWarning[] = [];
  const warn = (advert: BgpAdvert, field: string, message: string) => out.push({ kind: 'BGPAdvertisement', name: advert.name, field, message });
  const planned = [...routes.values()].flat();
  const connected = (['ipv4', 'ipv6'] as const).filter((afi) => modes[afi] === 'connected'
    && planned.some((r) => (r.prefix.family === 4 ? 'ipv4' : 'ipv6') === afi));
  for (const advert of adverts) {
    const missing = peers.filter((p) => !advert.peers.includes(p));
    if (advert.peers.length > 0 && missing.length > 0) {
      warn(advert, 'spec.peers', `not honoured by ${BACKEND}: the node's FRR announces each Service IP to every neighbour its own policy allows, `
        + `also to BGPPeer ${missing.join(', ')} (not listed), with the communities and local-pref of every advertisement of that IP; `
        + 'select neighbours with the FRR policy (a neighbour route-map out), or use the native or frr backend');
    }
    if (advert.aggregationLength !== 32) {
      warn(advert, 'spec.aggregationLength', `not honoured by ${BACKEND}: Portside gives the node's FRR only whole Service IPs (/32), so these IPv4 Service IPs are not announced; remove the field, or aggregate in FRR's own configuration`);
    }
    if (advert.aggregationLengthV6 !== 128) {
      warn(advert, 'spec.aggregationLengthV6', `not honoured by ${BACKEND}: Portside gives the node's FRR only whole Service IPs (/128), so these IPv6 Service IPs are not announced; remove the field, or aggregate in FRR's own configuration`);
    }
    if (connected.length === 0) continue;
    const families = connected.map((afi) => (afi === 'ipv4' ? 'IPv4' : 'IPv6')).join(' and ');
    const why = `not applied to ${families} Service IPs by ${BACKEND}: the node's FRR redistributes connected routes for ${families} (connected mode), so its redistribute policy decides their attributes; `
      + 'set them in that route-map, or drop `redistribute connected` for dynamic mode (Portside\'s own route-maps)';
    const standard = advert.communities.some((c) => c.kind === 'standard');
    const large = advert.communities.some((c) => c.kind === 'large');
    if (standard || large) warn(advert, 'spec.communities', `${standard && large ? 'communities and large communities' : large ? 'large communities' : 'communities'} ${why}`);
    if (advert.localPref !== 0) warn(advert, 'spec.localPref', `local-pref ${advert.localPref} ${why}`);
  }
  return out;
}

/**
 * The BGPPeer fields the host-frr backend cannot apply: the session is the node's FRR's, as its
 * owner configured it. Where FRR shows the value (ASNs, configured timers, BFD on the neighbour)
 * a warning says when it differs; a field FRR does not show (a password, multi-hop, the port…)
 * is reported when set, since Portside cannot make it true.
 */
export function hostFrrPeerMismatches(peers: readonly BgpPeer[], neighbors: ReadonlyMap<string, FrrNeighborFacts>): ConfigWarning[] {
  const out: ConfigWarning[] = [];
  for (const peer of peers) {
    if (!peer.peerAddress) continue; // unnumbered and VRF peers are refused for this backend (lib/config/backend.ts)
    const address = formatIp(peer.peerAddress);
    const n = neighbors.get(address);
    if (!n) continue; // reported on the session itself: the node's FRR has no such neighbour
    const warn = (field: string, message: string) => out.push({ kind: 'BGPPeer', name: peer.name, field, message });
    const owned = `the session with ${address} is the node's FRR's, as its owner configured it (${BACKEND})`;
    const differs = (field: string, ours: string, theirs: string) =>
      warn(field, `${ours} is not what the node's FRR runs: its neighbor ${address} has ${theirs}; ${owned}: make the two agree`);
    if (n.localAs !== undefined && n.localAs !== peer.myASN) differs('spec.myASN', `myASN ${peer.myASN}`, `local AS ${n.localAs}`);
    if (peer.peerASN !== undefined && n.remoteAs !== undefined && n.remoteAs !== peer.peerASN) differs('spec.peerASN', `peerASN ${peer.peerASN}`, `remote-as ${n.remoteAs}`);
    if (n.configuredHoldMs !== undefined && n.configuredHoldMs !== peer.holdTimeMs) differs('spec.holdTime', `holdTime ${peer.holdTimeMs / 1000}s`, `hold time ${n.configuredHoldMs / 1000}s`);
    if (n.configuredKeepaliveMs !== undefined && n.configuredKeepaliveMs !== peer.keepaliveTimeMs) {
      differs('spec.keepaliveTime', `keepaliveTime ${peer.keepaliveTimeMs / 1000}s`, `keepalive ${n.configuredKeepaliveMs / 1000}s`);
    }
    if (peer.bfdProfile && n.bfdState === undefined) differs('spec.bfdProfile', `bfdProfile ${peer.bfdProfile.name}`, 'no BFD');
    const notApplied = (field: string, what: string) => warn(field, `${what} not applied: ${owned}; set it in FRR's configuration and remove the field`);
    if (peer.password !== undefined) notApplied('spec.password', 'the TCP-MD5 password (spec.password or passwordSecret) is');
    if (peer.ebgpMultiHop) notApplied('spec.ebgpMultiHop', 'ebgpMultiHop is');
    if (peer.enableGracefulRestart) notApplied('spec.enableGracefulRestart', 'graceful restart is');
    if (peer.peerPort !== 179) notApplied('spec.peerPort', `peerPort ${peer.peerPort} is`);
    if (peer.sourceAddress) notApplied('spec.sourceAddress', 'sourceAddress is');
    if (peer.connectTimeMs !== undefined) notApplied('spec.connectTime', 'connectTime is');
    if (peer.routerID) notApplied('spec.routerID', 'routerID is');
    if (peer.localASN !== undefined) notApplied('spec.localASN', 'localASN is');
  }
  return out;
}
