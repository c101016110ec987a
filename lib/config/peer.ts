// BGPPeer → BgpPeer: addresses and durations read, timers derived, password and BFD profile resolved.
import type { V1Secret } from '@kubernetes/client-node';
import { durationNs } from '../../crds/index.ts';
import { type IpAddress, parseIp } from '../ip/index.ts';
import { type Issues, type ObjectIssues, forObject } from './issues.ts';
import type { Named } from './parse.ts';
import type { ValidBGPPeer } from './resources.ts';
import { deriveTimers } from './timers.ts';
import type { BfdProfile, BgpPeer } from './types.ts';

type PeerSpec = ValidBGPPeer['spec'];

export interface PeerContext {
  bfdProfiles: ReadonlyMap<string, BfdProfile>;
  /** Undefined: secrets are not resolved. */
  secrets: readonly V1Secret[] | undefined;
}

/**
 * Reads a value the schema has accepted; lib/ip or the duration parser reading it otherwise
 * is a bug, reported on the field rather than thrown.
 */
function reader(report: ObjectIssues): {
  address(text: string | undefined, field: string): IpAddress | undefined;
  ms(text: string | undefined, field: string): number | undefined;
  } {
  return {
    address(text, field) {
      if (text === undefined) return undefined;
      const ip = parseIp(text);
      if (!ip) report.error(field, `"${text}" is not an IP address`);
      return ip;
    },
    ms(text, field) {
      if (text === undefined) return undefined;
      const ns = durationNs(text);
      if (ns === undefined) report.error(field, `"${text}" is not a duration: write it like "90s", "1m30s" or "500ms"`);
      return ns === undefined ? undefined : Number(ns) / 1e6;
    },
  };
}

function password(spec: PeerSpec, namespace: string | undefined, ctx: PeerContext, report: ObjectIssues): string | undefined {
  const ref = spec.passwordSecret;
  // MetalLB writes `passwordSecret: {}` for "no secret".
  if (ref?.name === undefined) return spec.password;
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

export function buildPeer({ name, object }: Named<ValidBGPPeer>, issues: Issues, ctx: PeerContext): BgpPeer | undefined {
  const report = forObject(issues, 'BGPPeer', name);
  const read = reader(report);
  const { spec } = object;
  const before = issues.errors.length;
  let bfdProfile: BfdProfile | undefined;
  if (spec.bfdProfile !== undefined) {
    bfdProfile = ctx.bfdProfiles.get(spec.bfdProfile);
    if (!bfdProfile) report.error('spec.bfdProfile', `BFDProfile "${spec.bfdProfile}" not found (or invalid): create it or fix the name`);
  }
  const timers = deriveTimers(read.ms(spec.holdTime, 'spec.holdTime'), read.ms(spec.keepaliveTime, 'spec.keepaliveTime'));
  const peer: BgpPeer = {
    name,
    myASN: spec.myASN,
    peerASN: spec.peerASN,
    dynamicASN: spec.dynamicASN,
    localASN: spec.localASN,
    peerAddress: read.address(spec.peerAddress, 'spec.peerAddress'),
    interface: spec.interface,
    sourceAddress: read.address(spec.sourceAddress, 'spec.sourceAddress'),
    peerPort: spec.peerPort,
    holdTimeMs: timers.holdTimeMs,
    keepaliveTimeMs: timers.keepaliveTimeMs,
    connectTimeMs: read.ms(spec.connectTime, 'spec.connectTime'),
    routerID: read.address(spec.routerID, 'spec.routerID'),
    nodeSelectors: spec.nodeSelectors ?? [],
    password: password(spec, object.metadata.namespace, ctx, report),
    bfdProfile,
    enableGracefulRestart: spec.enableGracefulRestart ?? false,
    ebgpMultiHop: spec.ebgpMultiHop ?? false,
    vrf: spec.vrf ?? '',
    disableMP: spec.disableMP,
    dualStackAddressFamily: spec.dualStackAddressFamily,
  };
  return issues.errors.length > before ? undefined : peer;
}
