// What each BGP backend cannot do, refused by name instead of ignored: each field is either
// honoured or an error on ConfigurationState saying what serves it. The native speaker runs
// no VRF, no unnumbered session, no multi-hop BFD and no BFD echo; the FRR sidecar
// (--bgp-backend frr) renders all of them into FRR's configuration (speaker/frr/render.ts).
import { BFD_PROFILE_DEFAULTS } from '../../crds/index.ts';
import type { Issues } from './issues.ts';
import type { ValidBFDProfile } from './resources.ts';
import type { BgpPeer } from './types.ts';

/** The backend that serves what the native speaker refuses (MetalLB's FRR mode). */
export const FRR_BACKEND = 'the FRR backend (--bgp-backend frr)';

/**
 * Whose limits the configuration is checked against: a speaker's backend (host-frr keeps the
 * native speaker's rules), or 'none' for a program that speaks no BGP (the controller), where
 * each speaker reports what its own backend cannot do.
 */
export type BackendChecks = 'native' | 'host-frr' | 'frr' | 'none';

/** Refuses the BGPPeer fields the backend cannot honour. */
export function checkPeerForBackend(peer: BgpPeer, backend: BackendChecks, issues: Issues): void {
  if (peer.disableMP && peer.dualStackAddressFamily) {
    issues.error('BGPPeer', peer.name, 'spec.disableMP',
      'disableMP (one family per session) contradicts dualStackAddressFamily (both families on this session): set only one');
  }
  if (backend === 'frr') checkFrrPeer(peer, issues);
  if (backend === 'native' || backend === 'host-frr') checkNativePeer(peer, backend, issues);
}

function checkNativePeer(peer: BgpPeer, backend: 'native' | 'host-frr', issues: Issues): void {
  const who = backend === 'native' ? 'the native BGP speaker' : 'the host-frr backend (Portside adds its prefixes to the default VRF\'s router bgp of the node\'s FRR)';
  const refuse = (field: string, what: string): void =>
    issues.error('BGPPeer', peer.name, field, `${what} is not supported by ${who}; it is served by ${FRR_BACKEND}: remove the field or run that backend`);
  if (peer.vrf !== '') refuse('spec.vrf', `a session in VRF "${peer.vrf}"`);
  if (peer.interface !== undefined) refuse('spec.interface', `unnumbered BGP over interface "${peer.interface}"`);
  if (peer.ebgpMultiHop && peer.bfdProfile) refuse('spec.bfdProfile', 'multi-hop BFD (RFC 5883) for an ebgpMultiHop session');
}

/** What FRR's configuration language cannot carry. */
function checkFrrPeer(peer: BgpPeer, issues: Issues): void {
  const pw = peer.password;
  // `neighbor X password WORD`: FRR takes one word.
  if (pw !== undefined && [...pw].some((ch) => /\s/.test(ch) || ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) {
    issues.error('BGPPeer', peer.name, 'spec.password',
      'the password (spec.password, or the passwordSecret\'s) has whitespace or a control character, which FRR\'s `neighbor X password WORD` cannot carry: choose another password');
  }
}

/** Echo mode is refused by the native speaker; the fields that only matter for echo or multi-hop sessions are reported when set. */
export function checkBfdProfileForBackend(name: string, spec: ValidBFDProfile['spec'], backend: BackendChecks, issues: Issues): void {
  const native = backend === 'native' || backend === 'host-frr';
  if (spec.echoMode && native) {
    issues.error('BFDProfile', name, 'spec.echoMode',
      `BFD echo mode is not supported by the native BFD; it is served by ${FRR_BACKEND}: set echoMode to false or run that backend`);
  } else if (!spec.echoMode && spec.echoInterval !== BFD_PROFILE_DEFAULTS.echoIntervalMs) {
    issues.warn('BFDProfile', name, 'spec.echoInterval', 'has no effect: echo packets are sent only with echoMode (as in FRR)');
  }
  if (spec.minimumTtl !== undefined && native) {
    issues.warn('BFDProfile', name, 'spec.minimumTtl',
      'applies to multi-hop sessions only; the single-hop sessions Portside runs require TTL 255 (RFC 5881), as in FRR');
  }
}
