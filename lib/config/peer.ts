// BGPPeer → BgpPeer: ASNs, addresses, timers, password and BFD profile resolved.
import type { V1Secret } from '@kubernetes/client-node';
import { type IpAddress, parseIp } from '../ip/index.ts';
import { parseGoDuration } from './duration.ts';
import { type Issues, type ObjectIssues, forObject } from './issues.ts';
import type { BGPPeerInput, BGPPeerSpec } from './resources.ts';
import { selectorList } from './selectors.ts';
import { deriveTimers } from './timers.ts';
import type { BfdProfile, BgpPeer } from './types.ts';

const MAX_ASN = 0xffffffff;

function asn(value: number | undefined, field: string, report: ObjectIssues): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > MAX_ASN) {
    report.error(field, `ASN ${String(value)} is out of range: use 1-4294967295`);
  }
  return value;
}

function address(text: string | undefined, field: string, report: ObjectIssues, v4only = false): IpAddress | undefined {
  if (text === undefined || text === null || text === '') return undefined;
  const ip = parseIp(String(text));
  if (!ip || (v4only && ip.family !== 4)) {
    report.error(field, `"${text}" is not an ${v4only ? 'IPv4 ' : 'IP '}address: give one ${v4only ? 'IPv4 address (a router ID is 32 bits)' : 'IPv4 or IPv6 address'}`);
  }
  return ip;
}

function connectTime(text: string | undefined, report: ObjectIssues): number | undefined {
  if (text === undefined || text === null) return undefined;
  const d = parseGoDuration(text);
  if (!d.ok) { report.error('spec.connectTime', d.error); return undefined; }
  if (d.ms % 1000 !== 0 || d.ms < 1000 || d.ms > 65535_000) {
    report.error('spec.connectTime', `connectTime "${text}" is invalid: use whole seconds between 1s and 65535s`);
  }
  return d.ms;
}

export interface PeerContext {
  bfdProfiles: ReadonlyMap<string, BfdProfile>;
  /** Undefined: secrets are not resolved. */
  secrets: readonly V1Secret[] | undefined;
}

function password(spec: BGPPeerSpec, namespace: string | undefined, ctx: PeerContext, report: ObjectIssues): string | undefined {
  const ref = spec.passwordSecret;
  if (ref === undefined || ref === null) return spec.password || undefined;
  if (spec.password) {
    report.error('spec.passwordSecret', 'both password and passwordSecret are set: keep only one (passwordSecret keeps it out of the object)');
    return undefined;
  }
  if (!ref.name) { report.error('spec.passwordSecret.name', 'passwordSecret has no name: name a Secret'); return undefined; }
  if (!ctx.secrets) return undefined;
  const wantNs = ref.namespace || namespace;
  const secret = ctx.secrets.find((s) => s.metadata?.name === ref.name && (!wantNs || !s.metadata?.namespace || s.metadata.namespace === wantNs));
  if (!secret) {
    report.error('spec.passwordSecret', `Secret "${ref.name}" not found${wantNs ? ` in namespace "${wantNs}"` : ''}: create it (type kubernetes.io/basic-auth, key "password")`);
    return undefined;
  }
  if (secret.type !== 'kubernetes.io/basic-auth') {
    report.error('spec.passwordSecret', `Secret "${ref.name}" has type "${secret.type ?? 'Opaque'}": it must be kubernetes.io/basic-auth`);
    return undefined;
  }
  const text = secret.stringData?.['password'] ?? (secret.data?.['password'] !== undefined ? Buffer.from(secret.data['password'], 'base64').toString('utf8') : undefined);
  if (text === undefined || text === '') {
    report.error('spec.passwordSecret', `Secret "${ref.name}" has no "password" key: add it`);
    return undefined;
  }
  return text;
}

export function buildPeer(obj: BGPPeerInput, issues: Issues, ctx: PeerContext): BgpPeer | undefined {
  const name = obj.metadata.name ?? '';
  const report = forObject(issues, 'BGPPeer', name);
  const spec = (obj.spec ?? {}) as BGPPeerSpec;
  const before = issues.errors.length;
  const myASN = asn(spec.myASN, 'spec.myASN', report);
  if (myASN === undefined) report.error('spec.myASN', 'myASN is required: give the local AS number');
  const peerASN = asn(spec.peerASN, 'spec.peerASN', report);
  const dynamicASN = spec.dynamicASN || undefined;
  if ((peerASN === undefined) === (dynamicASN === undefined)) {
    report.error('spec.peerASN', 'give exactly one of peerASN and dynamicASN');
  }
  if (dynamicASN !== undefined && dynamicASN !== 'internal' && dynamicASN !== 'external') {
    report.error('spec.dynamicASN', `dynamicASN "${String(dynamicASN)}" is invalid: use internal or external`);
  }
  const peerAddress = address(spec.peerAddress, 'spec.peerAddress', report);
  const iface = spec.interface || undefined;
  if ((spec.peerAddress ? 1 : 0) + (iface ? 1 : 0) !== 1) {
    report.error('spec.peerAddress', 'give exactly one of peerAddress and interface (BGP unnumbered)');
  }
  const peerPort = spec.peerPort ?? 179;
  if (!Number.isInteger(peerPort) || peerPort < 1 || peerPort > 16384) {
    report.error('spec.peerPort', `port ${String(peerPort)} is out of range: use 1-16384 (179 is BGP's)`);
  }
  const timers = deriveTimers(spec.holdTime, spec.keepaliveTime, report);
  const ibgp = dynamicASN === 'internal' || (peerASN !== undefined && peerASN === myASN);
  if (spec.ebgpMultiHop && ibgp) {
    report.error('spec.ebgpMultiHop', 'ebgpMultiHop applies to eBGP only, but this is an iBGP session (peer ASN = my ASN): remove it');
  }
  let bfdProfile: BfdProfile | undefined;
  if (spec.bfdProfile) {
    bfdProfile = ctx.bfdProfiles.get(spec.bfdProfile);
    if (!bfdProfile) report.error('spec.bfdProfile', `BFDProfile "${spec.bfdProfile}" not found (or invalid): create it or fix the name`);
  }
  const peer: BgpPeer = {
    name,
    myASN: myASN ?? 0,
    peerASN,
    dynamicASN: dynamicASN as BgpPeer['dynamicASN'],
    localASN: asn(spec.localASN, 'spec.localASN', report),
    peerAddress,
    interface: iface,
    sourceAddress: address(spec.sourceAddress, 'spec.sourceAddress', report),
    peerPort,
    holdTimeMs: timers?.holdTimeMs ?? 0,
    keepaliveTimeMs: timers?.keepaliveTimeMs ?? 0,
    connectTimeMs: connectTime(spec.connectTime, report),
    routerID: address(spec.routerID, 'spec.routerID', report, true),
    nodeSelectors: selectorList(spec.nodeSelectors, 'spec.nodeSelectors', report),
    password: password(spec, obj.metadata.namespace, ctx, report),
    bfdProfile,
    enableGracefulRestart: spec.enableGracefulRestart ?? false,
    ebgpMultiHop: spec.ebgpMultiHop ?? false,
    vrf: spec.vrf ?? '',
    disableMP: spec.disableMP ?? false,
    dualStackAddressFamily: spec.dualStackAddressFamily ?? false,
  };
  return issues.errors.length > before ? undefined : peer;
}
