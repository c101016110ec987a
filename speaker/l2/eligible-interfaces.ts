// Which interfaces a responder may answer on. A named list reports why each unusable
// interface is skipped (the speaker turns that into an announceFailed event); 'all' takes
// every UP, ARP-capable, unenslaved interface with an address, minus loopback and the
// usual container/overlay plumbing.
import { readdir } from 'node:fs/promises';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { isIpv6LinkLocal, parseSocketAddress } from '../../lib/ip/index.ts';
import { readInterfaceInfo, type InterfaceInfo } from './interface-info.ts';

const VIRTUAL_PREFIXES = ['lo', 'veth', 'cni', 'flannel', 'cali', 'cilium', 'lxc', 'docker', 'kube-', 'tunl', 'vxlan', 'weave', 'genev'];

export interface RejectedInterface {
  name: string;
  reason: string;
}

export interface EligibleInterfaces {
  eligible: InterfaceInfo[];
  rejected: RejectedInterface[];
}

export interface EligibleOptions {
  sysfs?: string;
  /** Addresses per interface (os.networkInterfaces shape). */
  addresses?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
}

/** Why info cannot be used for announcing, or undefined if it can. */
export function ineligibleReason(info: InterfaceInfo | undefined): string | undefined {
  if (!info) return 'interface does not exist';
  if (!info.up) return 'interface is down';
  if (info.carrier === false) return 'interface has no carrier';
  if (info.noArp) return 'interface has NOARP set';
  if (info.master !== undefined) return `interface is enslaved to ${info.master}`;
  return undefined;
}

function hasUsableAddress(list: NetworkInterfaceInfo[] | undefined): boolean {
  return (list ?? []).some((a) => !a.internal && !isIpv6LinkLocal(parseSocketAddress(a.address)));
}

export async function eligibleInterfaces(allowed: readonly string[] | 'all', opts: EligibleOptions = {}): Promise<EligibleInterfaces> {
  const sysfs = opts.sysfs ?? '/sys/class/net';
  const explicit = allowed !== 'all';
  const names = explicit ? [...new Set(allowed)] : (await readdir(sysfs).catch(() => [])).filter((n) => !VIRTUAL_PREFIXES.some((p) => n.startsWith(p)));
  const addresses = (opts.addresses ?? networkInterfaces)();
  const result: EligibleInterfaces = { eligible: [], rejected: [] };
  for (const name of names.sort()) {
    const info = await readInterfaceInfo(name, sysfs);
    const reason = ineligibleReason(info) ?? (!explicit && !hasUsableAddress(addresses[name]) ? 'no IPv4 or global IPv6 address' : undefined);
    if (info && reason === undefined) result.eligible.push(info);
    else if (explicit) result.rejected.push({ name, reason: reason ?? 'unusable' });
  }
  return result;
}
