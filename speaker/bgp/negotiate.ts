import type { Capability } from './capabilities.ts';
import { BgpMessageError, ErrorCode, OpenSubcode } from './errors.ts';
import type { NegotiatedSession, SessionConfig } from './fsm-types.ts';
import { BGP_VERSION, myAsField, peerAsn } from './open.ts';
import type { OpenMessage } from './open.ts';

const familyAfi = { 4: 1, 6: 2 } as const;

/** The OPEN we send for a configuration. */
export function buildOpen(config: SessionConfig): OpenMessage {
  const capabilities: Capability[] = config.families.map((f) => ({ kind: 'multiprotocol', afi: familyAfi[f], safi: 1 }));
  if (config.routeRefresh) capabilities.push({ kind: 'routeRefresh' });
  capabilities.push({ kind: 'fourOctetAs', asn: config.localAs });
  const gr = config.gracefulRestart;
  if (gr) {
    const families = config.families.map((f) => ({ afi: familyAfi[f], safi: 1, forwarding: gr.forwarding }));
    capabilities.push({ kind: 'gracefulRestart', restarting: gr.restarting ?? false, notification: false, restartTime: gr.restartTime, families });
  }
  return {
    type: 'open',
    version: BGP_VERSION,
    myAs: myAsField(config.localAs),
    holdTime: config.holdTime,
    bgpId: config.routerId,
    capabilities,
    unknownParameters: [],
  };
}

function openError(subcode: number, detail: string, data?: Buffer): { ok: false; error: BgpMessageError } {
  return { ok: false, error: new BgpMessageError(ErrorCode.Open, subcode, data, detail) };
}

function acceptsPeerAs(config: SessionConfig, asn: number): boolean {
  if (config.peerAs === 'internal') return asn === config.localAs;
  if (config.peerAs === 'external') return asn !== config.localAs;
  return asn === config.peerAs;
}

/** Validates a peer's OPEN (RFC 4271 §6.2) and computes what the session runs with. */
export function negotiate(
  config: SessionConfig,
  open: OpenMessage,
): { ok: true; session: NegotiatedSession } | { ok: false; error: BgpMessageError } {
  if (open.unknownParameters.length > 0) {
    return openError(OpenSubcode.UnsupportedOptionalParameter, `parameter type ${open.unknownParameters[0]?.type}`);
  }
  const peerAs = peerAsn(open);
  if (!acceptsPeerAs(config, peerAs)) {
    const data = Buffer.alloc(2);
    data.writeUInt16BE(open.myAs);
    return openError(OpenSubcode.BadPeerAs, `peer AS ${peerAs}, expected ${config.peerAs}`, data);
  }
  const ibgp = peerAs === config.localAs;
  // RFC 6286: zero is invalid; iBGP peers must not share our identifier.
  if (open.bgpId === 0 || (ibgp && open.bgpId === config.routerId)) {
    return openError(OpenSubcode.BadBgpIdentifier, `identifier ${open.bgpId}`);
  }
  if (open.holdTime === 1 || open.holdTime === 2) {
    return openError(OpenSubcode.UnacceptableHoldTime, `hold time ${open.holdTime}`);
  }
  const holdTime = Math.min(config.holdTime, open.holdTime);
  const cap = Math.floor(holdTime / 3);
  const keepaliveTime = holdTime === 0 ? 0 : Math.max(1, Math.min(config.keepaliveTime ?? cap, cap));
  const mp = open.capabilities.filter((c) => c.kind === 'multiprotocol');
  // RFC 4760 §8: a peer without multiprotocol capabilities speaks IPv4 unicast only.
  const peerFamilies = mp.length === 0 ? [4] : mp.filter((c) => c.safi === 1).map((c) => (c.afi === 1 ? 4 : c.afi === 2 ? 6 : 0));
  const gr = open.capabilities.find((c) => c.kind === 'gracefulRestart');
  const session: NegotiatedSession = {
    peerAs,
    peerId: open.bgpId,
    ibgp,
    holdTime,
    keepaliveTime,
    fourOctetAs: open.capabilities.some((c) => c.kind === 'fourOctetAs'),
    families: config.families.filter((f) => peerFamilies.includes(f)),
    routeRefresh: config.routeRefresh && open.capabilities.some((c) => c.kind === 'routeRefresh'),
  };
  if (gr?.kind === 'gracefulRestart') session.peerGracefulRestart = gr;
  return { ok: true, session };
}
