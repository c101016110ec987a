// What Portside's native BGP speaker cannot do, refused by name instead of ignored: each
// field is either honoured or an error on ConfigurationState saying what serves it.
import { BFD_PROFILE_DEFAULTS } from '../../crds/index.ts';
import type { Issues } from './issues.ts';
import type { ValidBFDProfile } from './resources.ts';
import type { BgpPeer } from './types.ts';

/** The backend that serves what the native speaker refuses (MetalLB's FRR mode). */
export const FRR_BACKEND = 'the FRR backend (--bgp-backend frr)';

/** Refuses the BGPPeer fields the native speaker cannot honour, and says which ones have no effect. */
export function checkNativePeer(peer: BgpPeer, issues: Issues): void {
  const refuse = (field: string, what: string): void =>
    issues.error('BGPPeer', peer.name, field, `${what} is not supported by the native BGP speaker; it is served by ${FRR_BACKEND}: remove the field or run that backend`);
  if (peer.vrf !== '') refuse('spec.vrf', `a session in VRF "${peer.vrf}"`);
  if (peer.interface !== undefined) refuse('spec.interface', `unnumbered BGP over interface "${peer.interface}"`);
  if (peer.ebgpMultiHop && peer.bfdProfile) refuse('spec.bfdProfile', 'multi-hop BFD (RFC 5883) for an ebgpMultiHop session');
  if (peer.disableMP && peer.dualStackAddressFamily) {
    issues.error('BGPPeer', peer.name, 'spec.disableMP',
      'disableMP (one family per session) contradicts dualStackAddressFamily (both families on this session): set only one');
  }
}

/** Echo mode is refused; the fields that only matter for echo or multi-hop sessions are reported when set. */
export function checkNativeBfdProfile(name: string, spec: ValidBFDProfile['spec'], issues: Issues): void {
  if (spec.echoMode) {
    issues.error('BFDProfile', name, 'spec.echoMode',
      `BFD echo mode is not supported by the native BFD; it is served by ${FRR_BACKEND}: set echoMode to false or run that backend`);
  } else if (spec.echoInterval !== BFD_PROFILE_DEFAULTS.echoIntervalMs) {
    issues.warn('BFDProfile', name, 'spec.echoInterval', 'has no effect: echo packets are sent only with echoMode (as in FRR)');
  }
  if (spec.minimumTtl !== undefined) {
    issues.warn('BFDProfile', name, 'spec.minimumTtl',
      'applies to multi-hop sessions only; the single-hop sessions Portside runs require TTL 255 (RFC 5881), as in FRR');
  }
}
